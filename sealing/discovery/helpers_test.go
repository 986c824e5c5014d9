package discovery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/internal/keytest"
	"github.com/archiver/archiver/sealing/pgp"
)

// keys is a generated key pair: public half for sealing, secret for export.
type keys struct {
	pub    openpgp.EntityList
	sec    openpgp.EntityList
	armPub []byte
	armSec []byte
}

func genKeys(t *testing.T, name string) keys {
	t.Helper()
	k := keytest.New(t, name)
	return keys{pub: k.Pub, sec: k.Sec, armPub: k.PubArmor, armSec: k.SecArmor}
}

// env is one test archive: journal, catalog, tenant and archive keys.
type env struct {
	t       *testing.T
	data    string
	j       *journal.Journal
	cat     *catalog.Catalog
	tenant  keys
	archive keys
	raw     map[uint64][]byte // seq → original bytes (tenant "acme")
	prev    [32]byte          // previous volume's SHA256SUMS hash
}

func newEnv(t *testing.T) *env { return newEnvAt(t, nil) }

// newEnvAt is newEnv with the journal's clock (nil: time.Now).
func newEnvAt(t *testing.T, now func() time.Time) *env {
	t.Helper()
	e := &env{t: t, data: t.TempDir(), tenant: genKeys(t, "acme"), archive: genKeys(t, "archive"), raw: map[uint64][]byte{}}
	var err error
	e.j, err = journal.Open(filepath.Join(e.data, "journal"), journal.Options{MinFreeBytes: -1, Actor: "test", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.j.Close() })
	ctx := context.Background()
	if err := e.j.AddTenant(ctx, journal.Tenant{Name: "acme", Domains: []string{"acme.example"}, Recipients: [][]byte{e.tenant.armPub}}); err != nil {
		t.Fatal(err)
	}
	e.cat, err = catalog.Open(filepath.Join(e.data, "catalog"), e.j)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.cat.Close() })
	return e
}

// ingest stores raw for tenant acme and returns its seq.
func (e *env) ingest(raw string) uint64 {
	e.t.Helper()
	st, err := e.j.Ingest(context.Background(), journal.Envelope{
		MailFrom: "sender@outside.example", RcptTo: []string{"custodian@acme.example"}, Protocol: "smtp",
	}, bytes.NewReader([]byte(raw)))
	if err != nil || len(st) != 1 || st[0].Tenant != "acme" {
		e.t.Fatalf("ingest: %v %v", st, err)
	}
	e.raw[st[0].Seq] = []byte(raw)
	return st[0].Seq
}

// seal writes the messages seqs (acme) into one ISO image in dir the way
// the on-disc format (docs/FORMAT.md) lays it out, records it sealed,
// verified and then released (keep: legal-hold predicate; nil: the
// catalog's Held, which syncs the catalog first as the real release does),
// and returns the image path. It stands in for package sealing's seal in
// these tests, so export is checked against the format, not one writer.
func (e *env) seal(dir, label string, seqs []uint64, keep func(journal.Message) bool) string {
	t := e.t
	t.Helper()
	ctx := context.Background()
	var (
		index []format.IndexEntry
		sums  []format.Sum
		files []media.File
		place []journal.Placement
		blobs = map[string][]byte{}
	)
	for _, seq := range seqs {
		m, err := e.j.Message(ctx, "acme", seq)
		if err != nil {
			t.Fatal(err)
		}
		p := format.MessagePath(seq)
		var buf bytes.Buffer
		s, err := format.EncryptMessage(&buf, bytes.NewReader(e.raw[seq]), e.tenant.pub, true)
		if err != nil {
			t.Fatal(err)
		}
		blobs[p] = buf.Bytes()
		sums = append(sums, format.Sum{Path: p, SHA256: s.CipherSHA256})
		place = append(place, journal.Placement{Seq: seq, Path: p})
		date := ""
		if !m.Summary.Date.IsZero() {
			date = m.Summary.Date.UTC().Format(time.RFC3339)
		}
		index = append(index, format.IndexEntry{
			Date: date,
			Seq:  seq, JSeq: m.JSeq, Received: m.Received,
			Envelope: format.Envelope{MailFrom: m.Receipts[0].Envelope.MailFrom, RcptTo: m.Receipts[0].Envelope.RcptTo},
			From:     m.Summary.From, To: m.Summary.To, Cc: m.Summary.Cc, Subject: m.Summary.Subject,
			MessageID: m.Summary.MessageID, Size: m.Size, SHA256: format.Hex(m.SHA256), Path: p,
		})
	}
	sealed := time.Now().UTC().Truncate(time.Second)
	man := &format.Manifest{
		Tenant: "acme", Period: "2026-11", SetID: label + "_SET", Index: 1, Count: 1, Label: label,
		FirstSeq: seqs[0], LastSeq: seqs[len(seqs)-1], Messages: len(seqs), PrevSums: format.Hex(e.prev),
		Signer: pgp.Fingerprint(e.archive.sec[0]), Recipients: pgp.Fingerprints(e.tenant.pub),
		Sealed: sealed, Cipher: "AES256", Compression: "ZLIB",
	}
	meta, err := format.BuildMeta(man, index, sums, e.tenant.pub, e.archive.sec[0])
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range meta.Files {
		blobs[name] = b
	}
	for name, b := range blobs {
		b := b
		files = append(files, media.File{Path: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(b)), nil
		}})
	}
	l, err := media.Plan(media.VolumeInfo{VolumeID: label, VolumeSetID: label + "_SET", Recorded: sealed}, files)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, label+".iso")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := l.WriteTo(io.MultiWriter(f, h)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var imgSum [32]byte
	copy(imgSum[:], h.Sum(nil))
	v := journal.Volume{
		Label: label, Tenant: "acme", Period: "2026-11", SetID: label + "_SET", Index: 1, Count: 1,
		FirstSeq: seqs[0], LastSeq: seqs[len(seqs)-1], Placements: place, ImageName: filepath.Base(img),
		ImageSHA256: imgSum, ImageBytes: l.Size(), SumsSHA256: meta.SumsSHA256, PrevSumsSHA256: e.prev,
		Signer: pgp.Fingerprint(e.archive.sec[0]), Sealed: sealed,
	}
	e.prev = meta.SumsSHA256
	if err := e.j.RecordSealed(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := e.j.AddVerification(ctx, label, journal.Verification{Time: sealed, Copy: img, ImageSHA256: imgSum, Method: "deep", OK: true}); err != nil {
		t.Fatal(err)
	}
	if keep == nil { // as the real release does: holds evaluated after a catalog Sync
		if keep, err = e.cat.Held(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.j.Release(ctx, label, journal.ReleaseOptions{Copies: 1, Keep: keep, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	return img
}

func releaseOpts(keep func(journal.Message) bool) journal.ReleaseOptions {
	return journal.ReleaseOptions{Copies: 1, Keep: keep, Actor: "test"}
}

// describeMatch is what a search answer must keep through seal, release
// and rebuild: identity, hash and summary (not the location, which moves).
func describeMatch(ms []journal.Message) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s/%d %x %q %q %s", m.Tenant, m.Seq, m.SHA256[:4],
			m.Summary.Subject, m.Summary.MessageID, m.Summary.Date))
	}
	return out
}
