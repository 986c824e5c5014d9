package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/archiver/archiver/journal/backfill"
	"github.com/urfave/cli/v2"
)

type ingestOptions struct {
	data, tenant   string
	dateFromHeader bool
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
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			o.data, o.asJSON, o.paths = c.String("data"), c.Bool("json"), c.Args().Slice()
			return runIngest(c.Context, o, e)
		},
	}
}

func runIngest(ctx context.Context, o ingestOptions, e *env) error {
	if len(o.paths) == 0 {
		return withHint(errors.New("nothing to ingest"), "archiver ingest --data DIR PATH... (or - for stdin)")
	}
	s, err := e.open(ctx, o.data)
	if err != nil {
		return err
	}
	defer s.close()
	opts := backfill.Options{Tenant: o.tenant, DateFromHeader: o.dateFromHeader, Stdin: e.stdin}
	if e.tty {
		opts.Progress = e.stderr
	}
	results, err := backfill.Ingest(ctx, s.j, e.absAll(o.paths), opts)
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
	if o.asJSON {
		emit(e.stdout, "summary", map[string]any{"read": sum.Read, "stored": sum.Stored, "duplicate": sum.Duplicate, "failed": sum.Failed, "ok": sum.Failed == 0 && err == nil})
	} else {
		fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\n", sum.Read, sum.Stored, sum.Duplicate, sum.Failed)
		tw.Flush()
		for _, r := range results {
			for _, f := range r.Failures {
				fmt.Fprintf(e.stdout, "FAILED %s: %s\n", f.Source, f.Reason)
			}
		}
	}
	if err != nil || sum.Failed > 0 {
		if err == nil {
			err = backfill.ErrFailed
		}
		return withHint(fmt.Errorf("ingest: %d of %d messages failed: %w", sum.Failed, sum.Read, err), "fix the sources listed above and run the same archiver ingest again (duplicates are recorded, not stored twice)")
	}
	return nil
}
