// Command gen writes the verify test vectors in its parent directory
// (sealing/testdata/vectors): small sealed images, each made through
// sealing.Seal into a throw-away journal with the committed test keys and a
// fixed clock, and the damaged copies derived from them. vectors.json,
// which says what verify must report for each, is written by hand; the
// test in cmd/archiver (TestVerifyVectors) checks every vector against it.
//
// Run from the repository root:
//
//	go run ./sealing/testdata/vectors/gen            # reuse the committed keys
//	go run ./sealing/testdata/vectors/gen -new-keys  # make new test keys first
//
// The images are not byte-reproducible: OpenPGP encryption draws a fresh
// session key and ECDH ephemeral key for every message (README.md).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// keys are the test-only key pairs, written as NAME.pub.asc and
// NAME.sec.asc (unprotected: they protect nothing).
var keys = []struct{ file, name string }{
	{"archive", "Vector Archive"},             // signs every volume
	{"other-archive", "Vector Other Archive"}, // another archive's signing key
	{"acme", "Vector Acme"},                   // the tenant the volumes are encrypted to
	{"globex", "Vector Globex"},               // another tenant
}

// keyTime is the creation time of new test keys.
var keyTime = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// months are sealed in turn, one volume each: a chain of three volumes.
var months = []struct {
	period string
	at     time.Time // messages received then
	sealed time.Time // the seal's clock
}{
	{"2026-11", time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)},
	{"2026-12", time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 2, 0, 0, 0, time.UTC)},
	{"2027-01", time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC), time.Date(2027, 2, 1, 2, 0, 0, 0, time.UTC)},
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	dir := flag.String("dir", "sealing/testdata/vectors", "vector directory")
	newKeys := flag.Bool("new-keys", false, "generate new test keys (else read the committed ones)")
	flag.Parse()
	if err := run(*dir, *newKeys); err != nil {
		log.Fatal(err)
	}
}

func run(dir string, newKeys bool) error {
	if newKeys {
		for _, k := range keys {
			email := strings.ToLower(strings.ReplaceAll(k.name, " ", ".")) + "@example.com"
			pub, sec, err := pgp.GenerateKey(k.name, email, pgp.KeyOptions{Now: keyTime})
			if err != nil {
				return err
			}
			if err := write(dir, k.file+".pub.asc", pub); err != nil {
				return err
			}
			if err := write(dir, k.file+".sec.asc", sec); err != nil {
				return err
			}
		}
	}
	signer, err := secret(dir, "archive")
	if err != nil {
		return err
	}
	other, err := secret(dir, "other-archive")
	if err != nil {
		return err
	}
	acmePub, err := os.ReadFile(filepath.Join(dir, "acme.pub.asc"))
	if err != nil {
		return err
	}
	imgs, err := sealMonths(dir, signer, acmePub)
	if err != nil {
		return err
	}
	defer func() {
		for _, p := range imgs {
			os.Remove(p)
		}
	}()
	good, err := os.ReadFile(imgs[0])
	if err != nil {
		return err
	}
	names := []string{"ok-good.iso", "ok-chain-2026-12.iso", "ok-chain-2027-01.iso"}
	for i, p := range imgs {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := write(dir, names[i], b); err != nil {
			return err
		}
	}
	if err := write(dir, "fail-image-trailing-byte.iso", append(good, 0)); err != nil {
		return err
	}
	if err := write(dir, "fail-image-truncated.iso", good[:len(good)-media.SectorSize]); err != nil {
		return err
	}
	// a non-zero byte in the system area (sectors 0–15), which FORMAT.md
	// §2.1 requires to be zero
	sys := bytes.Clone(good)
	sys[100] = 0x5a
	if err := write(dir, "fail-structure-system-area.iso", sys); err != nil {
		return err
	}
	derived := []struct {
		name   string
		change func(files map[string][]byte, msgs []string) error
	}{
		{"fail-signature-other-signer.iso", func(f map[string][]byte, _ []string) error {
			var sig bytes.Buffer
			if err := pgp.SignDetached(&sig, other, bytes.NewReader(f[format.SumsFile])); err != nil {
				return err
			}
			f[format.SumsSigFile] = sig.Bytes()
			return nil
		}},
		{"fail-signature-sums-edited.iso", func(f map[string][]byte, _ []string) error {
			s := f[format.SumsFile] // "HEX  PATH\n" lines: change the first hash's first digit
			s[0] = map[bool]byte{true: '1', false: '0'}[s[0] == '0']
			return nil
		}},
		{"fail-missing-message.iso", func(f map[string][]byte, m []string) error {
			delete(f, m[len(m)-1])
			return nil
		}},
		{"fail-extra-file.iso", func(f map[string][]byte, _ []string) error {
			f["EXTRA.TXT"] = []byte("not listed in SHA256SUMS\r\n")
			return nil
		}},
		{"fail-hash-swapped.iso", func(f map[string][]byte, m []string) error {
			if len(m) < 2 {
				return errors.New("swapped: fewer than two messages")
			}
			f[m[0]], f[m[1]] = f[m[1]], f[m[0]]
			return nil
		}},
	}
	// a remastered copy with no change must verify: the damage is then
	// the only difference
	if err := remaster(imgs[0], filepath.Join(dir, ".remaster-control.iso"), func(map[string][]byte, []string) error { return nil }); err != nil {
		return err
	}
	ctl, err := os.ReadFile(filepath.Join(dir, ".remaster-control.iso"))
	os.Remove(filepath.Join(dir, ".remaster-control.iso"))
	if err != nil {
		return err
	}
	if !bytes.Equal(ctl, good) {
		return errors.New("remastering the good image unchanged gives other bytes: the derived vectors would differ in more than their damage")
	}
	for _, d := range derived {
		if err := remaster(imgs[0], filepath.Join(dir, d.name), d.change); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	return nil
}

// sealMonths seals two small messages a month for tenant acme into a fresh
// journal and returns the images in chain order.
func sealMonths(dir string, signer *openpgp.Entity, tenantPub []byte) ([]string, error) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "vectors-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	clock := months[0].at
	j, err := journal.Open(filepath.Join(tmp, "journal"), journal.Options{MinFreeBytes: -1, Actor: "gen",
		Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		return nil, err
	}
	defer j.Close()
	if err := j.AddTenant(ctx, journal.Tenant{Name: "acme", Domains: []string{"acme.example"}, Recipients: [][]byte{tenantPub}}); err != nil {
		return nil, err
	}
	profile, err := media.ParseProfile("cd700")
	if err != nil {
		return nil, err
	}
	var out []string
	for mi, mo := range months {
		clock = mo.at
		for i := 1; i <= 2; i++ {
			// two messages of one length and shape, so that their
			// ciphertexts have one length and can be swapped in place
			raw := fmt.Sprintf("From: bob@other.example\r\nTo: alice@acme.example\r\nSubject: vector %d.%d\r\n"+
				"Message-ID: <vector.%d.%d@other.example>\r\nDate: %s\r\n\r\nTest vector message %d of %s.\r\n",
				mi, i, mi, i, mo.at.Format(time.RFC1123Z), i, mo.period)
			if _, err := j.Ingest(ctx, journal.Envelope{MailFrom: "bob@other.example", RcptTo: []string{"alice@acme.example"}, Protocol: "smtp"},
				strings.NewReader(raw)); err != nil {
				return nil, err
			}
		}
		sealed := mo.sealed
		res, err := sealing.Seal(ctx, j, sealing.SealOptions{Tenant: "acme", Period: mo.period, Profile: profile,
			OutDir: tmp, Signer: signer, Now: func() time.Time { return sealed }})
		if err != nil {
			return nil, err
		}
		if len(res.Images) != 1 {
			return nil, fmt.Errorf("%s: %d images, want 1", mo.period, len(res.Images))
		}
		out = append(out, res.Images[0].Path)
	}
	// copy out before the temporary directory goes
	var kept []string
	for _, p := range out {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		q := filepath.Join(dir, ".gen-"+filepath.Base(p))
		if err := os.WriteFile(q, b, 0o644); err != nil {
			return nil, err
		}
		kept = append(kept, q)
	}
	return kept, nil
}

// remaster reads every file of the image src, lets change edit them (the
// files by path; msgs: the message files, sorted), and masters them again
// with the same volume descriptor into dst, as sealing does (media.Plan).
func remaster(src, dst string, change func(files map[string][]byte, msgs []string) error) error {
	r, err := sealing.OpenVolume(src)
	if err != nil {
		return err
	}
	defer r.Close()
	v, m := r.Volume(), r.Manifest()
	files := map[string][]byte{}
	var msgs []string
	for _, f := range v.Files() {
		b, err := v.ReadFile(f.Path)
		if err != nil {
			return err
		}
		files[f.Path] = b
		if strings.HasPrefix(f.Path, "MSG/") {
			msgs = append(msgs, f.Path)
		}
	}
	sort.Strings(msgs)
	if err := change(files, msgs); err != nil {
		return err
	}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var list []media.File
	for _, p := range paths {
		b := files[p] // a changed size is laid out anew, as sealing would
		list = append(list, media.File{Path: p, Size: int64(len(b)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }})
	}
	info := media.VolumeInfo{VolumeID: m.Label, VolumeSetID: m.SetID, SetSize: m.Count, SeqNum: m.Index,
		Publisher: format.Publisher, Preparer: format.Publisher, Application: format.Application, Recorded: m.Sealed}
	layout, err := media.Plan(info, list)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := layout.WriteTo(&buf); err != nil {
		return err
	}
	return os.WriteFile(dst, buf.Bytes(), 0o644)
}

func secret(dir, name string) (*openpgp.Entity, error) {
	b, err := os.ReadFile(filepath.Join(dir, name+".sec.asc"))
	if err != nil {
		return nil, fmt.Errorf("%w (first run: -new-keys)", err)
	}
	el, err := pgp.ReadSecret(b, nil)
	if err != nil {
		return nil, err
	}
	return el[0], nil
}

func write(dir, name string, b []byte) error {
	return os.WriteFile(filepath.Join(dir, name), b, 0o644)
}
