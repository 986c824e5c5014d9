package sealing

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/format"
)

func TestSealVerifyReleaseReadBack(t *testing.T) {
	f := newFixture(t)
	f.ingest(30, 20000)
	res := f.seal("100") // 200 KiB volumes: several per set
	if len(res.Images) < 2 {
		t.Fatalf("want several volumes, got %d", len(res.Images))
	}
	total := 0
	for k, im := range res.Images {
		want := filepath.Join(f.out, format.ImageName("acme", "2026-11", k+1, len(res.Images)))
		if im.Path != want || im.Label != format.Label("acme", "2026-11", k+1, len(res.Images)) {
			t.Errorf("image %d: %s %s", k+1, im.Path, im.Label)
		}
		fi, err := os.Stat(im.Path)
		if err != nil || fi.Size() > 100*2048 || fi.Size() != im.Bytes {
			t.Errorf("image %d size %v, %v", k+1, fi.Size(), err)
		}
		b, _ := os.ReadFile(im.Path)
		if sha256.Sum256(b) != im.SHA256 {
			t.Errorf("image %d SHA-256 differs from reported", k+1)
		}
		total += im.Messages
	}
	if total != 30 {
		t.Fatalf("%d messages sealed, want 30", total)
	}
	// journal: all sealed, one OK deep verification each, chain linked
	vols, _ := f.j.Volumes(f.ctx, "acme")
	if len(vols) != len(res.Images) {
		t.Fatalf("%d volumes recorded", len(vols))
	}
	for i, v := range vols {
		if len(v.Verifications) != 1 || !v.Verifications[0].OK || v.Verifications[0].Method != "deep" || len(v.VerifyKey) == 0 {
			t.Errorf("%s verifications %+v", v.Label, v.Verifications)
		}
		if i > 0 && v.PrevSumsSHA256 != vols[i-1].SumsSHA256 {
			t.Errorf("%s chain link broken", v.Label)
		}
	}
	if left, _ := f.j.Unsealed(f.ctx, "acme", time.Time{}, time.Time{}); len(left) != 0 {
		t.Fatalf("%d left unsealed", len(left))
	}
	// a second seal of the period finds nothing
	if again := f.seal("400"); !again.Empty || len(again.Images) != 0 {
		t.Fatalf("second seal: %+v", again)
	}
	rep := f.verify(true, paths(res)...)
	if !rep.OK {
		t.Fatalf("verify: %s", checks(rep))
	}
	for _, v := range rep.Volumes {
		if v.Method != "deep" {
			t.Errorf("%s method %s", v.Label, v.Method)
		}
	}
	for _, v := range vols {
		r, err := Release(f.ctx, f.j, v.Label, ReleaseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Released != len(v.Placements) {
			t.Errorf("%s released %d of %d", v.Label, r.Released, len(v.Placements))
		}
	}
	for seq := range f.raw {
		if _, err := f.j.OpenBody(f.ctx, "acme", seq); !errors.Is(err, journal.ErrReleased) {
			t.Fatalf("body %d after release: %v", seq, err)
		}
		if m, err := f.j.Message(f.ctx, "acme", seq); err != nil || m.State != journal.Released {
			t.Fatalf("record %d after release: %v %v", seq, m.State, err)
		}
	}
	// every message reads back from the images with the tenant key
	got := 0
	for _, p := range paths(res) {
		vr, err := OpenVolume(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vr.VerifySignature(f.signPub); err != nil {
			t.Fatal(err)
		}
		ix, err := vr.Index(f.secret)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ix {
			rc, err := vr.OpenMessage(e.Path, f.secret)
			if err != nil {
				t.Fatal(err)
			}
			if b := readAll(t, rc); !bytes.Equal(b, f.raw[e.Seq]) {
				t.Fatalf("seq %d differs after read-back", e.Seq)
			}
			rc.Close()
			got++
		}
		vr.Close()
	}
	if got != 30 {
		t.Fatalf("read back %d", got)
	}
	// after release the verification key is gone: verify --data is hash-only
	rep, err := Verify(f.ctx, paths(res)[:1], VerifyOptions{Signer: f.signPub, Journal: f.j, Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Volumes[0].Method != "hash" {
		t.Fatalf("verify after release: ok=%v method=%s %s", rep.OK, rep.Volumes[0].Method, checks(rep))
	}
}

func TestSealEmptyPeriod(t *testing.T) {
	f := newFixture(t)
	res := f.seal("dvd5")
	if !res.Empty || len(res.Images) != 0 {
		t.Fatalf("%+v", res)
	}
	if ents, _ := os.ReadDir(f.out); len(ents) != 0 {
		t.Fatalf("files left in out: %v", ents)
	}
}

func TestSealMessageTooLarge(t *testing.T) {
	f := newFixture(t)
	f.ingest(1, 600000)
	_, err := Seal(f.ctx, f.j, f.opts("60"))
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Seq != 1 || tl.Fits != "cd650" || tl.Have != 60 || tl.Need <= 60 {
		t.Fatalf("err %v (%+v)", err, tl)
	}
	if ents, _ := os.ReadDir(f.out); len(ents) != 0 {
		t.Fatalf("files left in out: %v", ents)
	}
	if left, _ := f.j.Unsealed(f.ctx, "acme", time.Time{}, time.Time{}); len(left) != 1 {
		t.Fatal("message not left journaled")
	}
}
