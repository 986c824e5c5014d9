package journal_test

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// heapPeak samples runtime.MemStats.HeapInuse every 200 µs while fn runs
// and returns the peak above the value before it (after a GC).
func heapPeak(fn func()) (peak, before uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before = ms.HeapInuse
	stop, out := make(chan struct{}), make(chan uint64)
	go func() {
		var p uint64
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			p = max(p, ms.HeapInuse)
			select {
			case <-stop:
				out <- p
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	fn()
	close(stop)
	p := <-out
	if p < before {
		return 0, before
	}
	return p - before, before
}

// TestRecordSealedMemory records one volume of 500,000 placements (a full
// dvd5 volume of small mail) and reports the Go heap peak of RecordSealed
// above the heap holding the caller's placements, at the GC target sealing
// sets; it fails above 128 MiB (the transaction marking the whole set took
// 238 MiB).
func TestRecordSealedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 500,000 messages")
	}
	const n = 500000
	j := newJ(t)
	recv := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if err := journal.FillJournaled(j, "acme", n, recv); err != nil {
		t.Fatal(err)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(50)) // as `seal` runs (cmd/archiver/gcpercent.go); GOGC moves the peak
	v := journal.Volume{Label: "ACME_202603_V01OF01", Tenant: "acme", Period: "2026-03", SetID: "s", Index: 1, Count: 1,
		FirstSeq: 1, LastSeq: n, VerifyKey: []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")}
	v.Placements = make([]journal.Placement, n)
	for i := range v.Placements {
		v.Placements[i] = journal.Placement{Seq: uint64(i + 1), Path: fmt.Sprintf("MSG/%010d.PGP", i+1)}
	}
	var err error
	start := time.Now()
	peak, before := heapPeak(func() { err = j.RecordSealed(ctx, v) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RecordSealed of %d placements: %v, Go heap (HeapInuse) peak +%.1f MiB above %.1f MiB",
		n, time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20), float64(before)/(1<<20))
	// GC 50: 238 MiB with the whole set marked in one transaction, 35 MiB
	// since (GOGC 100: 334-428 before, 66-103 since; most of what remains
	// is garbage not yet collected: 29 MiB at GOGC 25)
	if peak > 128<<20 {
		t.Errorf("Go heap peak +%d MiB during RecordSealed of %d placements, want < 128 MiB", peak>>20, n)
	}
	v.Placements = nil
	runtime.GC()
	var full journal.Volume
	t0 := time.Now()
	peak, _ = heapPeak(func() { full, err = j.Volume(ctx, v.Label) })
	tFull := time.Since(t0)
	if err != nil || len(full.Placements) != n {
		t.Fatal(len(full.Placements), err)
	}
	full = journal.Volume{}
	count := 0
	t0 = time.Now()
	streamed, _ := heapPeak(func() {
		err = j.Placements(ctx, v.Label, func(journal.Placement) error { count++; return nil })
	})
	if err != nil || count != n {
		t.Fatal(count, err)
	}
	t.Logf("Volume (every placement decoded): Go heap peak +%.1f MiB, %v; Placements (streamed): +%.1f MiB, %v",
		float64(peak)/(1<<20), tFull.Round(time.Millisecond), float64(streamed)/(1<<20), time.Since(t0).Round(time.Millisecond))
	for _, seq := range []uint64{1, n / 2, n} {
		m, err := j.Message(ctx, "acme", seq)
		if err != nil || m.State != journal.Sealed || m.Volume != v.Label {
			t.Fatalf("message %d: %v %v", seq, m.State, err)
		}
	}
}

// TestPlacementsStreams: Placements yields what Volume decodes, in order,
// over several pages, also when the record is rewritten between pages
// (a verification added), and VolumeMeta is Volume without them.
func TestPlacementsStreams(t *testing.T) {
	j := newJ(t)
	const n = 700
	if err := journal.FillJournaled(j, "acme", n, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	v := journal.Volume{Label: "V1", Tenant: "acme", Period: "2026-03", FirstSeq: 1, LastSeq: n - 1,
		Verifications: []journal.Verification{{Copy: "self", Method: "deep", OK: true}}}
	for i := n - 1; i >= 1; i-- { // not in seq order; odd paths
		v.Placements = append(v.Placements, journal.Placement{Seq: uint64(i), Path: fmt.Sprintf("MSG/%d\"}]<é>,{%d", i, i)})
	}
	empty := journal.Volume{Label: "V0", Tenant: "acme"}
	if err := j.RecordSealed(ctx, v, empty); err != nil {
		t.Fatal(err)
	}
	for _, want := range []journal.Volume{v, empty} {
		full, err := j.Volume(ctx, want.Label)
		if err != nil {
			t.Fatal(err)
		}
		meta, err := j.VolumeMeta(ctx, want.Label)
		if err != nil || meta.Placements != nil || meta.Label != full.Label || meta.LastSeq != full.LastSeq || len(meta.Verifications) != len(full.Verifications) {
			t.Fatalf("meta %+v %v", meta, err)
		}
		var got []journal.Placement
		err = j.Placements(ctx, want.Label, func(p journal.Placement) error {
			if len(got) == 300 { // rewrites the record between two pages
				if err := j.AddVerification(ctx, want.Label, journal.Verification{Copy: "disc", Method: "deep", OK: true}); err != nil {
					return err
				}
			}
			got = append(got, p)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want.Placements) || len(full.Placements) != len(want.Placements) {
			t.Fatalf("%s: %d placements streamed, %d decoded, %d recorded", want.Label, len(got), len(full.Placements), len(want.Placements))
		}
		for i := range got {
			if got[i] != want.Placements[i] || full.Placements[i] != want.Placements[i] {
				t.Fatalf("%s placement %d: %+v / %+v, want %+v", want.Label, i, got[i], full.Placements[i], want.Placements[i])
			}
		}
	}
	if err := j.Placements(ctx, "NONE", func(journal.Placement) error { return nil }); !errors.Is(err, journal.ErrNotFound) {
		t.Fatalf("unknown label: %v", err)
	}
}
