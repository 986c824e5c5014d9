package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/pgp"
	"github.com/urfave/cli/v2"
)

type tenantAddOptions struct {
	data, name string
	domains    []string
	recipients []string
	algo       string
}

func tenantCommand(e *env) *cli.Command {
	var o tenantAddOptions
	var listData string
	var listJSON bool
	return &cli.Command{
		Name:  "tenant",
		Usage: "manage tenants (customer companies) and the domains that route mail to them",
		Subcommands: []*cli.Command{{
			Name:      "add",
			Usage:     "register a tenant; without --recipient, generate its key pair into DATA/keys/NAME.secret.asc",
			ArgsUsage: "NAME",
			Flags: []cli.Flag{
				dataFlag(),
				&cli.StringSliceFlag{Name: "domain", Usage: "`DOMAIN` routing mail to this tenant (repeatable)"},
				&cli.StringSliceFlag{Name: "recipient", Usage: "tenant public key `PUB.asc` to encrypt to (repeatable)"},
				&cli.StringFlag{Name: "algo", Value: pgp.AlgoCurve25519, Usage: "algorithm of a generated key", Destination: &o.algo},
			},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return withHint(fmt.Errorf("tenant add needs exactly one NAME"), "archiver tenant add --data DIR NAME --domain DOMAIN")
				}
				o.data, o.name = c.String("data"), c.Args().First()
				o.domains, o.recipients = c.StringSlice("domain"), c.StringSlice("recipient")
				return runTenantAdd(c.Context, o, e)
			},
		},
			tenantKeysCommand(e),
			{
				Name:  "list",
				Usage: "list tenants, their domains and key fingerprints",
				Flags: []cli.Flag{dataFlag(), jsonFlag},
				Action: func(c *cli.Context) error {
					listData, listJSON = c.String("data"), c.Bool("json")
					return runTenantList(c.Context, listData, listJSON, e)
				},
			}},
	}
}

func runTenantAdd(ctx context.Context, o tenantAddOptions, e *env) (err error) {
	if len(o.domains) == 0 && o.name == journal.DefaultTenant && len(o.recipients) > 0 {
		return runTenantKeys(ctx, e, o.data, o.name, o.recipients, false)
	}
	if len(o.domains) == 0 && o.name == journal.DefaultTenant {
		return withHint(fmt.Errorf("tenant %s needs no --domain (it takes the mail no other tenant's domain matches)", o.name),
			"archiver tenant keys --data DIR %s --recipient PUB.asc", o.name)
	}
	if len(o.domains) == 0 {
		return withHint(fmt.Errorf("tenant %s: no --domain given", o.name), "archiver tenant add --data DIR %s --domain %s.example", o.name, o.name)
	}
	s, err := e.open(ctx, o.data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	if _, err := s.j.Tenant(ctx, o.name); err == nil {
		return withHint(fmt.Errorf("tenant %s: %w", o.name, journal.ErrExists), "archiver tenant list --data %s", s.data)
	}
	var recips [][]byte
	for _, p := range o.recipients {
		b, err := os.ReadFile(e.abs(p))
		if err != nil {
			return fmt.Errorf("tenant %s: recipient key: %w", o.name, err)
		}
		recips = append(recips, b)
	}
	keys := filepath.Join(s.data, "keys")
	secret, _ := pgp.KeyPaths(keys, o.name)
	generated := false
	if len(recips) == 0 {
		if _, err := os.Stat(secret); err == nil {
			return withHint(fmt.Errorf("tenant %s: key file %s exists", o.name, secret), "archiver tenant add --data %s %s --domain %s --recipient %s", s.data, o.name, o.domains[0], strings.TrimSuffix(secret, pgp.SecretSuffix)+pgp.PublicSuffix)
		}
		pub, sec, err := pgp.GenerateKey("Archive tenant "+o.name, "archive@"+o.domains[0], pgp.KeyOptions{Algorithm: o.algo})
		if err != nil {
			return err
		}
		if err := pgp.WriteKeyPair(keys, o.name, pub, sec); err != nil {
			return err
		}
		recips, generated = [][]byte{pub}, true
	}
	if _, err := pgp.ReadRecipients(recips); err != nil {
		return fmt.Errorf("tenant %s: %w", o.name, err)
	}
	doms := make([]string, len(o.domains))
	for i, d := range o.domains {
		doms[i] = strings.ToLower(strings.TrimSpace(d))
	}
	t := journal.Tenant{Name: o.name, Domains: doms, Recipients: recips, Created: e.now().UTC()}
	if err := s.j.AddTenant(ctx, t); err != nil {
		if generated { // the tenant was not added: its fresh key is of no use
			sec, pub := pgp.KeyPaths(keys, o.name)
			os.Remove(sec)
			os.Remove(pub)
		}
		return withHint(fmt.Errorf("tenant %s: %w", o.name, err), "archiver tenant list --data %s", s.data)
	}
	fmt.Fprintf(e.stdout, "tenant %s added: domains %s\n", o.name, strings.Join(doms, ", "))
	if generated {
		fmt.Fprintf(e.stderr, "WARNING: generated the tenant's key pair; the secret key %s belongs to tenant %s.\n"+
			"Hand it to them, keep it offline, and delete it here: without it nobody can read %s's discs.\n", secret, o.name, o.name)
	}
	return nil
}

func runTenantList(ctx context.Context, data string, asJSON bool, e *env) (err error) {
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	ts, err := s.j.Tenants(ctx)
	if err != nil {
		return err
	}
	w := table(e.stdout)
	if !asJSON {
		fmt.Fprintln(w, "TENANT\tDOMAINS\tKEYS")
	}
	for _, t := range ts {
		var fprs []string
		for _, r := range t.Recipients {
			if f, err := fingerprint(r); err == nil {
				fprs = append(fprs, f)
			}
		}
		if asJSON {
			emit(e.stdout, "tenant", map[string]any{"name": t.Name, "domains": t.Domains, "keys": fprs, "created": t.Created})
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, strings.Join(t.Domains, ","), strings.Join(fprs, ","))
	}
	if asJSON {
		return emit(e.stdout, "summary", map[string]any{"tenants": len(ts)})
	}
	return w.Flush()
}
