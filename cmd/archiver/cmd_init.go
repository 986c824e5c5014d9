package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/pgp"
	"github.com/urfave/cli/v2"
)

type initOptions struct {
	data, name, email, algo, passFile string
}

func initCommand(e *env) *cli.Command {
	var o initOptions
	return &cli.Command{
		Name:  "init",
		Usage: "create a data directory: journal and archive signing key (an existing key is never overwritten)",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{Name: "name", Value: "Archiver archive key", Usage: "user ID name of the archive signing key", Destination: &o.name},
			&cli.StringFlag{Name: "email", Value: "archive@localhost", Usage: "user ID email of the archive signing key", Destination: &o.email},
			&cli.StringFlag{Name: "algo", Value: pgp.AlgoCurve25519, Usage: "key algorithm: curve25519, rsa3072, rsa4096", Destination: &o.algo},
			&cli.StringFlag{Name: "passphrase-file", Usage: "protect the archive key with the first line of `FILE` (else $ARCHIVER_PASSPHRASE, else none)", Destination: &o.passFile},
		},
		Action: func(c *cli.Context) error {
			o.data = c.String("data")
			return runInit(c.Context, o, e)
		},
	}
}

func runInit(ctx context.Context, o initOptions, e *env) error {
	if e.shared != nil {
		return withHint(errors.New("this data directory is already initialized and served"), "archiver status --data %s", e.shared.data)
	}
	data, err := e.dataDir(o.data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(data, "keys"), 0o700); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	j, err := openJournal(data, e)
	if errors.Is(err, journal.ErrLocked) {
		return &lockedError{data}
	}
	if err != nil {
		return fmt.Errorf("init: journal: %w", err)
	}
	defer j.Close()
	keys := filepath.Join(data, "keys")
	secret, public := pgp.KeyPaths(keys, pgp.ArchiveKeyName)
	if _, err := os.Stat(secret); err == nil {
		fmt.Fprintf(e.stdout, "data directory %s: archive key %s already exists (kept)\n", data, secret)
		return nil
	}
	pass, err := passphrase(e, o.passFile)
	if err != nil {
		return err
	}
	pub, sec, err := pgp.GenerateKey(o.name, o.email, pgp.KeyOptions{Algorithm: o.algo, Passphrase: pass})
	if err != nil {
		return err
	}
	if err := pgp.WriteKeyPair(keys, pgp.ArchiveKeyName, pub, sec); err != nil {
		return withHint(err, "remove nothing: the existing key is kept; inspect it with `archiver keys export --data %s`", data)
	}
	fpr, _ := fingerprint(pub)
	if _, err := j.Audit(ctx, e.user, "key", "archive signing key generated "+fpr); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "initialized %s\narchive signing key %s\n  secret %s (0600)\n  public %s\nnext: archiver tenant add --data %s NAME --domain DOMAIN\n", data, fpr, secret, public, data)
	return nil
}

// passphrase reads --passphrase-file, else $ARCHIVER_PASSPHRASE of the caller.
func passphrase(e *env, file string) ([]byte, error) {
	if file != "" {
		return pgp.Passphrase(e.abs(file))
	}
	if v := e.getenv(pgp.PassphraseEnv); v != "" {
		return []byte(v), nil
	}
	return nil, nil
}

func fingerprint(armored []byte) (string, error) {
	el, err := pgp.ReadKeys(armored)
	if err != nil {
		return "", err
	}
	return pgp.Fingerprint(el[0]), nil
}
