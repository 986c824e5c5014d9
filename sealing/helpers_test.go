package sealing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/internal/keytest"
	"github.com/archiver/archiver/sealing/pgp"
)

// fixture is a journal with one tenant, an archive key and a clock.
type fixture struct {
	t       testing.TB
	ctx     context.Context
	j       *journal.Journal
	mu      sync.Mutex
	clock   time.Time
	signer  *openpgp.Entity
	signPub openpgp.EntityList
	tenant  string
	secret  openpgp.EntityList // tenant secret key
	raw     map[uint64][]byte  // tenant seq → bytes
	out     string
}

var (
	keyOnce              sync.Once
	signerPub, signerSec []byte
	tenantPub, tenantSec []byte
)

// keys are generated once per test binary (Curve25519 is fast, but why repeat).
func testKeys(t testing.TB) {
	keyOnce.Do(func() {
		signer, tenant := keytest.New(t, "Archive"), keytest.New(t, "Acme")
		signerPub, signerSec = signer.PubArmor, signer.SecArmor
		tenantPub, tenantSec = tenant.PubArmor, tenant.SecArmor
	})
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	testKeys(t)
	f := &fixture{t: t, ctx: context.Background(), clock: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), tenant: "acme",
		raw: map[uint64][]byte{}, out: t.TempDir()}
	f.j = journaltest.NewWith(t, journal.Options{MinFreeBytes: -1, Now: f.now, Actor: "test"})
	s, err := pgp.ReadSecret(signerSec, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.signer = s[0]
	f.signPub, _ = pgp.ReadKeys(signerPub)
	f.secret, _ = pgp.ReadSecret(tenantSec, nil)
	if err := f.j.AddTenant(f.ctx, journal.Tenant{Name: "acme", Domains: []string{"acme.example"}, Recipients: [][]byte{tenantPub}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(time.Minute)
	return f.clock
}

func (f *fixture) setClock(t time.Time) {
	f.mu.Lock()
	f.clock = t
	f.mu.Unlock()
}

// ingest stores n messages of about size bytes each for the tenant.
func (f *fixture) ingest(n, size int) {
	f.t.Helper()
	for i := 0; i < n; i++ {
		msg := fmt.Sprintf("From: bob@other.example\r\nTo: alice@acme.example\r\nSubject: test %d %d\r\nMessage-ID: <%d.%d@x>\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\n", i, time.Now().UnixNano(), i, time.Now().UnixNano())
		body := make([]byte, 0, size)
		for j := 0; len(body) < size; j++ {
			body = fmt.Appendf(body, "line %d of message %d, some words to compress %x\r\n", j, i, sha256.Sum256([]byte{byte(i), byte(j)}))
		}
		raw := append([]byte(msg), body...)
		st, err := f.j.Ingest(f.ctx, journal.Envelope{MailFrom: "bob@other.example", RcptTo: []string{"alice@acme.example"}, Protocol: "smtp"}, bytes.NewReader(raw))
		if err != nil {
			f.t.Fatal(err)
		}
		f.raw[st[0].Seq] = raw
	}
}

func (f *fixture) opts(profile string) SealOptions {
	p, err := media.ParseProfile(profile)
	if err != nil {
		f.t.Fatal(err)
	}
	return SealOptions{Tenant: f.tenant, Period: "2026-11", Profile: p, OutDir: f.out, Signer: f.signer,
		Now: func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }}
}

func (f *fixture) seal(profile string) *SealResult {
	f.t.Helper()
	res, err := Seal(f.ctx, f.j, f.opts(profile))
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) verify(data bool, sources ...string) *Report {
	f.t.Helper()
	o := VerifyOptions{Signer: f.signPub}
	if data {
		o.Journal, o.Record = f.j, true
	}
	rep, err := Verify(f.ctx, sources, o)
	if err != nil {
		f.t.Fatal(err)
	}
	return rep
}

func paths(res *SealResult) []string {
	var out []string
	for _, im := range res.Images {
		out = append(out, im.Path)
	}
	return out
}

func checks(r *Report) string {
	var s []string
	for _, f := range r.AllFindings() {
		s = append(s, f.Check+" "+f.File)
	}
	return strings.Join(s, "; ")
}

func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
