package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"time"

	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/journal/smtpd"
	"github.com/archiver/archiver/sealing"
	samples "github.com/archiver/archiver/testdata"
	"github.com/urfave/cli/v2"
)

func quickstartCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "quickstart",
		Usage: "the whole job in under a minute on the embedded samples: keys, two tenants, SMTP delivery, seal, verify, release, search, export",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "new directory `DIR` for everything (default: ./quickstart-YYYYMMDD-HHMMSS)"},
		},
		Action: func(c *cli.Context) error {
			dir := c.String("dir")
			if dir == "" {
				dir = "quickstart-" + e.now().UTC().Format("20060102-150405")
			}
			return runQuickstart(c.Context, e, e.abs(dir))
		},
	}
}

// qs is one quickstart run: where things go, and a child env whose commands
// share the in-process journal, like commands forwarded to serve.
type qs struct {
	dir, data, images, samples, prod string
	period                           string
	e, sub                           *env
}

func runQuickstart(ctx context.Context, e *env, dir string) error {
	if e.shared != nil {
		return errors.New("quickstart makes its own data directory; run it without serve")
	}
	if fileExists(dir) {
		return withHint(fmt.Errorf("%s exists", dir), "archiver quickstart --dir NEW-DIR")
	}
	start := time.Now()
	q := &qs{dir: dir, data: filepath.Join(dir, "data"), images: filepath.Join(dir, "images"), samples: filepath.Join(dir, "samples"),
		prod: filepath.Join(dir, "production"), period: e.now().UTC().Format("2006-01"), e: e}
	fmt.Fprintf(e.stdout, "== quickstart in %s\n", dir)
	if err := q.writeSamples(); err != nil {
		return err
	}
	step(e, "1/8 data directory and archive signing key")
	if err := runInit(ctx, initOptions{data: q.data, name: "Quickstart archive key", email: "archive@quickstart.example"}, e); err != nil {
		return err
	}
	step(e, "2/8 two tenants, each with a generated key pair")
	for _, t := range samples.Tenants {
		if err := runTenantAdd(ctx, tenantAddOptions{data: q.data, name: t.Name, domains: []string{t.Domain}}, e); err != nil {
			return err
		}
	}
	return q.withService(ctx, func(addr string) error {
		if err := q.deliver(ctx, addr); err != nil {
			return err
		}
		if err := q.sealVerifyRelease(ctx); err != nil {
			return err
		}
		if err := q.discover(ctx); err != nil {
			return err
		}
		q.officer(time.Since(start))
		return nil
	})
}

func step(e *env, s string) { fmt.Fprintf(e.stdout, "\n== %s\n", s) }

// writeSamples copies the embedded testdata/ samples to DIR/samples.
func (q *qs) writeSamples() error {
	return fs.WalkDir(samples.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(q.samples, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := samples.FS.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}

// withService opens the journal and catalog, starts the SMTP service on a
// free loopback port, and runs fn with its address and a shared env.
func (q *qs) withService(ctx context.Context, fn func(addr string) error) (err error) {
	s, err := q.e.open(ctx, q.data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	cat, err := catalog.Open(filepath.Join(q.data, "catalog"), s.j)
	if err != nil {
		return err
	}
	s.cat = cat
	sub := *q.e
	sub.shared = &shared{data: s.data, j: s.j, cat: cat, now: q.e.now}
	q.sub = &sub
	srv, err := smtpd.New(s.j, smtpd.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	step(q.e, "3/8 SMTP service on "+l.Addr().String())
	err = fn(l.Addr().String())
	cancel()
	srv.Close()
	<-done
	return err
}

// deliver sends every sample .eml over SMTP and backfills the mbox.
func (q *qs) deliver(ctx context.Context, addr string) error {
	idx, err := samples.Index()
	if err != nil {
		return err
	}
	n := 0
	var mboxes []string
	for _, s := range idx {
		if s.IsMbox() {
			mboxes = append(mboxes, filepath.Join(q.samples, filepath.FromSlash(s.File)))
			continue
		}
		b, err := samples.FS.ReadFile(s.File)
		if err != nil {
			return err
		}
		if err := smtp.SendMail(addr, nil, s.MailFrom, s.RcptTo, b); err != nil {
			return fmt.Errorf("deliver %s: %w", s.File, err)
		}
		n++
	}
	fmt.Fprintf(q.e.stdout, "delivered %d messages over SMTP (each answered 250 only after fsync)\n", n)
	step(q.e, "4/8 backfill the mbox")
	for _, m := range mboxes {
		if err := runIngest(ctx, ingestOptions{data: q.data, tenant: "globex", paths: []string{m}}, q.sub); err != nil {
			return err
		}
	}
	return nil
}

func (q *qs) sealVerifyRelease(ctx context.Context) (err error) {
	step(q.e, "5/8 seal a cd700 image per tenant (period "+q.period+", UTC)")
	for _, t := range samples.Tenants {
		if err := runSeal(ctx, sealOptions{data: q.data, tenant: t.Name, period: q.period, medium: "cd700", out: q.images}, q.sub); err != nil {
			return err
		}
	}
	step(q.e, "6/8 verify every image against the journal, then release the journal bodies")
	imgs, err := filepath.Glob(filepath.Join(q.images, "*.iso"))
	if err != nil || len(imgs) == 0 {
		return fmt.Errorf("no images in %s: %v", q.images, err)
	}
	if err := runVerify(ctx, verifyOptions{data: q.data, sources: imgs}, q.sub); err != nil {
		return err
	}
	s, err := q.sub.open(ctx, q.data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	cat, err := s.catalog(ctx)
	if err != nil {
		return err
	}
	keep, err := cat.Held(ctx)
	if err != nil {
		return err
	}
	for _, img := range imgs {
		r, err := sealing.Release(ctx, s.j, img, sealing.ReleaseOptions{Copies: 1, Keep: keep, Actor: q.e.user})
		if err != nil {
			return err
		}
		fmt.Fprintf(q.e.stdout, "released %s: %s deleted, %d bytes freed\n", filepath.Base(img), count(r.Released, "journal body"), r.BytesFreed)
	}
	return nil
}

func (q *qs) discover(ctx context.Context) error {
	step(q.e, "7/8 search: acme mail about Falcon (now on the disc, not in the journal)")
	if err := runSearch(ctx, q.sub, q.data, catalog.Query{Tenant: "acme", Text: "falcon"}, false, false); err != nil {
		return err
	}
	step(q.e, "8/8 export one message from the image, decrypted with the tenant key and checked by SHA-256")
	return runExport(ctx, exportOptions{data: q.data, out: q.prod, format: "eml", mediaSrc: []string{q.images + "/acme-" + q.period + "-v01of01.iso"},
		key: filepath.Join(q.data, "keys", "acme.secret.asc"), q: catalog.Query{Tenant: "acme", MessageID: "q-word.30@mail.acme.example"}}, q.sub)
}

func (q *qs) officer(took time.Duration) {
	iso := filepath.Join(q.images, "acme-"+q.period+"-v01of01.iso")
	w := q.e.stdout
	fmt.Fprintf(w, "\n== done in %s\n", took.Round(time.Millisecond))
	fmt.Fprintf(w, "data directory  %s   (export ARCHIVER_DATA=%s)\n", q.data, q.data)
	fmt.Fprintf(w, "images          %s\n", q.images)
	fmt.Fprintf(w, "production      %s\n", q.prod)
	fmt.Fprintf(w, "tenant keys     %s/keys/{acme,globex}.secret.asc (they belong to the tenants)\n", q.data)
	fmt.Fprintf(w, "\nWhat a compliance officer runs on a disc, with gpg and sha256sum alone (docs/FORMAT.md):\n\n")
	fmt.Fprintf(w, "  cd \"$(mktemp -d)\" && mkdir disc && bsdtar -xf %s -C disc && cd disc   # decrypt outside disc/\n", iso)
	fmt.Fprintf(w, "  sha256sum -c SHA256SUMS\n")
	fmt.Fprintf(w, "  export GNUPGHOME=$(mktemp -d)\n")
	fmt.Fprintf(w, "  gpg --import SIGNER.ASC && gpg --verify SHA256SUMS.ASC SHA256SUMS\n")
	fmt.Fprintf(w, "  gpg --import %s/keys/acme.secret.asc\n", q.data)
	fmt.Fprintf(w, "  gpg --decrypt MSG/0000000/0000000001.PGP > ../message-1.eml\n")
	fmt.Fprintf(w, "  cat README.TXT\n")
	fmt.Fprintf(w, "\nNext (go build -o archiver ./cmd/archiver first, or use go run ./cmd/archiver): archiver status --data %s; archiver search --data %s --help\n", q.data, q.data)
}
