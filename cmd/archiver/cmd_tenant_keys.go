package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/pgp"
	"github.com/urfave/cli/v2"
)

// tenantKeysCommand is `tenant keys NAME --recipient PUB.asc…`: set (or
// with --add, extend) the recipient keys of an existing tenant, or of the
// default tenant, which has none until this is run.
func tenantKeysCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "keys",
		Usage:     "set the recipient keys a tenant's future volumes are encrypted to (the default tenant needs this before its mail can be sealed); audited",
		ArgsUsage: "NAME",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringSliceFlag{Name: "recipient", Usage: "public key `PUB.asc` to encrypt to (repeatable, required)"},
			&cli.BoolFlag{Name: "add", Usage: "add to the tenant's keys instead of replacing them"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 || len(c.StringSlice("recipient")) == 0 {
				return withHint(errors.New("tenant keys needs NAME and --recipient PUB.asc"), "archiver tenant keys %s --recipient PUB.asc", journal.DefaultTenant)
			}
			return runTenantKeys(c.Context, e, c.String("data"), c.Args().First(), c.StringSlice("recipient"), c.Bool("add"))
		},
	}
}

func runTenantKeys(ctx context.Context, e *env, data, name string, files []string, add bool) (err error) {
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	var keys [][]byte
	if add {
		t, err := s.j.Tenant(ctx, name)
		switch {
		case err == nil:
			keys = append(keys, t.Recipients...)
		case !errors.Is(err, journal.ErrNotFound): // never replace the keys because they could not be read
			return fmt.Errorf("tenant %s: %w", name, err)
		}
	}
	for _, p := range files {
		b, err := os.ReadFile(e.abs(p))
		if err != nil {
			return fmt.Errorf("tenant %s: recipient key: %w", name, err)
		}
		keys = append(keys, b)
	}
	if _, err := pgp.ReadRecipients(keys); err != nil {
		return withHint(fmt.Errorf("tenant %s: %w", name, err), "give the tenant's armored public key (archiver keys generate OUT makes a pair)")
	}
	var fprs []string
	for _, k := range keys {
		if f, err := fingerprint(k); err == nil {
			fprs = append(fprs, f)
		}
	}
	if err := s.j.SetRecipients(ctx, name, keys, strings.Join(fprs, ", ")); err != nil {
		if errors.Is(err, journal.ErrNotFound) {
			return withHint(fmt.Errorf("tenant %s: %w", name, err), "archiver tenant add --data %s %s --domain DOMAIN --recipient PUB.asc", s.data, name)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "tenant %s: volumes sealed from now on are encrypted to %s\n", name, strings.Join(fprs, ", "))
	return nil
}
