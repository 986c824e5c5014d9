package journal_test

import (
	"errors"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// TestReleaseChunkedCrash stops Release before its third transaction of 3
// messages (as a crash would): the first 6 messages are released, bodies
// gone, the rest still sealed with their bodies, the volume not marked and
// its verification key kept, the counters consistent. Released again, in
// a reopened journal, the volume finishes: every message released once,
// every body freed, counters and Check clean.
func TestReleaseChunkedCrash(t *testing.T) {
	dir := t.TempDir()
	const n = 10
	j := openAcme(t, dir, n, 700)
	v := seal(t, j, "acme", "ACME_2026_03_V01")
	verify(t, j, v.Label, "img.iso", true, "deep")

	crash := errors.New("crash")
	restore := journal.SetReleaseChunk(j, 3, func(k int) error {
		if k == 3 {
			return crash
		}
		return nil
	})
	if _, err := j.Release(ctx, v.Label, journal.ReleaseOptions{}); !errors.Is(err, crash) {
		t.Fatalf("interrupted release: %v", err)
	}
	restore()
	released := 0
	for seq := uint64(1); seq <= n; seq++ {
		m, err := j.Message(ctx, "acme", seq)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case seq <= 6 && (m.State != journal.Released || m.HasBody):
			t.Fatalf("message %d after the interrupted release: %s, body %v; want released, no body", seq, m.State, m.HasBody)
		case seq > 6 && (m.State != journal.Sealed || !m.HasBody):
			t.Fatalf("message %d after the interrupted release: %s, body %v; want sealed with its body", seq, m.State, m.HasBody)
		}
		if m.State == journal.Released {
			released++
		}
	}
	meta, err := j.VolumeMeta(ctx, v.Label)
	if err != nil || !meta.Released.IsZero() || len(meta.VerifyKey) == 0 {
		t.Fatalf("volume after the interrupted release: released %v, key %d bytes, %v", meta.Released, len(meta.VerifyKey), err)
	}
	journaltest.CheckClean(t, j) // counters agree with the records
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j, err = journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	res, err := j.Release(ctx, v.Label, journal.ReleaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Released != n-released {
		t.Fatalf("second release freed %d bodies, want the %d left", res.Released, n-released)
	}
	for seq := uint64(1); seq <= n; seq++ {
		if m, err := j.Message(ctx, "acme", seq); err != nil || m.State != journal.Released || m.HasBody {
			t.Fatalf("message %d: %+v %v", seq, m, err)
		}
	}
	meta, err = j.VolumeMeta(ctx, v.Label)
	if err != nil || meta.Released.IsZero() || len(meta.VerifyKey) != 0 {
		t.Fatalf("volume after the release: released %v, key %d bytes, %v", meta.Released, len(meta.VerifyKey), err)
	}
	if _, err := j.Release(ctx, v.Label, journal.ReleaseOptions{}); !errors.Is(err, journal.ErrReleased) {
		t.Fatalf("third release: %v", err)
	}
	st, err := j.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range st.Tenants {
		if ts.Tenant == "acme" && (ts.Released != n || ts.Sealed != 0 || ts.BodyBytes != 0) {
			t.Fatalf("acme counters %+v: want %d released, 0 sealed, 0 body bytes", ts, n)
		}
	}
	journaltest.CheckClean(t, j)
}
