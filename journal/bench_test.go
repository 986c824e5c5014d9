package journal_test

import (
	"bytes"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

const benchMsgBytes = 20_000 // bytes: the "20 KB messages" of issue 2

// benchAppend commits b.N distinct 20 KB messages from writers goroutines,
// each Commit returning only after fsync.
func benchAppend(b *testing.B, writers int, opts journal.Options) {
	b.SetBytes(benchMsgBytes)
	rate := appendRate(b, b.TempDir(), writers, b.N, opts, b.ResetTimer)
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(rate*benchMsgBytes/1e6, "MB/s")
}

// appendRate commits n distinct 20 KB messages from writers goroutines into
// a new journal in dir and returns the rate in messages per second (wall
// clock, from start() to the last commit).
func appendRate(tb testing.TB, dir string, writers, n int, opts journal.Options, start func()) float64 {
	opts.MinFreeBytes = -1
	j, err := journal.Open(dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	defer j.Close()
	base := bytes.Repeat([]byte("0123456789abcdef"), benchMsgBytes/16) // 20,000 bytes
	var next atomic.Int64
	var wg sync.WaitGroup
	start()
	t0 := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw := append([]byte(nil), base...)
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				copy(raw, fmt.Sprintf("Subject: %d\r\n\r\n", i))
				if _, err := j.Ingest(ctx, env("a@x.example", "b@x.example"), bytes.NewReader(raw)); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds()
}

// BenchmarkAppend: group commit with 1 and 32 concurrent writers.
func BenchmarkAppend(b *testing.B) {
	for _, w := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", w), func(b *testing.B) { benchAppend(b, w, journal.Options{}) })
	}
}

// BenchmarkAppendOneFsyncPerMessage is the baseline: 32 writers, but every
// message gets its own transaction and fsync (MaxBatch 1).
func BenchmarkAppendOneFsyncPerMessage(b *testing.B) {
	benchAppend(b, 32, journal.Options{MaxBatch: 1})
}

// BenchmarkGroupCommitRatio measures the group-commit speed-up over one
// fsync per message. The two are measured alternately, five rounds, and the
// median ratio is reported (metric "x-one-fsync"), so that load from other
// processes on the machine affects both sides alike. Run it once:
//
//	go test -run XXX -bench GroupCommitRatio -benchtime 1x -v ./journal
func BenchmarkGroupCommitRatio(b *testing.B) {
	rate := func(w, n int, o journal.Options) float64 {
		return appendRate(b, b.TempDir(), w, n, o, func() {})
	}
	var ratios, w32s []float64
	for range b.N {
		for round := range 5 {
			one := rate(32, 500, journal.Options{MaxBatch: 1})
			w1 := rate(1, 500, journal.Options{})
			w32 := rate(32, 5000, journal.Options{})
			b.Logf("round %d, 20 KB messages: one fsync per message %.0f msgs/s; group commit writers=1 %.0f msgs/s, writers=32 %.0f msgs/s (%.1f MB/s); ratio %.1fx",
				round+1, one, w1, w32, w32*benchMsgBytes/1e6, w32/one)
			ratios, w32s = append(ratios, w32/one), append(w32s, w32)
		}
	}
	sort.Float64s(ratios)
	sort.Float64s(w32s)
	mid := len(ratios) / 2
	b.Logf("median: writers=32 %.0f msgs/s; ratio to one fsync per message %.1fx (target >= 10x)", w32s[mid], ratios[mid])
	b.ReportMetric(ratios[mid], "x-one-fsync")
	b.ReportMetric(w32s[mid], "msgs/s-32-writers")
}
