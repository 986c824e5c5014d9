package journal_test

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
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
