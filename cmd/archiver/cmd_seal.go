package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/pgp"
	"github.com/urfave/cli/v2"
)

type sealOptions struct {
	data, tenant, period, until, medium, out, passFile string
	asJSON                                             bool
}

func sealCommand(e *env) *cli.Command {
	var o sealOptions
	return &cli.Command{
		Name:  "seal",
		Usage: "seal a tenant's journaled mail of a period into signed, encrypted ISO 9660 images (self-verified deeply)",
		Description: "Periods are UTC months: --period 2026-11 takes mail received in [2026-11-01T00:00Z, 2026-12-01T00:00Z).\n" +
			"--until 2026-11-15 (catch-up) takes every unsealed message received before that UTC midnight.\n" +
			"Images are written as T-YYYY-MM-vKKofNN.iso; nothing is marked sealed unless its image is complete and verified.",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{Name: "tenant", Required: true, Usage: "tenant `T`", Destination: &o.tenant},
			&cli.StringFlag{Name: "period", Usage: "UTC month `YYYY-MM`", Destination: &o.period},
			&cli.StringFlag{Name: "until", Usage: "catch-up: everything received before `DATE` (UTC)", Destination: &o.until},
			mediaFlag(&o.medium),
			&cli.StringFlag{Name: "out", Required: true, Usage: "directory `DIR` for the images", Destination: &o.out},
			passFileFlag(&o.passFile),
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			o.data, o.asJSON = c.String("data"), c.Bool("json")
			lowerGC(e)
			return runSeal(c.Context, o, e)
		},
	}
}

func mediaFlag(dst *string) *cli.StringFlag {
	var names []string
	for _, p := range media.Profiles() {
		names = append(names, p.Name)
	}
	return &cli.StringFlag{Name: "media", Value: "dvd5", Destination: dst,
		Usage: "medium `PROFILE` (" + strings.Join(names, ", ") + ") or a capacity in 2048-byte sectors"}
}

func passFileFlag(dst *string) *cli.StringFlag {
	return &cli.StringFlag{Name: "passphrase-file", Destination: dst, Usage: "passphrase of the archive key: first line of `FILE` (else $ARCHIVER_PASSPHRASE)"}
}

// signer loads DATA/keys/archive.secret.asc.
func signer(e *env, data, passFile string) (*openpgp.Entity, error) {
	pass, err := passphrase(e, passFile)
	if err != nil {
		return nil, err
	}
	s, err := loadSigner(archiveSecretPath(data), pass)
	if err != nil && !errors.Is(err, pgp.ErrPassphrase) {
		return nil, withHint(fmt.Errorf("archive signing key: %w", err), "archiver init --data %s", data)
	}
	return s, err
}

// loadSigner loads the secret key at path with pass; a wrong or missing
// passphrase gets a hint.
func loadSigner(path string, pass []byte) (*openpgp.Entity, error) {
	s, err := pgp.LoadSigner(path, pass)
	if errors.Is(err, pgp.ErrPassphrase) {
		return nil, withHint(err, "pass --passphrase-file FILE or set %s", pgp.PassphraseEnv)
	}
	return s, err
}

// archiveSecretPath is DATA/keys/archive.secret.asc.
func archiveSecretPath(data string) string {
	sec, _ := pgp.KeyPaths(filepath.Join(data, "keys"), pgp.ArchiveKeyName)
	return sec
}

func sealWindow(period, until string) (string, sealing.SealOptions, error) {
	var so sealing.SealOptions
	switch {
	case period != "" && until != "":
		return "", so, withHint(errors.New("give --period or --until, not both"), "archiver seal --tenant T --period YYYY-MM --out DIR")
	case period != "":
		so.Period = period
	case until != "":
		t, err := parseDate("until", until)
		if err != nil {
			return "", so, err
		}
		so.Until = t
	default:
		return "", so, withHint(errors.New("no --period given"), "archiver seal --tenant T --period YYYY-MM --out DIR")
	}
	return period, so, nil
}

func runSeal(ctx context.Context, o sealOptions, e *env) (err error) {
	_, so, err := sealWindow(o.period, o.until)
	if err != nil {
		return err
	}
	prof, err := media.ParseProfile(o.medium)
	if err != nil {
		return withHint(err, "archiver seal --help lists the profiles")
	}
	s, err := e.open(ctx, o.data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	if err := checkTenant(ctx, s, o.tenant); err != nil {
		return err
	}
	sg, err := signer(e, s.data, o.passFile)
	if err != nil {
		return err
	}
	out := e.abs(o.out)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	so.Tenant, so.Profile, so.OutDir, so.Signer, so.Actor = o.tenant, prof, out, sg, e.user
	so.Progress = sealBars(e)
	unlock, err := e.lockSeal(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	res, err := sealing.Seal(ctx, s.j, so)
	if err != nil {
		return sealHint(err, o.tenant, s.data)
	}
	printSeal(e, res, o.asJSON)
	return nil
}

func sealHint(err error, tenant, data string) error {
	var tl *sealing.TooLargeError
	switch {
	case errors.As(err, &tl) && tl.Fits != "":
		return withCode(exitMedia, withHint(err, "archiver seal --data %s --tenant %s --media %s ...", data, tenant, tl.Fits))
	case errors.As(err, &tl):
		return withCode(exitMedia, err)
	case errors.Is(err, sealing.ErrVerifyFailed):
		return withCode(exitVerify, withHint(err, "archiver journal check --data %s", data))
	case errors.Is(err, sealing.ErrNoRecipients):
		return withHint(err, "archiver tenant keys --data %s %s --recipient PUB.asc (the tenant's public key)", data, tenant)
	}
	return err
}

func printSeal(e *env, res *sealing.SealResult, asJSON bool) {
	if asJSON {
		for _, im := range res.Images {
			emit(e.stdout, "volume", map[string]any{"tenant": res.Tenant, "label": im.Label, "image": im.Path, "sha256": hexsum(im.SHA256),
				"bytes": im.Bytes, "messages": im.Messages, "first_seq": im.FirstSeq, "last_seq": im.LastSeq})
		}
		emit(e.stdout, "summary", map[string]any{"tenant": res.Tenant, "period": res.Period, "set_id": res.SetID, "volumes": len(res.Images),
			"messages": res.Messages, "cipher": res.Cipher, "compression": res.Compression, "empty": res.Empty})
		return
	}
	if res.Empty {
		fmt.Fprintf(e.stdout, "%s %s: no unsealed messages; nothing sealed\n", res.Tenant, res.Period)
		return
	}
	for _, im := range res.Images {
		fmt.Fprintf(e.stdout, "%s  %s  sha256 %s  %d messages (seq %d-%d)  %d bytes\n", im.Path, im.Label, hexsum(im.SHA256), im.Messages, im.FirstSeq, im.LastSeq, im.Bytes)
	}
	fmt.Fprintf(e.stdout, "sealed %s %s: %s on %s (set %s, %s, compression %s), verified deeply\n",
		res.Tenant, res.Period, count(res.Messages, "message"), count(len(res.Images), "volume"), res.SetID, res.Cipher, res.Compression)
}
