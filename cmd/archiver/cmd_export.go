package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/discovery"
	"github.com/urfave/cli/v2"
)

type exportOptions struct {
	data, out, format, passFile, signKey string
	key                                  string // one more key file (callers inside the binary)
	mediaSrc, keys                       []string
	q                                    catalog.Query
	asJSON, noSign                       bool
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
			&cli.StringSliceFlag{Name: "key", Usage: "tenant secret key `SECRET.asc` for messages read from --media (repeatable; one file may hold several keys)"},
			&cli.BoolFlag{Name: "no-sign", Usage: "write production.csv without production.csv.asc (a recovery machine without the archive secret key)", Destination: &o.noSign},
			&cli.StringFlag{Name: "sign-key", Usage: "sign production.csv with the archive secret key `FILE` instead of DATA/keys/archive.secret.asc", Destination: &o.signKey},
			&cli.StringFlag{Name: "passphrase-file", Usage: "passphrase for --key and the archive key: first line of `FILE`", Destination: &o.passFile},
			jsonFlag,
		}, queryFlags()...),
		Action: func(c *cli.Context) error {
			q, err := queryFrom(c)
			if err != nil {
				return err
			}
			o.data, o.q, o.mediaSrc, o.asJSON, o.keys = c.String("data"), q, c.StringSlice("media"), c.Bool("json"), c.StringSlice("key")
			return runExport(c.Context, o, e)
		},
	}
}

func runExport(ctx context.Context, o exportOptions, e *env) (err error) {
	s, err := e.open(ctx, o.data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	if err := knownTenant(ctx, s, o.q); err != nil {
		return err
	}
	cat, err := s.catalog(ctx)
	if err != nil {
		return err
	}
	sg, err := exportSigner(e, s.data, o)
	if err != nil {
		return err
	}
	opts := discovery.ExportOptions{Media: e.absAll(o.mediaSrc), Out: e.abs(o.out), Format: o.format, Signer: sg, NoSign: o.noSign, Actor: e.user}
	if o.key != "" {
		o.keys = append(o.keys, o.key)
	}
	if len(o.keys) > 0 {
		if opts.Keys, err = readSecretKeys(e, o.keys, o.passFile); err != nil {
			return err
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
			"failures": len(p.Failures), "missing_volumes": p.Missing, "signed": p.Signed, "incomplete": p.Incomplete, "ok": err == nil})
	} else {
		switch {
		case p.Incomplete:
			fmt.Fprintf(e.stdout, "INCOMPLETE production %s: %d of %d matching messages written (%s); %s lists what is missing; %s is NOT signed\n",
				p.Dir, p.Produced, p.Matched, p.Format, discovery.IncompleteFile, discovery.CSVFile)
		case !p.Signed:
			fmt.Fprintf(e.stdout, "production %s: %d of %d matching messages written (%s), with %s\n"+
				"UNSIGNED (--no-sign): there is no %s; give the receiving party the SHA-256 of %s by another channel\n",
				p.Dir, p.Produced, p.Matched, p.Format, discovery.CSVFile, discovery.SigFile, discovery.CSVFile)
		default:
			fmt.Fprintf(e.stdout, "production %s: %d of %d matching messages written (%s), with %s and %s\n", p.Dir, p.Produced, p.Matched, p.Format, discovery.CSVFile, discovery.SigFile)
		}
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

// exportSigner returns the key that signs production.csv: none with
// --no-sign, --sign-key FILE, else DATA/keys/archive.secret.asc. A data
// directory without the archive secret key (rebuilt from discs) gets a
// hint naming both options.
func exportSigner(e *env, data string, o exportOptions) (*openpgp.Entity, error) {
	switch {
	case o.noSign && o.signKey != "":
		return nil, withHint(errors.New("--no-sign and --sign-key exclude each other"), "give one of them")
	case o.noSign:
		return nil, nil
	case o.signKey != "":
		pass, err := passphrase(e, o.passFile)
		if err != nil {
			return nil, err
		}
		return loadSigner(e.abs(o.signKey), pass)
	}
	if sec := archiveSecretPath(data); !fileExists(sec) {
		return nil, withHint(fmt.Errorf("archive signing key: %s: no such file (production.csv cannot be signed here)", sec),
			"export unsigned with --no-sign, or sign with --sign-key ARCHIVE.secret.asc (docs/catalog.md, \"Recovery on a new machine\")")
	}
	return signer(e, data, o.passFile)
}
