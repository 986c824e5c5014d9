package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/discovery"
	"github.com/archiver/archiver/sealing/pgp"
	"github.com/urfave/cli/v2"
)

type exportOptions struct {
	data, out, format, key, passFile string
	mediaSrc                         []string
	q                                catalog.Query
	asJSON                           bool
}

func exportCommand(e *env) *cli.Command {
	var o exportOptions
	return &cli.Command{
		Name:  "export",
		Usage: "write a production of every matching message: numbered .eml files (or one mbox), production.csv and its signature",
		Description: "Messages come from the journal while it holds them, else from --media images or discs, decrypted with --key.\n" +
			"Every message is checked against its SHA-256. --out must be new or empty; nothing is overwritten. Exit 1 if any match is missing.",
		Flags: append([]cli.Flag{dataFlag(),
			&cli.StringFlag{Name: "out", Required: true, Usage: "new or empty output directory `DIR`", Destination: &o.out},
			&cli.StringFlag{Name: "format", Value: "eml", Usage: "eml or mbox (mboxrd)", Destination: &o.format},
			&cli.StringSliceFlag{Name: "media", Usage: "image, device or extracted disc `IMAGE` holding released messages (repeatable)"},
			&cli.StringFlag{Name: "key", Usage: "tenant secret key `SECRET.asc` for messages read from --media", Destination: &o.key},
			&cli.StringFlag{Name: "passphrase-file", Usage: "passphrase for --key and the archive key: first line of `FILE`", Destination: &o.passFile},
			jsonFlag,
		}, queryFlags()...),
		Action: func(c *cli.Context) error {
			q, err := queryFrom(c)
			if err != nil {
				return err
			}
			o.data, o.q, o.mediaSrc, o.asJSON = c.String("data"), q, c.StringSlice("media"), c.Bool("json")
			return runExport(c.Context, o, e)
		},
	}
}

func runExport(ctx context.Context, o exportOptions, e *env) error {
	s, err := e.open(ctx, o.data)
	if err != nil {
		return err
	}
	defer s.close()
	if err := knownTenant(ctx, s, o.q); err != nil {
		return err
	}
	cat, err := s.catalog(ctx)
	if err != nil {
		return err
	}
	sg, err := signer(e, s.data, o.passFile)
	if err != nil {
		return err
	}
	opts := discovery.ExportOptions{Media: e.absAll(o.mediaSrc), Out: e.abs(o.out), Format: o.format, Signer: sg, Actor: e.user}
	if o.key != "" {
		b, err := os.ReadFile(e.abs(o.key))
		if err != nil {
			return err
		}
		pass, err := passphrase(e, o.passFile)
		if err != nil {
			return err
		}
		if opts.Keys, err = pgp.ReadSecret(b, pass); err != nil {
			return withHint(fmt.Errorf("--key: %w", err), "pass --passphrase-file FILE or set %s", pgp.PassphraseEnv)
		}
	}
	p, err := discovery.Export(ctx, s.j, cat, o.q, opts)
	var inc *discovery.IncompleteError
	if err != nil && !errors.As(err, &inc) {
		if errors.Is(err, discovery.ErrOutNotEmpty) {
			return withHint(err, "choose a new directory: archiver export --out %s-2 ...", o.out)
		}
		return err
	}
	if o.asJSON {
		for i, f := range p.Files {
			emit(e.stdout, "file", map[string]any{"number": i + 1, "file": f})
		}
		emit(e.stdout, "summary", map[string]any{"dir": p.Dir, "format": p.Format, "matched": p.Matched, "produced": p.Produced,
			"failures": len(p.Failures), "missing_volumes": p.Missing, "ok": err == nil})
	} else {
		fmt.Fprintf(e.stdout, "production %s: %d of %d matching messages written (%s), with %s and %s\n", p.Dir, p.Produced, p.Matched, p.Format, discovery.CSVFile, discovery.SigFile)
		for _, m := range p.Missing {
			fmt.Fprintf(e.stdout, "MISSING volume %s: %d messages\n", m.Label, m.Messages)
		}
		for _, f := range p.Failures {
			fmt.Fprintf(e.stdout, "NOT PRODUCED %s/%d %s: %s\n", f.Tenant, f.Seq, f.Volume, f.Reason)
		}
	}
	if inc != nil {
		return withHint(err, "archiver export --data %s --out NEWDIR --media IMAGE... --key TENANT.secret.asc (with the volumes named above)", s.data)
	}
	return nil
}
