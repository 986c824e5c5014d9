package catalog

import (
	"bytes"
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// Benchmarks (figures in docs/catalog.md). Sizes come from the environment
// so the same code measures 20k messages in a minute or 1M in hours:
//
//	CATALOG_BENCH_N=200000 CATALOG_BENCH_DIR=/var/tmp/cat200k \
//	  go test ./journal/catalog -run '^$' -bench 'Catalog' -benchtime 1x
//
// CATALOG_BENCH_DIR keeps the built index between runs (it is reused when
// its Rev equals N); without it a temporary directory is used.

func benchN() uint64 {
	if n, err := strconv.ParseUint(os.Getenv("CATALOG_BENCH_N"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 20000
}

var benchBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// benchCatalog opens (building when needed) the shared benchmark index.
func benchCatalog(b *testing.B) (*Catalog, *genSource) {
	b.Helper()
	n := benchN()
	dir := os.Getenv("CATALOG_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "catalog")
	}
	src := &genSource{n: n, base: benchBase}
	c, err := Open(dir, src)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if rev, _ := c.Rev(); rev != n {
		start := time.Now()
		if err := c.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.Logf("indexed %d messages in %v (%.0f msgs/s)", n-rev, time.Since(start), float64(n-rev)/time.Since(start).Seconds())
	}
	return c, src
}

func dirBytes(dir string) int64 {
	var total int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			total += fi.Size()
		}
		return nil
	})
	return total
}

// BenchmarkCatalogBuild indexes N synthetic messages into a new catalog
// and reports messages per second and catalog bytes per message.
func BenchmarkCatalogBuild(b *testing.B) {
	n := benchN()
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), "catalog")
		c, err := Open(dir, &genSource{n: n, base: benchBase})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := c.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		c.Close()
		b.ReportMetric(float64(n)/el.Seconds(), "msgs/s")
		b.ReportMetric(float64(dirBytes(dir))/float64(n), "bytes/msg")
	}
}

// latencies runs q b.N times over generated queries and reports p50/p99
// (milliseconds) and the median number of hits. Latency is Keys: the
// catalog's own cost, without fetching journal records.
func latencies(b *testing.B, c *Catalog, next func(r *rand.Rand) Query) {
	r := rand.New(rand.NewSource(42))
	var d []time.Duration
	var hits []int
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := next(r)
		start := time.Now()
		keys, err := c.Keys(ctx, q)
		d = append(d, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		hits = append(hits, len(keys))
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	sort.Ints(hits)
	pct := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))]) / 1e6 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(hits[len(hits)/2]), "median-hits")
}

// BenchmarkCatalogMetaQuery: a custodian (Zipf-chosen address, as sender
// or recipient) within a 30-day Date window.
func BenchmarkCatalogMetaQuery(b *testing.B) {
	c, _ := benchCatalog(b)
	latencies(b, c, func(r *rand.Rand) Query {
		z := rand.NewZipf(r, 1.1, 2, genUsers-1)
		from := benchBase.Add(time.Duration(r.Intn(335)) * 24 * time.Hour)
		q := Query{After: from, Before: from.Add(30 * 24 * time.Hour)}
		if r.Intn(2) == 0 {
			q.From = []string{genAddr(z.Uint64())}
		} else {
			q.To = []string{genAddr(z.Uint64())}
		}
		return q
	})
}

// BenchmarkCatalogFullText: two words of middling frequency (vocabulary
// ranks 100–5,000), both required, anywhere in subject, body or names.
func BenchmarkCatalogFullText(b *testing.B) {
	c, _ := benchCatalog(b)
	v := genVocabulary()
	latencies(b, c, func(r *rand.Rand) Query {
		return Query{Text: v[100+r.Intn(4900)] + " " + v[100+r.Intn(4900)]}
	})
}

// BenchmarkCatalogPhrase: a two-word phrase of frequent words (ranks 10–200).
func BenchmarkCatalogPhrase(b *testing.B) {
	c, _ := benchCatalog(b)
	v := genVocabulary()
	latencies(b, c, func(r *rand.Rand) Query {
		return Query{Text: `"` + v[10+r.Intn(190)] + " " + v[10+r.Intn(190)] + `"`}
	})
}

// BenchmarkIngestIndexingRatio measures journal ingest (16 concurrent
// writers, generated ~2 KB messages, CATALOG_BENCH_INGEST of them, default
// 2,000) alone, then with the catalog's Run indexing concurrently, and
// reports the throughput ratio (with/without; 1.0 = no cost) and how long
// the catalog took to catch up after the last commit.
func BenchmarkIngestIndexingRatio(b *testing.B) {
	m := 2000
	if v, err := strconv.Atoi(os.Getenv("CATALOG_BENCH_INGEST")); err == nil && v > 0 {
		m = v
	}
	g := &genSource{n: uint64(m), base: benchBase}
	raws := make([][]byte, m)
	for i := range raws {
		raws[i] = g.gen(uint64(i+1), true).raw
	}
	for i := 0; i < b.N; i++ {
		without, _ := ingestRun(b, raws, false)
		with, catchUp := ingestRun(b, raws, true)
		b.ReportMetric(float64(m)/without.Seconds(), "msgs/s-plain")
		b.ReportMetric(float64(m)/with.Seconds(), "msgs/s-indexing")
		b.ReportMetric(without.Seconds()/with.Seconds(), "ratio")
		b.ReportMetric(float64(catchUp)/1e6, "catchup-ms")
	}
}

func ingestRun(b *testing.B, raws [][]byte, index bool) (ingest, catchUp time.Duration) {
	dir := b.TempDir()
	j, err := journal.Open(filepath.Join(dir, "journal"), journal.Options{MinFreeBytes: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var c *Catalog
	done := make(chan struct{})
	if index {
		if c, err = Open(filepath.Join(dir, "catalog"), j); err != nil {
			b.Fatal(err)
		}
		go func() { c.Run(ctx); close(done) }()
	}
	env := journal.Envelope{MailFrom: "a@dom1.example", RcptTo: []string{"b@dom2.example"}, Protocol: "smtp"}
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan []byte)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for raw := range work {
				if _, err := j.Ingest(context.Background(), env, bytes.NewReader(raw)); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for _, r := range raws {
		work <- r
	}
	close(work)
	wg.Wait()
	ingest = time.Since(start)
	if index {
		cancel()
		<-done
		t := time.Now()
		if err := c.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		catchUp = time.Since(t)
		c.Close()
	}
	cancel()
	return ingest, catchUp
}

// BenchmarkCatalogAll: the empty query (every message), the worst case
// for result paging.
func BenchmarkCatalogAll(b *testing.B) {
	c, _ := benchCatalog(b)
	latencies(b, c, func(*rand.Rand) Query { return Query{} })
}
