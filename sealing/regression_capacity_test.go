package sealing

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
)

// variedMessage is message i of 300–6,000 bytes, the same bytes in every
// run (seeded by i).
func variedMessage(i int) []byte {
	rng := rand.New(rand.NewPCG(10, uint64(i)))
	words := []string{"budget", "falcon", "meeting", "contract", "invoice", "the", "of", "and", "quarterly", "review"}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: bob@other.example\r\nTo: alice@acme.example\r\nSubject: varied %d\r\nMessage-ID: <varied.%d@x>\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\n", i, i)
	size := 300 + rng.IntN(5700)
	for b.Len() < size {
		if rng.IntN(4) == 0 {
			fmt.Fprintf(&b, "%016x ", rng.Uint64()) // incompressible
		} else {
			b.WriteString(words[rng.IntN(len(words))] + " ")
		}
	}
	return b.Bytes()
}

// ingestVaried stores variedMessage 0…n-1 in that order (so two fixtures
// seal to the same sizes), or with workers goroutines at once, in any
// order but faster (the journal commits them in batches).
func (f *fixture) ingestVaried(n, workers int) {
	f.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, err := f.j.Ingest(f.ctx, journal.Envelope{MailFrom: "bob@other.example", RcptTo: []string{"alice@acme.example"}, Protocol: "smtp"}, bytes.NewReader(variedMessage(i)))
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		f.t.Fatal(err)
	}
}

// fill seals the fixture's messages onto a medium of sectors sectors and
// checks every image: never over capacity (its size on disk and its
// ISO Volume Space Size), and every volume but the last wasting no more
// than the message that did not fit (its file on the next volume) plus
// 1% of the medium. It returns each image's size in sectors.
func (f *fixture) fill(sectors int64) []int64 {
	f.t.Helper()
	o := f.opts(fmt.Sprint(sectors))
	o.OutDir = f.t.(*testing.T).TempDir()
	res, err := Seal(f.ctx, f.j, o)
	if err != nil {
		f.t.Fatalf("seal onto %d sectors: %v", sectors, err)
	}
	var out []int64
	for i, im := range res.Images {
		fi, err := os.Stat(im.Path)
		if err != nil {
			f.t.Fatal(err)
		}
		if fi.Size()%media.SectorSize != 0 {
			f.t.Fatalf("%s: %d bytes, not whole sectors", im.Label, fi.Size())
		}
		secs := fi.Size() / media.SectorSize
		if vs := volumeSpaceSize(f.t.(*testing.T), im.Path); vs != secs {
			f.t.Fatalf("%s: Volume Space Size %d, file %d sectors", im.Label, vs, secs)
		}
		out = append(out, secs)
		if secs > sectors {
			f.t.Errorf("%s: %d sectors on a %d-sector medium", im.Label, secs, sectors)
		}
		if i == len(res.Images)-1 {
			continue
		}
		next := res.Images[i+1]
		r, err := OpenVolume(next.Path)
		if err != nil {
			f.t.Fatal(err)
		}
		var need int64 = -1
		for _, tf := range r.Volume().Files() {
			if tf.Path == format.MessagePath(next.FirstSeq) {
				need = (tf.Size + media.SectorSize - 1) / media.SectorSize
			}
		}
		r.Close()
		if need < 0 {
			f.t.Fatalf("%s: no %s", next.Label, format.MessagePath(next.FirstSeq))
		}
		if waste, limit := sectors-secs, need+sectors/100; waste > limit {
			f.t.Errorf("%s: %d of %d sectors (%.1f%%): %d wasted, more than the next message's %d + 1%% of the medium",
				im.Label, secs, sectors, 100*float64(secs)/float64(sectors), waste, need)
		}
	}
	if f.t.Failed() {
		f.t.Logf("images on %d sectors: %v", sectors, out)
	}
	return out
}

// volumeSpaceSize reads the Volume Space Size of the primary volume
// descriptor (ECMA-119 §8.4.8: BP 81–84, both-byte order; sector 16).
func volumeSpaceSize(t *testing.T, path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 17*media.SectorSize {
		t.Fatalf("%s: %v", path, err)
	}
	p := b[16*media.SectorSize:]
	return int64(p[80]) | int64(p[81])<<8 | int64(p[82])<<16 | int64(p[83])<<24
}

// Issue 10, Capacity: the planner reserved the uncompressed index size for
// INDEX.PGP (and fixed allowances for the other metadata files), so small
// media were packed to 80–88% (a 491-sector medium got 432-sector images).
// Volumes are now packed on the exact size of every metadata file as it
// would be if the volume closed now.
func TestCapacityWastesAtMostTheNextMessage(t *testing.T) {
	for _, c := range []struct{ sectors, messages int64 }{{491, 1000}, {2048, 3400}} {
		sectors := c.sectors
		t.Run(fmt.Sprint(sectors), func(t *testing.T) {
			f := newFixture(t)
			f.ingestVaried(int(c.messages), 16)
			imgs := f.fill(sectors)
			if len(imgs) < 3 {
				t.Fatalf("%d images, want at least two full ones", len(imgs))
			}
			t.Logf("%d sectors: images %v", sectors, imgs)
		})
	}
	// exactly full: a medium the size of a volume the packer made holds
	// that volume again, to the last sector
	t.Run("exact", func(t *testing.T) {
		f := newFixture(t)
		f.ingestVaried(320, 1)
		first := f.fill(400)[0]
		g := newFixture(t)
		g.ingestVaried(320, 1)
		imgs := g.fill(first)
		if imgs[0] != first {
			t.Fatalf("on a medium of %d sectors the first image has %d", first, imgs[0])
		}
		t.Logf("%d sectors: images %v", first, imgs)
	})
}
