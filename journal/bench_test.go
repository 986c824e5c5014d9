package journal_test

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/archiver/archiver/journal"
)

const benchMsgBytes = 20_000 // bytes: the "20 KB messages" of issue 2

// benchAppend commits b.N distinct 20 KB messages from writers goroutines,
// each Commit returning only after fsync.
func benchAppend(b *testing.B, writers int, opts journal.Options) {
	opts.MinFreeBytes = -1
	j, err := journal.Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	base := bytes.Repeat([]byte("0123456789abcdef"), benchMsgBytes/16) // 20,000 bytes
	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(benchMsgBytes)
	b.ResetTimer()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw := append([]byte(nil), base...)
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				copy(raw, fmt.Sprintf("Subject: %d\r\n\r\n", i))
				if _, err := j.Ingest(ctx, env("a@x.example", "b@x.example"), bytes.NewReader(raw)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/s, "msgs/s")
	b.ReportMetric(float64(b.N)*benchMsgBytes/s/1e6, "MB/s")
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

// TestGroupCommitRatio prints the group-commit speed-up over one fsync per
// message. The two are measured alternately, five rounds, and the median
// ratio is reported, so that load from other processes on the machine
// affects both sides alike. It runs only with JOURNAL_BENCH=1:
//
//	JOURNAL_BENCH=1 go test -run TestGroupCommitRatio -v ./journal
func TestGroupCommitRatio(t *testing.T) {
	if os.Getenv("JOURNAL_BENCH") != "1" {
		t.Skip("set JOURNAL_BENCH=1 to measure group commit against one fsync per message")
	}
	rate := func(w int, o journal.Options) float64 {
		r := testing.Benchmark(func(b *testing.B) { benchAppend(b, w, o) })
		return float64(r.N) / r.T.Seconds()
	}
	var ratios, w32s []float64
	for round := range 5 {
		one := rate(32, journal.Options{MaxBatch: 1})
		w1 := rate(1, journal.Options{})
		w32 := rate(32, journal.Options{})
		t.Logf("round %d, 20 KB messages: one fsync per message %.0f msgs/s; group commit writers=1 %.0f msgs/s, writers=32 %.0f msgs/s (%.1f MB/s); ratio %.1fx",
			round+1, one, w1, w32, w32*benchMsgBytes/1e6, w32/one)
		ratios, w32s = append(ratios, w32/one), append(w32s, w32)
	}
	sort.Float64s(ratios)
	sort.Float64s(w32s)
	t.Logf("median: writers=32 %.0f msgs/s; ratio to one fsync per message %.1fx (target >= 10x)", w32s[2], ratios[2])
}
