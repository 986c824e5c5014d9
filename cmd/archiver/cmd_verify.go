package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/pgp"
	"github.com/urfave/cli/v2"
)

type verifyOptions struct {
	data, key, signer, passFile string
	asJSON                      bool
	sources                     []string
}

func verifyCommand(e *env) *cli.Command {
	var o verifyOptions
	return &cli.Command{
		Name:      "verify",
		Usage:     "verify images, discs or extracted disc directories: signature, SHA256SUMS, messages, sets; exit 3 on any fault",
		ArgsUsage: "IMAGE|DEVICE|DIR...",
		Description: "--data checks against the journal (every sealed message, bit-exact, with the volume's verification key) and records the result;\n" +
			"--key decrypts every message with the tenant's secret key; --signer names the trusted archive public key.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Aliases: []string{"d"}, Usage: "data directory `DIR` (or $ARCHIVER_DATA): verify against the journal and record the verification"},
			&cli.StringFlag{Name: "key", Usage: "tenant secret key `SECRET.asc`: decrypt and check every message", Destination: &o.key},
			&cli.StringFlag{Name: "signer", Usage: "trusted archive public key `PUB.asc` (default with --data: DATA/keys/archive.pub.asc)", Destination: &o.signer},
			&cli.StringFlag{Name: "passphrase-file", Usage: "passphrase of --key: first line of `FILE` (else $ARCHIVER_PASSPHRASE)", Destination: &o.passFile},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			o.data, o.asJSON, o.sources = c.String("data"), c.Bool("json"), c.Args().Slice()
			if o.data == "" {
				o.data = e.getenv("ARCHIVER_DATA")
			}
			lowerGC(e)
			return runVerify(c.Context, o, e)
		},
	}
}

func runVerify(ctx context.Context, o verifyOptions, e *env) (err error) {
	if len(o.sources) == 0 {
		return withHint(errors.New("nothing to verify"), "archiver verify --data DIR IMAGE.iso")
	}
	srcs := make([]string, len(o.sources))
	for i, s := range o.sources {
		srcs[i] = e.absDevice(e.abs(s))
		if err := sourceExists(srcs[i]); err != nil {
			return err
		}
	}
	vo := sealing.VerifyOptions{Now: e.now}
	vo.Progress = sealBars(e)
	var st *store
	if o.data != "" {
		s, oerr := e.open(ctx, o.data)
		if oerr != nil {
			return oerr
		}
		defer s.closeInto(&err) // the named result: a failed close is the exit code
		st, vo.Journal, vo.Record = s, s.j, true
		if vo.Signer, err = sealing.ArchivePublicKey(s.data); err != nil {
			return err
		}
	}
	if o.signer != "" {
		el, err := readKeyFile(e, o.signer)
		if err != nil {
			return err
		}
		vo.Signer = el
	}
	if len(vo.Signer) == 0 {
		return withHint(errors.New("no data directory (--data or ARCHIVER_DATA) and no --signer: nothing to check the disc's signature against"),
			"pass --data DIR, or --signer ARCHIVE.pub.asc (SIGNER.ASC on the disc is not trusted by itself)")
	}
	if o.key != "" {
		b, err := os.ReadFile(e.abs(o.key))
		if err != nil {
			return err
		}
		pass, err := passphrase(e, o.passFile)
		if err != nil {
			return err
		}
		if vo.Keys, err = pgp.ReadSecret(b, pass); err != nil {
			return withHint(fmt.Errorf("--key: %w", err), "pass --passphrase-file FILE or set %s", pgp.PassphraseEnv)
		}
	}
	rep, err := sealing.Verify(ctx, srcs, vo)
	if err != nil {
		return err
	}
	if o.asJSON {
		err = rep.WriteJSON(e.stdout)
	} else {
		err = rep.WriteText(e.stdout)
	}
	if err != nil {
		return err
	}
	if !rep.OK {
		hint := verifyHint(ctx, rep, st, vo.Keys)
		return withCode(exitVerify, withHint(fmt.Errorf("verification failed: %d findings", len(rep.AllFindings())), "%s", hint))
	}
	return nil
}

// sourceExists: a source that does not exist is a usage error (exit 1),
// not a damaged copy (exit 3); nothing is verified or recorded then.
func sourceExists(src string) error {
	p := strings.TrimPrefix(strings.TrimPrefix(src, "stdio:"), "mmc:")
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return withHint(fmt.Errorf("%s does not exist", src),
			"check the path: archiver verify --data DIR IMAGE.iso|/dev/sr0|stdio:FILE (a disc must be in the drive)")
	}
	return nil
}

func readKeyFile(e *env, p string) (openpgp.EntityList, error) {
	b, err := os.ReadFile(e.abs(p))
	if err != nil {
		return nil, err
	}
	return pgp.ReadKeys(b)
}
