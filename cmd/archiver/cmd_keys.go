package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/pgp"
	"github.com/urfave/cli/v2"
)

func keysCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "keys",
		Usage: "generate, export and import OpenPGP keys (secret keys rest with mode 0600)",
		Subcommands: []*cli.Command{{
			Name:      "generate",
			Usage:     "generate a key pair as OUT.secret.asc (0600) and OUT.pub.asc; never overwrites",
			ArgsUsage: "OUT",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "name", Value: "Archiver key", Usage: "user ID name"},
				&cli.StringFlag{Name: "email", Value: "archive@localhost", Usage: "user ID email"},
				&cli.StringFlag{Name: "algo", Value: pgp.AlgoCurve25519, Usage: "curve25519, rsa3072 or rsa4096"},
				&cli.StringFlag{Name: "passphrase-file", Usage: "protect the secret key with the first line of `FILE` (else $ARCHIVER_PASSPHRASE)"},
			},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return withHint(fmt.Errorf("keys generate needs OUT"), "archiver keys generate ./tenant-acme")
				}
				return runKeysGenerate(c.Context, e, e.abs(c.Args().First()), c.String("name"), c.String("email"), c.String("algo"), c.String("passphrase-file"))
			},
		}, {
			Name:      "export",
			Usage:     "print the armored public key NAME from DATA/keys (default: the archive signing key)",
			ArgsUsage: "[NAME]",
			Flags:     []cli.Flag{dataFlag()},
			Action: func(c *cli.Context) error {
				name := pgp.ArchiveKeyName
				if c.NArg() > 0 {
					name = c.Args().First()
				}
				if err := checkKeyName(name); err != nil {
					return err
				}
				data, err := e.dataDir(c.String("data"))
				if err != nil {
					return err
				}
				b, err := pgp.ExportPublic(filepath.Join(data, "keys"), name)
				if err != nil {
					return withHint(err, "ls %s", filepath.Join(data, "keys"))
				}
				_, err = e.stdout.Write(b)
				return err
			},
		}, {
			Name:      "import",
			Usage:     "store an armored key FILE under DATA/keys as NAME (a secret key also gets NAME.pub.asc); it does not change a tenant's recipients: use tenant keys",
			ArgsUsage: "NAME FILE",
			Flags:     []cli.Flag{dataFlag(), &cli.StringFlag{Name: "passphrase-file", Usage: "passphrase of a protected secret key"}},
			Action: func(c *cli.Context) error {
				if c.NArg() != 2 {
					return withHint(fmt.Errorf("keys import needs NAME FILE"), "archiver keys import --data DIR acme ./acme.pub.asc")
				}
				if err := checkKeyName(c.Args().First()); err != nil {
					return err
				}
				data, err := e.dataDir(c.String("data"))
				if err != nil {
					return err
				}
				b, err := os.ReadFile(e.abs(c.Args().Get(1)))
				if err != nil {
					return err
				}
				pass, err := passphrase(e, c.String("passphrase-file"))
				if err != nil {
					return err
				}
				fpr, err := pgp.ImportKey(filepath.Join(data, "keys"), c.Args().First(), b, pass)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "imported %s as %s\n", fpr, c.Args().First())
				fmt.Fprintf(e.stdout, "note: this only stores the key file; to encrypt tenant %s's future volumes to it: archiver tenant keys %s --recipient %s\n",
					c.Args().First(), c.Args().First(), c.Args().Get(1))
				return nil
			},
		}},
	}
}

// checkKeyName refuses a key name that is not a valid tenant name: it
// becomes DATA/keys/NAME.pub.asc, so "../x" would write outside DATA/keys.
func checkKeyName(name string) error {
	if journal.ValidName(name) {
		return nil
	}
	return withHint(fmt.Errorf("invalid key name %q: a key name is 1-32 of a-z 0-9 _ - like a tenant name, not a path", name),
		"archiver keys import --data DIR acme ./acme.pub.asc")
}

func runKeysGenerate(ctx context.Context, e *env, out, name, email, algo, passFile string) error {
	pass, err := passphrase(e, passFile)
	if err != nil {
		return err
	}
	pub, sec, err := pgp.GenerateKey(name, email, pgp.KeyOptions{Algorithm: algo, Passphrase: pass})
	if err != nil {
		return err
	}
	dir, base := filepath.Split(out)
	if err := pgp.WriteKeyPair(filepath.Clean(dir), base, pub, sec); err != nil {
		return err
	}
	fpr, _ := fingerprint(pub)
	sp, pp := pgp.KeyPaths(filepath.Clean(dir), base)
	fmt.Fprintf(e.stdout, "generated %s\n  secret %s (0600)\n  public %s\n", fpr, sp, pp)
	return nil
}
