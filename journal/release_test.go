package journal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
)

// seal records one volume holding every unsealed acme message.
func seal(t testing.TB, j *journal.Journal, tenant, label string) journal.Volume {
	t.Helper()
	ms, err := j.Unsealed(ctx, tenant, timeZero, timeZero)
	if err != nil {
		t.Fatal(err)
	}
	v := journal.Volume{Label: label, Tenant: tenant, Period: "2026-03", SetID: label, Index: 1, Count: 1,
		VerifyKey: []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")}
	for _, m := range ms {
		v.Placements = append(v.Placements, journal.Placement{Seq: m.Seq, Path: fmt.Sprintf("MSG/%010d.PGP", m.Seq)})
	}
	if len(ms) > 0 {
		v.FirstSeq, v.LastSeq = ms[0].Seq, ms[len(ms)-1].Seq
	}
	if err := j.RecordSealed(ctx, v); err != nil {
		t.Fatal(err)
	}
	return v
}

func verify(t testing.TB, j *journal.Journal, label, copy string, ok bool, method string) {
	t.Helper()
	if err := j.AddVerification(ctx, label, journal.Verification{Copy: copy, Method: method, OK: ok}); err != nil {
		t.Fatal(err)
	}
}

func TestReleaseRules(t *testing.T) {
	j := newJ(t)
	for i := range 4 {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 1000))
	}
	v := seal(t, j, "acme", "ACME_2026_03_V01")
	if err := j.RecordSealed(ctx, journal.Volume{Label: "OTHER", Tenant: "acme", Placements: v.Placements[:1]}); !errors.Is(err, journal.ErrAlreadySealed) {
		t.Fatalf("sealing twice: %v", err)
	}
	if m, _ := j.Message(ctx, "acme", 2); m.State != journal.Sealed || m.Volume != v.Label || m.Path != "MSG/0000000002.PGP" {
		t.Fatalf("sealed message %+v", m)
	}

	_, err := j.Release(ctx, v.Label, journal.ReleaseOptions{})
	if !errors.Is(err, journal.ErrNotVerified) || !strings.Contains(err.Error(), "0 OK deep") {
		t.Fatalf("release unverified: %v", err)
	}
	verify(t, j, v.Label, "img.iso", false, "deep")
	verify(t, j, v.Label, "img.iso", true, "hash")
	verify(t, j, v.Label, "img.iso", true, "deep")
	verify(t, j, v.Label, "img.iso", true, "deep") // same copy twice counts once
	_, err = j.Release(ctx, v.Label, journal.ReleaseOptions{Copies: 2})
	if !errors.Is(err, journal.ErrNotVerified) || !strings.Contains(err.Error(), "1 OK deep verification(s) of distinct copies, 2 required") {
		t.Fatalf("release with 1 of 2 copies: %v", err)
	}
	verify(t, j, v.Label, "/dev/sr0", true, "deep")
	if err := j.KeepBody(ctx, "acme", 1); err != nil {
		t.Fatal(err)
	}
	res, err := j.Release(ctx, v.Label, journal.ReleaseOptions{Copies: 2, Keep: func(m journal.Message) bool { return m.Seq == 3 }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Released != 2 || res.Kept != 2 || res.BytesFreed != 2000 {
		t.Fatalf("result %+v, want 2 released, 2 kept, 2000 bytes", res)
	}
	for seq, kept := range map[uint64]bool{1: true, 2: false, 3: true, 4: false} {
		m, _ := j.Message(ctx, "acme", seq)
		_, err := j.OpenBody(ctx, "acme", seq)
		if m.State != journal.Released || m.HasBody != kept || (err == nil) != kept {
			t.Fatalf("seq %d: state %s hasBody %v open err %v; want kept=%v", seq, m.State, m.HasBody, err, kept)
		}
		if !kept && !errors.Is(err, journal.ErrReleased) {
			t.Fatalf("seq %d: %v, want ErrReleased", seq, err)
		}
	}
	got, _ := j.Volume(ctx, v.Label)
	if got.VerifyKey != nil || got.Released.IsZero() {
		t.Fatalf("volume after release: key %q released %v", got.VerifyKey, got.Released)
	}
	if _, err := j.Release(ctx, v.Label, journal.ReleaseOptions{}); !errors.Is(err, journal.ErrReleased) {
		t.Fatalf("second release: %v", err)
	}
	ts := status(t, j).Tenants[0]
	if ts.Tenant != "acme" || ts.Journaled != 4 || ts.Released != 4 || ts.Unsealed != 0 || ts.BodyBytes != 2000 || ts.LastVerified != v.Label {
		t.Fatalf("status %+v", ts)
	}
}

func TestReleaseFreedNothingAlarm(t *testing.T) {
	j := newJ(t)
	ingest(t, j, env("a@acme.example", "b@acme.example"), msg(1, 100))
	v := seal(t, j, "acme", "V1")
	verify(t, j, v.Label, "c1", true, "deep")
	// Damage: the body's chunks vanish before release.
	err := j.RawUpdate(func(tx journal.Tx) error {
		c := tx.Cursor(journal.BucketBodies)
		k, _ := c.First()
		return tx.Delete(journal.BucketBodies, append([]byte(nil), k...))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Release(ctx, v.Label, journal.ReleaseOptions{}); err != nil {
		t.Fatal(err)
	}
	if !hasAlarm(status(t, j), "release-freed-nothing") {
		t.Fatal("no release-freed-nothing alarm")
	}
}

func TestHolds(t *testing.T) {
	j := newJ(t)
	h := journal.Hold{Name: "case-1", Query: []byte(`{"subject":"x"}`)}
	if err := j.AddHold(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := j.AddHold(ctx, h); !errors.Is(err, journal.ErrExists) {
		t.Fatalf("dup hold: %v", err)
	}
	hs, _ := j.Holds(ctx)
	if len(hs) != 1 || string(hs[0].Query) != `{"subject":"x"}` || hs[0].By == "" {
		t.Fatalf("holds %+v", hs)
	}
	if err := j.RemoveHold(ctx, "case-1"); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveHold(ctx, "case-1"); !errors.Is(err, journal.ErrNotFound) {
		t.Fatalf("remove missing: %v", err)
	}
}

// Gap 1 of the hardening pass: an OK deep verification of a copy followed
// by a failed (or hash-only) one of the same copy must not count.
func TestReleaseIgnoresStaleOKAfterFailedVerification(t *testing.T) {
	j := newJ(t)
	for i := range 2 {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 1000))
	}
	v := seal(t, j, "acme", "ACME_2026_03_V01")
	verify(t, j, v.Label, "img.iso", true, "deep")
	verify(t, j, v.Label, "img.iso", false, "deep")
	verify(t, j, v.Label, "/dev/sr0", true, "deep")
	verify(t, j, v.Label, "/dev/sr0", true, "hash")
	_, err := j.Release(ctx, v.Label, journal.ReleaseOptions{Copies: 1})
	if !errors.Is(err, journal.ErrNotVerified) || !strings.Contains(err.Error(), "0 OK deep verification(s) of distinct copies, 1 required") {
		t.Fatalf("release after the copies' latest checks failed or were hash-only: %v", err)
	}
	for seq := uint64(1); seq <= 2; seq++ {
		if m, _ := j.Message(ctx, "acme", seq); m.State != journal.Sealed || !m.HasBody {
			t.Fatalf("seq %d after refused release: state %s hasBody %v", seq, m.State, m.HasBody)
		}
	}
	verify(t, j, v.Label, "img.iso", true, "deep") // re-verified: counts again
	res, err := j.Release(ctx, v.Label, journal.ReleaseOptions{Copies: 1})
	if err != nil || res.Released != 2 {
		t.Fatalf("release after a fresh OK deep check: %+v %v", res, err)
	}
}

// TestReleaseCountedCopies: with Counted, only those copies count (each
// once), Kind is stored as given, and a failure recorded for a counted
// copy after the caller counted it stops the release.
func TestReleaseCountedCopies(t *testing.T) {
	j := newJ(t)
	for i := range 3 {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 1000))
	}
	v := seal(t, j, "acme", "ACME_2026_03_V01")
	for _, c := range []journal.Verification{
		{Copy: "/img/a.iso", Kind: "image", Method: "deep", OK: true},
		{Copy: "/img/copy2.iso", Kind: "image", Method: "deep", OK: true},
		{Copy: "disc:ACME_2026_03_V01#1", Kind: "disc", Method: "deep", OK: true},
	} {
		if err := j.AddVerification(ctx, v.Label, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := j.VolumeMeta(ctx, v.Label)
	if err != nil || len(got.Verifications) != 3 || got.Verifications[2].Kind != "disc" || got.Verifications[0].Kind != "image" {
		t.Fatalf("verifications %+v, %v", got.Verifications, err)
	}
	// the caller counted the image once: two copies of three recorded strings
	_, err = j.Release(ctx, v.Label, journal.ReleaseOptions{Copies: 3, Counted: []string{"/img/a.iso", "disc:ACME_2026_03_V01#1"}})
	if !errors.Is(err, journal.ErrNotVerified) || !strings.Contains(err.Error(), "2 OK deep") {
		t.Fatalf("3 copies required, 2 counted: %v", err)
	}
	// a counted copy that is not recorded, or whose latest check failed, does not count
	verify(t, j, v.Label, "disc:ACME_2026_03_V01#1", false, "hash")
	_, err = j.Release(ctx, v.Label, journal.ReleaseOptions{Copies: 2, Counted: []string{"/img/a.iso", "disc:ACME_2026_03_V01#1", "disc:unknown"}})
	if !errors.Is(err, journal.ErrNotVerified) || !strings.Contains(err.Error(), "1 OK deep") {
		t.Fatalf("failed disc counted: %v", err)
	}
	if _, err := j.OpenBody(ctx, "acme", 1); err != nil {
		t.Fatalf("body gone after refusals: %v", err)
	}
	verify(t, j, v.Label, "disc:ACME_2026_03_V01#1", true, "deep")
	r, err := j.Release(ctx, v.Label, journal.ReleaseOptions{Copies: 2, Counted: []string{"/img/a.iso", "disc:ACME_2026_03_V01#1"}})
	if err != nil || r.Released != 3 {
		t.Fatalf("release: %+v %v", r, err)
	}
}
