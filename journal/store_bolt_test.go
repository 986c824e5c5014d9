package journal_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
)

// rssFile returns RssFile from /proc/self/status in bytes (Linux).
func rssFile(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		testtool.Unavailable(t, "no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "RssFile:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	testtool.Unavailable(t, "no RssFile in /proc/self/status")
	return 0
}

// Reading 64 MiB of bodies through the bbolt mmap leaves them intact
// (every SHA-256 matches while pages are being dropped underneath) and
// does not leave them resident: file-backed RSS grows by far less than the
// bytes read (issue 4: RSS bounded whatever the volume size).
func TestBodyReadsDoNotStayResident(t *testing.T) {
	j := newJ(t)
	const n, size = 64, 1 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[uint64][32]byte{}
	for i := range n {
		raw := msg(i, size)
		for k := 32; k < len(raw); k += 8 {
			raw[k] = byte(rng.Uint32()) // incompressible, distinct
		}
		st := ingest(t, j, env("x@acme.example", "y@acme.example"), raw)
		want[st[0].Seq] = sha256.Sum256(raw)
	}
	before := rssFile(t)
	for seq, sum := range want {
		if got, sz := bodySHA(t, j, "acme", seq); got != sum || sz != size {
			t.Fatalf("acme/%d: read %d bytes, SHA-256 %x; stored %x", seq, sz, got, sum)
		}
	}
	grew := rssFile(t) - before
	t.Logf("read %d MiB of bodies; RssFile grew %d MiB", n*size>>20, grew>>20)
	if grew > n*size/2 {
		t.Fatalf("RssFile grew by %s after reading %d MiB: the mmap pages stay resident", fmt.Sprint(grew>>20, " MiB"), n*size>>20)
	}
}

// A large write transaction (RecordSealed of many messages) re-reads at
// commit, through the mmap, the nodes it changed; fault-around maps 64 KiB
// per page touched (RssFile +32-35 MiB at 40,000 messages, 130 MiB at
// 124,000). Those pages are released while the commit runs: the path runs
// for RecordSealed's transaction, the records read back sealed and every
// body byte-exact afterwards. The peak is logged, not asserted: the
// releases lag the commit's first milliseconds by a scheduling-dependent
// amount (+5 to +36 MiB measured at 40,000 messages on a loaded 2-core
// machine).
func TestLargeCommitReleasesMapping(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 40,000 messages")
	}
	j := newJ(t)
	const n = 40000
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	next := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := j.Ingest(ctx, env("x@acme.example", "y@acme.example"), bytes.NewReader(msg(i, 600))); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	want := map[uint64][32]byte{}
	for i := range n {
		want[uint64(i+1)] = sha256.Sum256(msg(i, 600))
	}
	before := rssFile(t)
	commits := journal.CommitReleases(j)
	stop := make(chan struct{})
	peak := make(chan int64)
	go func() {
		var p int64
		for {
			select {
			case <-stop:
				peak <- p
				return
			default:
			}
			if f := rssFile(t); f > p {
				p = f
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	v := seal(t, j, "acme", "ACME_2026_03_V01")
	close(stop)
	grew := <-peak - before
	t.Logf("RecordSealed of %d messages: RssFile peak %d MiB above the %d MiB before", len(v.Placements), grew>>20, before>>20)
	if len(v.Placements) != n {
		t.Fatalf("%d placements, want %d", len(v.Placements), n)
	}
	if got := journal.CommitReleases(j) - commits; got < 1 {
		t.Fatalf("no commit released the mapping during RecordSealed of %d messages (%d)", n, got)
	}
	seen := map[[32]byte]bool{}
	for seq := uint64(1); seq <= n; seq++ {
		m, err := j.Message(ctx, "acme", seq)
		if err != nil || m.State != journal.Sealed {
			t.Fatalf("message %d: %v %v", seq, m.State, err)
		}
		got, size := bodySHA(t, j, "acme", seq)
		if got != m.SHA256 || size != m.Size {
			t.Fatalf("acme/%d: body %d bytes, SHA-256 %x; record %d, %x", seq, size, got, m.Size, m.SHA256)
		}
		seen[got] = true
	}
	for i, sum := range want {
		if !seen[sum] {
			t.Fatalf("message %d's body is not among those read back", i)
		}
	}
}

// TestOpenDoesNotStayResident: bolt.Open rebuilds the free list by walking
// every page (NoFreelistSync), and with fault-around that maps the whole
// file; serve then stayed resident at the journal's size (264 MiB at
// 20,000 corpus messages) until its next reads released the mapping.
// Open now drops those pages: RssFile after Open grows by far less than
// the file.
func TestOpenDoesNotStayResident(t *testing.T) {
	dir := t.TempDir()
	j := openAcme(t, dir, 600, 96<<10)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir + "/journal.db")
	if err != nil {
		t.Fatal(err)
	}
	before := rssFile(t)
	j, err = journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	grew := rssFile(t) - before
	t.Logf("journal file %d MiB; RssFile grew %d MiB at Open", fi.Size()>>20, grew>>20)
	if grew > fi.Size()/4 {
		t.Fatalf("RssFile grew by %d MiB opening a %d MiB journal: the pages the free-list walk mapped stay resident", grew>>20, fi.Size()>>20)
	}
}
