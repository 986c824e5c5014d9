package sealing

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/format"
)

// TestReleaseCopiesAndHold: --copies 2 needs a second verified copy (a
// disc: another file of the image counts once); a legal hold keeps its
// body; released bodies are gone.
func TestReleaseCopiesAndHold(t *testing.T) {
	f := newFixture(t)
	f.ingest(4, 2000)
	res := f.seal("dvd5")
	label := res.Images[0].Label
	if _, err := Release(f.ctx, f.j, label, ReleaseOptions{Copies: 2}); !errors.Is(err, journal.ErrNotVerified) {
		t.Fatalf("copies 2 with one copy: %v", err)
	}
	copy2 := filepath.Join(t.TempDir(), "copy2.iso")
	b, _ := os.ReadFile(res.Images[0].Path)
	os.WriteFile(copy2, b, 0o644)
	if rep := f.verify(true, copy2); !rep.OK {
		t.Fatal(checks(rep))
	}
	if _, err := Release(f.ctx, f.j, copy2, ReleaseOptions{Copies: 2}); !errors.Is(err, journal.ErrNotVerified) {
		t.Fatalf("copies 2 with the image in two files: %v", err)
	}
	// copy2.iso read back from burned disc 1
	rep, err := Verify(f.ctx, []string{copy2}, VerifyOptions{Journal: f.j, Record: true, Signer: f.signPub,
		Names: map[string]CopyName{copy2: DiscCopy(label, 1)}})
	if err != nil || !rep.OK {
		t.Fatalf("disc verification: %v %s", err, checks(rep))
	}
	r, err := Release(f.ctx, f.j, copy2, ReleaseOptions{Copies: 2, Keep: func(m journal.Message) bool { return m.Seq == 2 }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Released+r.Kept != 4 || r.Kept != 1 {
		t.Fatalf("result %+v", r)
	}
	if _, err := f.j.OpenBody(f.ctx, "acme", 2); err != nil {
		t.Fatalf("held body: %v", err)
	}
	if _, err := f.j.OpenBody(f.ctx, "acme", 1); !errors.Is(err, journal.ErrReleased) {
		t.Fatalf("released body: %v", err)
	}
	v, _ := f.j.Volume(f.ctx, label)
	if len(v.VerifyKey) != 0 || v.Released.IsZero() {
		t.Fatal("verification key not wiped or volume not marked released")
	}
	if _, err := Release(f.ctx, f.j, label, ReleaseOptions{}); err == nil {
		t.Fatal("second release accepted")
	}
}

// TestSealAgainSamePeriod: late mail of an already sealed month goes to a
// new set labelled with round R2, chained to the first.
func TestSealAgainSamePeriod(t *testing.T) {
	f := newFixture(t)
	f.ingest(2, 1000)
	first := f.seal("dvd5")
	f.ingest(2, 1000)
	second := f.seal("dvd5")
	if got, want := second.Images[0].Label, "ACME_202611R2_V01OF01"; got != want {
		t.Fatalf("label %s, want %s", got, want)
	}
	if filepath.Base(second.Images[0].Path) != "acme-2026-11r2-v01of01.iso" {
		t.Fatalf("name %s", second.Images[0].Path)
	}
	rep := f.verify(true, first.Images[0].Path, second.Images[0].Path)
	if !rep.OK {
		t.Fatal(checks(rep))
	}
	vols, _ := f.j.Volumes(f.ctx, "acme")
	if vols[1].PrevSumsSHA256 != vols[0].SumsSHA256 || vols[1].FirstSeq != 3 {
		t.Fatalf("chain %x %x seq %d", vols[1].PrevSumsSHA256, vols[0].SumsSHA256, vols[1].FirstSeq)
	}
}

// TestReportJSON: one object per line with a type, finding objects for
// cross-volume faults, a final summary.
func TestReportJSON(t *testing.T) {
	f := newFixture(t)
	f.ingest(12, 20000)
	res := f.seal("50")
	rep := f.verify(false, res.Images[0].Path) // set incomplete
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var types []string
	sc := bufio.NewScanner(&buf)
	var last map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		types = append(types, m["type"].(string))
		last = m
	}
	if len(types) < 3 || types[0] != "volume" || types[1] != "finding" || last["type"] != "summary" || last["ok"] != false {
		t.Fatalf("types %v last %v", types, last)
	}
	// hash-only (no keys, no journal) on a whole set passes
	rep2, err := Verify(f.ctx, paths(res), VerifyOptions{Signer: f.signPub})
	if err != nil || !rep2.OK || rep2.Volumes[0].Method != "hash" {
		t.Fatalf("hash-only: %v %s", err, checks(rep2))
	}
	// with the tenant key: deep, without the journal
	rep3, err := Verify(f.ctx, paths(res), VerifyOptions{Signer: f.signPub, Keys: f.secret})
	if err != nil || !rep3.OK || rep3.Volumes[0].Method != "deep" {
		t.Fatalf("--key: %v %s", err, checks(rep3))
	}
	// no signer at all is a finding, not a pass
	rep4, _ := Verify(f.ctx, paths(res), VerifyOptions{})
	if rep4.OK || rep4.Volumes[0].Findings[0].Check != format.CheckSignature {
		t.Fatal("verified without a trusted signer")
	}
}

// TestVerifyPaddedCopy: a disc read back through a drive (here xorriso's
// stdio: pseudo-drive, or a block device) is longer than the image;
// verify --data hashes exactly the volume space and passes, and the
// progress is reported. The same bytes as an image file are a finding:
// an image file is the image, nothing after it.
func TestVerifyPaddedCopy(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 5000)
	o := f.opts("dvd5")
	var bar stepLog
	o.Progress = bar.progress
	res, err := Seal(f.ctx, f.j, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(res.Images[0].Path)
	padded := filepath.Join(t.TempDir(), "readback.img")
	os.WriteFile(padded, append(b, make([]byte, 300*2048)...), 0o644)
	rep, err := Verify(f.ctx, []string{"stdio:" + padded}, VerifyOptions{Signer: f.signPub, Journal: f.j, Record: true, Progress: bar.progress})
	if err != nil || !rep.OK || rep.Volumes[0].ImageSHA256 != res.Images[0].SHA256 || rep.Volumes[0].Method != "deep" {
		t.Fatalf("padded copy: %v %s", err, checks(rep))
	}
	rep, err = Verify(f.ctx, []string{padded}, VerifyOptions{Signer: f.signPub})
	if err != nil || rep.OK || !strings.Contains(rep.Volumes[0].Findings[0].Detail, "614400 bytes beyond the volume size") {
		t.Fatalf("padded image file: %v %+v", err, rep.Volumes[0].Findings)
	}
	if !strings.Contains(bar.String(), "reading image") {
		t.Errorf("read-back not reported to Progress:\n%s", bar.String())
	}
	v, _ := f.j.Volume(f.ctx, res.Images[0].Label)
	if n := len(v.Verifications); n != 2 || v.Verifications[1].Copy != "stdio:"+padded || !v.Verifications[1].OK {
		t.Fatalf("verifications %+v", v.Verifications)
	}
}
