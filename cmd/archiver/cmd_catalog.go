package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/discovery"
	"github.com/urfave/cli/v2"
)

type catalogRebuildOptions struct {
	data, signer, passFile string
	mediaSrc, keys         []string
}

func catalogCommand(e *env) *cli.Command {
	var o catalogRebuildOptions
	return &cli.Command{
		Name:  "catalog",
		Usage: "the search catalog",
		Subcommands: []*cli.Command{{
			Name:  "rebuild",
			Usage: "rebuild the catalog from the journal, or (with --media and --key) from discs alone into an empty data directory",
			Description: "Without --media: drop DATA/catalog and index every journal record again (also while serve runs: it pauses its indexer).\n" +
				"With --media: check every disc's signature, hashes, sets and chain first, then import tenants, volumes and\n" +
				"message records (bodies stay on the discs) and index the decrypted bodies.",
			Flags: []cli.Flag{
				dataFlag(),
				&cli.StringSliceFlag{Name: "media", Usage: "image, device or extracted disc `IMAGE` (repeatable)"},
				&cli.StringSliceFlag{Name: "key", Usage: "tenant secret key `SECRET.asc` (repeatable; one file may hold several keys)"},
				&cli.StringFlag{Name: "signer", Usage: "trusted archive public key `PUB.asc` (default: each disc's SIGNER.ASC, which must all agree)", Destination: &o.signer},
				&cli.StringFlag{Name: "passphrase-file", Usage: "passphrase of --key: first line of `FILE`", Destination: &o.passFile},
			},
			Action: func(c *cli.Context) error {
				o.data, o.mediaSrc, o.keys = c.String("data"), c.StringSlice("media"), c.StringSlice("key")
				if len(o.mediaSrc) > 0 {
					return runCatalogFromDiscs(c.Context, o, e)
				}
				return runCatalogRebuild(c.Context, o.data, e)
			},
		}},
	}
}

func runCatalogRebuild(ctx context.Context, data string, e *env) (err error) {
	if e.shared != nil { // forwarded: serve pauses its indexer and replaces its open catalog
		if err := e.shared.rebuildCatalog(ctx); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "catalog rebuilt from the journal (in the running serve)\n")
		return nil
	}
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	if err := os.RemoveAll(filepath.Join(s.data, "catalog")); err != nil {
		return err
	}
	if _, err := s.catalog(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "catalog rebuilt from the journal\n")
	return nil
}

func runCatalogFromDiscs(ctx context.Context, o catalogRebuildOptions, e *env) error {
	if len(o.keys) == 0 {
		return withHint(errors.New("--media needs --key"), "archiver catalog rebuild --data DIR --key TENANT.secret.asc --media IMAGE...")
	}
	if e.shared != nil {
		return withHint(errors.New("rebuild from discs goes into a new data directory, not one that serve is running on"), "archiver catalog rebuild --data NEW-DIR --key ... --media ...")
	}
	data, err := e.dataDir(o.data)
	if err != nil {
		return err
	}
	opts := discovery.RebuildOptions{Media: e.absAll(o.mediaSrc)}
	if opts.Keys, err = readSecretKeys(e, o.keys, o.passFile); err != nil {
		return err
	}
	if o.signer != "" {
		if opts.Signers, err = readKeyFile(e, o.signer); err != nil {
			return err
		}
	}
	res, err := discovery.RebuildDataDir(ctx, data, journal.Options{Actor: e.user, LockTimeout: 100 * time.Millisecond}, opts)
	if res != nil {
		for _, f := range res.Findings {
			fmt.Fprintln(e.stdout, f.String())
		}
	}
	var ke *discovery.KeyError
	switch {
	case errors.As(err, &ke):
		return withCode(exitVerify, withHint(err, "pass the secret key of every tenant on the discs: --key FILE (repeatable; one file may hold several keys)"))
	case errors.Is(err, discovery.ErrRebuildRefused):
		return withCode(exitVerify, withHint(err, "archiver verify --signer ARCHIVE.pub.asc IMAGE... names each fault; nothing was created in %s", data))
	case errors.Is(err, journal.ErrLocked):
		return &lockedError{data}
	case err != nil:
		return err
	}
	fmt.Fprintf(e.stdout, "catalog rebuilt from %s: %s, %d indexed\n", count(len(res.Volumes), "volume"), count(res.Messages, "message"), res.Indexed)
	if res.SignerTrusted {
		fmt.Fprintf(e.stdout, "archive key %s (checked) is the trusted archive key: %s\n", res.Signer, res.TrustedKeyFile)
	} else {
		fmt.Fprintf(e.stdout, "TRUST ON FIRST USE: the discs are signed by archive key %s, taken from their own SIGNER.ASC.\n"+
			"  Compare this fingerprint with your own record of the archive key before relying on %s;\n"+
			"  it is now the trusted archive key (%s). Use --signer ARCHIVE.pub.asc to check it instead.\n",
			res.Signer, data, res.TrustedKeyFile)
	}
	if !fileExists(archiveSecretPath(data)) {
		fmt.Fprintf(e.stdout, "no archive secret key here: export with --no-sign, or --sign-key ARCHIVE.secret.asc (docs/catalog.md, \"Recovery on a new machine\")\n")
	}
	return nil
}
