package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/discovery"
	"github.com/archiver/archiver/sealing/pgp"
	"github.com/urfave/cli/v2"
)

type catalogRebuildOptions struct {
	data, key, signer, passFile string
	mediaSrc                    []string
}

func catalogCommand(e *env) *cli.Command {
	var o catalogRebuildOptions
	return &cli.Command{
		Name:  "catalog",
		Usage: "the search catalog",
		Subcommands: []*cli.Command{{
			Name:  "rebuild",
			Usage: "rebuild the catalog from the journal, or (with --media and --key) from discs alone into an empty data directory",
			Description: "Without --media: drop DATA/catalog and index every journal record again (serve must be stopped).\n" +
				"With --media: check every disc's signature, hashes, sets and chain first, then import tenants, volumes and\n" +
				"message records (bodies stay on the discs) and index the decrypted bodies.",
			Flags: []cli.Flag{
				dataFlag(),
				&cli.StringSliceFlag{Name: "media", Usage: "image, device or extracted disc `IMAGE` (repeatable)"},
				&cli.StringFlag{Name: "key", Usage: "tenant secret key `SECRET.asc` (may hold several keys)", Destination: &o.key},
				&cli.StringFlag{Name: "signer", Usage: "trusted archive public key `PUB.asc` (default: each disc's SIGNER.ASC, which must all agree)", Destination: &o.signer},
				&cli.StringFlag{Name: "passphrase-file", Usage: "passphrase of --key: first line of `FILE`", Destination: &o.passFile},
			},
			Action: func(c *cli.Context) error {
				o.data, o.mediaSrc = c.String("data"), c.StringSlice("media")
				if len(o.mediaSrc) > 0 {
					return runCatalogFromDiscs(c.Context, o, e)
				}
				return runCatalogRebuild(c.Context, o.data, e)
			},
		}},
	}
}

func runCatalogRebuild(ctx context.Context, data string, e *env) error {
	if e.shared != nil {
		return withHint(errors.New("the catalog is in use by serve"), "stop archiver serve, then run archiver catalog rebuild --data %s", e.shared.data)
	}
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.close()
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
	if o.key == "" {
		return withHint(errors.New("--media needs --key"), "archiver catalog rebuild --data DIR --key TENANT.secret.asc --media IMAGE...")
	}
	data, err := e.dataDir(o.data)
	if err != nil {
		return err
	}
	if !fileExists(filepath.Join(data, "journal")) && e.shared == nil {
		if err := os.MkdirAll(data, 0o700); err != nil {
			return err
		}
		j, err := openJournal(data, e)
		if err != nil {
			return err
		}
		j.Close()
	}
	s, err := e.open(ctx, o.data)
	if err != nil {
		return err
	}
	defer s.close()
	b, err := os.ReadFile(e.abs(o.key))
	if err != nil {
		return err
	}
	pass, err := passphrase(e, o.passFile)
	if err != nil {
		return err
	}
	opts := discovery.RebuildOptions{Media: e.absAll(o.mediaSrc)}
	if opts.Keys, err = pgp.ReadSecret(b, pass); err != nil {
		return err
	}
	if o.signer != "" {
		if opts.Signers, err = readKeyFile(e, o.signer); err != nil {
			return err
		}
	}
	cat, err := catalog.Open(filepath.Join(s.data, "catalog"), s.j)
	if s.shared != nil {
		cat, err = s.catalog(ctx)
	} else if err == nil {
		s.cat = cat
	}
	if err != nil {
		return err
	}
	res, err := discovery.RebuildCatalog(ctx, s.j, cat, opts)
	if res != nil {
		for _, f := range res.Findings {
			fmt.Fprintln(e.stdout, f.String())
		}
	}
	if errors.Is(err, discovery.ErrRebuildRefused) {
		return withCode(exitVerify, withHint(err, "archiver verify --signer ARCHIVE.pub.asc IMAGE... names each fault"))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "catalog rebuilt from %d volumes: %d messages, %d indexed; signer %s (check it against your records)\n",
		len(res.Volumes), res.Messages, res.Indexed, res.Signer)
	return nil
}
