package monthly

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/pgp"
)

// fakeDrive burns by copying the image into memory, like a stdio: drive.
type fakeDrive struct{ discs map[string][]byte }

func (d *fakeDrive) burn(_ context.Context, dev, image string) error {
	b, err := os.ReadFile(image)
	d.discs[dev] = b
	return err
}

func (d *fakeDrive) readBack(_ context.Context, dev string, sectors int64, w io.Writer) error {
	b := d.discs[dev]
	if int64(len(b)) < sectors*media.SectorSize {
		return media.ErrShortRead
	}
	_, err := w.Write(b[:sectors*media.SectorSize])
	return err
}

func setup(t *testing.T) (*journal.Journal, Options, *fakeDrive) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal"), journal.Options{MinFreeBytes: -1, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	// An empty tenant without keys must not make the run fail.
	if err := j.AddTenant(ctx, journal.Tenant{Name: "empty", Domains: []string{"empty.example"}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"acme", "globex"} {
		pub, _, err := pgp.GenerateKey(name, "k@"+name+".example", pgp.KeyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := j.AddTenant(ctx, journal.Tenant{Name: name, Domains: []string{name + ".example"}, Recipients: [][]byte{pub}}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			msg := fmt.Sprintf("From: a@%s.example\r\nSubject: m%d\r\n\r\n%s\r\n", name, i, strings.Repeat("body ", 500*i))
			if _, err := j.Ingest(ctx, journal.Envelope{MailFrom: "a@" + name + ".example", RcptTo: []string{"b@" + name + ".example"}, Protocol: "smtp"}, strings.NewReader(msg)); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, sec, err := pgp.GenerateKey("archive", "archive@example", pgp.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	el, err := pgp.ReadSecret(sec, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDrive{discs: map[string][]byte{}}
	prof, _ := media.ParseProfile("cd700")
	return j, Options{Period: "2026-11", OutDir: t.TempDir(), Profile: prof, Copies: 2, Devices: []string{"drive-a", "drive-b"},
		Signer: el[0], Actor: "test", Now: func() time.Time { return now }, Burn: d.burn, ReadBack: d.readBack}, d
}

func withBody(t *testing.T, j *journal.Journal) int {
	n := 0
	j.Messages(context.Background(), "", func(m journal.Message) error {
		if m.HasBody {
			n++
		}
		return nil
	})
	return n
}

func TestRunReleasesAfterEveryCopyVerifies(t *testing.T) {
	j, o, _ := setup(t)
	rep, err := Run(context.Background(), j, o)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || len(rep.Tenants) != 3 {
		t.Fatalf("report not OK: %+v", rep)
	}
	for _, tr := range rep.Tenants {
		if tr.Tenant == "empty" {
			if tr.Messages != 0 || len(tr.Volumes) != 0 || len(tr.Refusals) != 0 {
				t.Errorf("empty tenant: %+v", tr)
			}
			continue
		}
		if tr.Released != 6 || len(tr.Volumes) != 1 || len(tr.Volumes[0].Checks) != 3 {
			t.Errorf("%s: released %d, volumes %+v", tr.Tenant, tr.Released, tr.Volumes)
		}
	}
	if n := withBody(t, j); n != 0 {
		t.Errorf("%d bodies left after release", n)
	}
	txt, js, err := rep.WriteFiles(o.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(txt)
	if !bytes.Contains(b, []byte("ACME_202611_V01OF01")) || !bytes.Contains(b, []byte("result: OK")) {
		t.Errorf("text report:\n%s", b)
	}
	if _, err := os.Stat(js); err != nil {
		t.Error(err)
	}
}

func TestRunBadCopyRefusesTenantAndResumes(t *testing.T) {
	j, o, d := setup(t)
	o.AfterBurn = func(dev, image string, c int) error {
		if c == 2 && strings.HasPrefix(filepath.Base(image), "globex") {
			b := d.discs[dev]
			b[len(b)/2] ^= 1
		}
		return nil
	}
	rep, err := Run(context.Background(), j, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK {
		t.Fatal("report OK with a corrupted copy")
	}
	for _, tr := range rep.Tenants {
		switch tr.Tenant {
		case "acme":
			if tr.Released != 6 || len(tr.Refusals) != 0 {
				t.Errorf("acme: released %d refusals %+v; a good tenant must proceed", tr.Released, tr.Refusals)
			}
		case "globex":
			if tr.Released != 0 || len(tr.Refusals) != 1 || !strings.Contains(tr.Refusals[0].Copy, "copy 2 on drive-b") {
				t.Errorf("globex: released %d refusals %+v; want the bad copy named and nothing released", tr.Released, tr.Refusals)
			}
		}
	}
	if n := withBody(t, j); n != 6 {
		t.Errorf("%d bodies left, want globex's 6", n)
	}
	o.AfterBurn = nil
	rep, err = Run(context.Background(), j, o)
	if err != nil || !rep.OK {
		t.Fatalf("rerun: %v %+v", err, rep)
	}
	if n := withBody(t, j); n != 0 {
		t.Errorf("%d bodies left after the rerun", n)
	}
}
