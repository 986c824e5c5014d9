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

// fakeDrive models drives with discs in memory, like stdio: drives with a
// tray: a burn writes the drive's disc (only a blank one), eject takes it
// out (onto shelf), and an operator inserts blank discs (insert).
type fakeDrive struct {
	discs  map[string][]byte // dev -> the disc in it; nil: blank
	absent map[string]bool   // dev -> tray empty
	shelf  map[string][]byte // "LABEL#N" burned discs taken out, by what they hold
	burns  []string          // "dev image" per burn
	asked  []string          // prompts shown
}

func newFakeDrive() *fakeDrive {
	return &fakeDrive{discs: map[string][]byte{}, absent: map[string]bool{}, shelf: map[string][]byte{}}
}

func (d *fakeDrive) status(_ context.Context, dev string) (media.MediumStatus, error) {
	switch {
	case d.absent[dev]:
		return media.MediumStatus{State: media.MediumAbsent}, nil
	case d.discs[dev] != nil:
		return media.MediumStatus{State: media.MediumWritten, Media: "CD-R", Status: "is written , is closed"}, nil
	}
	return media.MediumStatus{State: media.MediumBlank, Media: "CD-R", Status: "is blank"}, nil
}

func (d *fakeDrive) burn(_ context.Context, dev, image string) error {
	if d.absent[dev] || d.discs[dev] != nil {
		return fmt.Errorf("fake drive %s: no blank disc", dev)
	}
	b, err := os.ReadFile(image)
	d.discs[dev] = b
	d.burns = append(d.burns, dev+" "+filepath.Base(image))
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

func (d *fakeDrive) eject(_ context.Context, dev string) error {
	d.shelf[fmt.Sprintf("%s#%d", dev, len(d.shelf))] = d.discs[dev]
	delete(d.discs, dev)
	d.absent[dev] = true
	return nil
}

// insert is the operator: asked for a disc, they put a blank one in.
func (d *fakeDrive) insert(p DiscPrompt) {
	d.asked = append(d.asked, p.Message)
	delete(d.discs, p.Device)
	d.absent[p.Device] = false
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
	d := newFakeDrive()
	prof, _ := media.ParseProfile("cd700")
	return j, Options{Period: "2026-11", OutDir: t.TempDir(), Profile: prof, Copies: 2, Devices: []string{"drive-a", "drive-b"},
		Signer: el[0], Actor: "test", Now: func() time.Time { return now }, Burn: d.burn, ReadBack: d.readBack, Eject: d.eject,
		Changer: &Changer{Status: d.status, Interactive: true, Poll: time.Millisecond, Prompt: d.insert}}, d
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
	j, o, d := setup(t)
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
	// acme found blank discs in both drives; globex's copies needed a
	// disc change in each (the burned discs were ejected).
	wantAsked := []string{"insert blank disc for GLOBEX_202611_V01OF01 copy 1 in drive-a", "insert blank disc for GLOBEX_202611_V01OF01 copy 2 in drive-b"}
	if strings.Join(d.asked, "\n") != strings.Join(wantAsked, "\n") {
		t.Errorf("prompts:\n%s\nwant:\n%s", strings.Join(d.asked, "\n"), strings.Join(wantAsked, "\n"))
	}
	if len(d.burns) != 4 || len(d.shelf) != 4 {
		t.Errorf("burns %q, %d discs taken out; want 4 of each", d.burns, len(d.shelf))
	}
	v, err := j.VolumeMeta(context.Background(), "ACME_202611_V01OF01")
	if err != nil {
		t.Fatal(err)
	}
	discs := map[string]bool{}
	for _, ver := range v.Verifications {
		if ver.Kind == DiscKind && ver.OK && ver.Method == "deep" && ver.ImageSHA256 == v.ImageSHA256 {
			discs[ver.Copy] = true
		}
	}
	if !discs["disc:ACME_202611_V01OF01#1"] || !discs["disc:ACME_202611_V01OF01#2"] || len(discs) != 2 {
		t.Errorf("disc verifications recorded: %v", discs)
	}
	txt, js, err := rep.WriteFiles(o.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(txt)
	if !bytes.Contains(b, []byte("ACME_202611_V01OF01 copy 2 of 2: drive-b, burned and verified, SHA-256 "+rep.Tenants[0].Volumes[0].SHA256)) || !bytes.Contains(b, []byte("result: OK")) {
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
	if len(rep.ToBurn) != 1 || rep.ToBurn[0].ID() != "disc:GLOBEX_202611_V01OF01#2" {
		t.Errorf("to burn after the bad disc: %+v, want globex's copy 2", rep.ToBurn)
	}
	o.AfterBurn = nil
	d.burns = nil
	rep, err = Run(context.Background(), j, o)
	if err != nil || !rep.OK {
		t.Fatalf("rerun: %v %+v", err, rep)
	}
	// The rerun burns only the bad copy again; globex's copy 1 was
	// verified in the first run.
	if len(d.burns) != 1 || d.burns[0] != "drive-b globex-2026-11-v01of01.iso" {
		t.Errorf("rerun burned %q, want only globex's copy 2", d.burns)
	}
	if n := withBody(t, j); n != 0 {
		t.Errorf("%d bodies left after the rerun", n)
	}
}
