package sealing

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
)

// Gap 2 of the hardening pass: releasing an already released volume was
// refused ("last verified by hash only") because verify --data after
// release can only hash-check. It must report AlreadyReleasedError and
// change nothing; verify --data must say deep verification is gone.
func TestReleaseAlreadyReleasedIsIdempotent(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 1500)
	res := f.seal("dvd5")
	label := res.Images[0].Label
	if rep := f.verify(true, res.Images[0].Path); !rep.OK || rep.Volumes[0].Method != "deep" {
		t.Fatalf("verify before release: %s", checks(rep))
	}
	first, err := Release(f.ctx, f.j, label, ReleaseOptions{})
	if err != nil || first.Released != 3 {
		t.Fatalf("first release: %+v %v", first, err)
	}
	before, _ := f.j.Volume(f.ctx, label)

	rep := f.verify(true, res.Images[0].Path)
	vr := rep.Volumes[0]
	if !rep.OK || vr.Method != "hash" || vr.Released.IsZero() || !strings.Contains(vr.Note, "deep verification is no longer possible") {
		t.Fatalf("verify --data after release: ok %v method %s released %v note %q; %s", rep.OK, vr.Method, vr.Released, vr.Note, checks(rep))
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if out := text.String(); !strings.Contains(out, "hash check") || !strings.Contains(out, "verification key was wiped at release") ||
		!strings.Contains(out, "1 by hash and signature only, not deep") || strings.Contains(out, "deep check") {
		t.Fatalf("verify text after release:\n%s", out)
	}

	again, err := Release(f.ctx, f.j, label, ReleaseOptions{Copies: 2})
	var are *AlreadyReleasedError
	if !errors.As(err, &are) || !errors.Is(err, journal.ErrReleased) || !are.Released.Equal(before.Released) ||
		!strings.Contains(err.Error(), "already released on "+before.Released.Format("2006-01-02T15:04:05Z")) {
		t.Fatalf("second release: %v", err)
	}
	if again != (journal.ReleaseResult{}) {
		t.Fatalf("second release result %+v, want zero", again)
	}
	after, _ := f.j.Volume(f.ctx, label)
	if !after.Released.Equal(before.Released) {
		t.Fatalf("second release moved Released from %v to %v", before.Released, after.Released)
	}
	n := 0
	f.j.AuditEvents(f.ctx, func(e journal.Event) error {
		if e.Action == "release" {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Fatalf("%d release audit events, want 1", n)
	}
}
