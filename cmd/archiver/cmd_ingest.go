package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/archiver/archiver/journal/backfill"
	"github.com/urfave/cli/v2"
)

type ingestOptions struct {
	data, tenant   string
	dateFromHeader bool
	received       string
	asJSON         bool
	paths          []string
}

func ingestCommand(e *env) *cli.Command {
	var o ingestOptions
	return &cli.Command{
		Name:      "ingest",
		Usage:     "backfill .eml files, maildir trees, mbox files (mboxrd/mboxo) or stdin; exit 1 if any message failed",
		ArgsUsage: "PATH...|-",
		Description: "Same durability and duplicate rules as the SMTP service. Ends with a reconciliation per source:\n" +
			"read = stored + duplicate + failed, with every failure's reason.",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{Name: "tenant", Usage: "store every message for tenant `T` only (default: route by domains)", Destination: &o.tenant},
			&cli.BoolFlag{Name: "date-from-header", Usage: "received time = the Date header (UTC) when it parses", Destination: &o.dateFromHeader},
			&cli.StringFlag{Name: "received", Usage: "record `TIME` (2026-03-01 or RFC 3339, UTC) as the received time instead of now; with --date-from-header only where the Date does not parse", Destination: &o.received},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			o.data, o.asJSON, o.paths = c.String("data"), c.Bool("json"), c.Args().Slice()
			return runIngest(c.Context, o, e)
		},
	}
}

func runIngest(ctx context.Context, o ingestOptions, e *env) (err error) {
	if len(o.paths) == 0 {
		return withHint(errors.New("nothing to ingest"), "archiver ingest --data DIR PATH... (or - for stdin)")
	}
	received, err := parseDate("received", o.received)
	if err != nil {
		return err
	}
	s, err := e.open(ctx, o.data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	if err := checkTenant(ctx, s, o.tenant); err != nil {
		return err
	}
	stdin, empty := emptyInputs(e, o.paths)
	if len(empty) > 0 {
		return withHint(fmt.Errorf("ingest: %s empty (0 bytes): no message to store; nothing was ingested", strings.Join(empty, ", ")),
			"drop the empty sources and run archiver ingest again")
	}
	opts := backfill.Options{Tenant: o.tenant, DateFromHeader: o.dateFromHeader, Received: received, Stdin: stdin}
	var finish func()
	opts.Progress, finish = ingestBar(e)
	results, err := backfill.Ingest(ctx, s.j, e.absAll(o.paths), opts)
	finish()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var sum backfill.Result
	for _, r := range results {
		sum.Read, sum.Stored, sum.Duplicate, sum.Failed = sum.Read+r.Read, sum.Stored+r.Stored, sum.Duplicate+r.Duplicate, sum.Failed+r.Failed
	}
	if e.shared != nil { // forwarded: serve's ingest batches are audited as "service"; say who asked
		if _, aerr := s.j.Audit(ctx, e.user, "ingest", fmt.Sprintf("ingest %s: read %d, stored %d, duplicate %d, failed %d",
			strings.Join(e.absAll(o.paths), " "), sum.Read, sum.Stored, sum.Duplicate, sum.Failed)); aerr != nil {
			err = errors.Join(err, fmt.Errorf("audit trail: %w", aerr))
		}
	}
	tw := table(e.stdout)
	if !o.asJSON {
		fmt.Fprintln(tw, "SOURCE\tREAD\tSTORED\tDUPLICATE\tFAILED")
	}
	for _, r := range results {
		if o.asJSON {
			emit(e.stdout, "source", map[string]any{"source": r.Source, "read": r.Read, "stored": r.Stored, "duplicate": r.Duplicate, "failed": r.Failed,
				"failures": r.Failures, "skipped": len(r.Skipped)})
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", r.Source, r.Read, r.Stored, r.Duplicate, r.Failed)
	}
	noneFound := emptySources(results)
	if o.asJSON {
		emit(e.stdout, "summary", map[string]any{"read": sum.Read, "stored": sum.Stored, "duplicate": sum.Duplicate, "failed": sum.Failed,
			"empty": noneFound, "ok": sum.Failed == 0 && err == nil && len(noneFound) == 0})
	} else {
		fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\n", sum.Read, sum.Stored, sum.Duplicate, sum.Failed)
		tw.Flush()
		for _, r := range results {
			for _, f := range r.Failures {
				fmt.Fprintf(e.stdout, "FAILED %s: %s\n", f.Source, f.Reason)
			}
			for _, f := range r.Skipped {
				fmt.Fprintf(e.stdout, "SKIPPED %s: %s\n", f.Source, f.Reason)
			}
			if r.Read == 0 {
				fmt.Fprintf(e.stdout, "EMPTY %s: no message found\n", r.Source)
			}
		}
	}
	if err == nil && sum.Failed == 0 && len(noneFound) > 0 {
		return withHint(fmt.Errorf("ingest: no message found in %s", strings.Join(noneFound, ", ")),
			"check the path (a maildir, an mbox file, .eml files or - for stdin) and run archiver ingest again")
	}
	if err != nil || sum.Failed > 0 {
		if err == nil {
			err = backfill.ErrFailed
		}
		return withHint(fmt.Errorf("ingest: %d of %d messages failed: %w", sum.Failed, sum.Read, err), "fix the sources listed above and run the same archiver ingest again (duplicates are recorded, not stored twice)")
	}
	return nil
}

// emptySources names the sources in which no message was found at all (a
// mistyped path, an empty maildir or stdin): a backfill that read nothing
// is not a success.
func emptySources(results []backfill.Result) []string {
	var out []string
	for _, r := range results {
		if r.Read == 0 {
			out = append(out, r.Source)
		}
	}
	return out
}

// emptyInputs names the sources given that are empty files or an empty
// stdin: backfill would store each as a 0-byte message. It returns stdin
// to read from (what it peeked at is still there).
func emptyInputs(e *env, paths []string) (io.Reader, []string) {
	var out []string
	stdin := e.stdin
	for _, p := range paths {
		if p == "-" {
			br, ok := stdin.(*bufio.Reader) // "-" given twice: peek through the same reader, losing nothing
			if !ok {
				br = bufio.NewReader(stdin)
			}
			if _, err := br.Peek(1); err == io.EOF {
				out = append(out, "stdin")
			}
			stdin = br
			continue
		}
		if fi, err := os.Stat(e.abs(p)); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			out = append(out, e.abs(p))
		}
	}
	return stdin, out
}
