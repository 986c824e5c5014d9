package media_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/archiver/archiver/media"
)

// sealerList is a FileList shaped like a sealed volume: n message files
// in shards of 1,000 (MSG/DDDDDDD/NNNNNNNNNN.PGP), paths made on demand,
// each file's bytes derived from its index, and one file at the root.
type sealerList struct{ n int }

func (l sealerList) Len() int { return l.n + 1 }

func (l sealerList) File(i int) media.File {
	if i == l.n {
		return memFile("README.TXT", []byte("read me\n"))
	}
	data := []byte(fmt.Sprintf("message %d\n", i))
	return media.File{Path: fmt.Sprintf("MSG/%07d/%010d.PGP", i/1000, i), Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func (l sealerList) slice() []media.File {
	out := make([]media.File, l.Len())
	for i := range out {
		out[i] = l.File(i)
	}
	return out
}

// heapInUse is the live heap after a collection, in bytes.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// A layout planned from a FileList keeps a few bytes per file, not the
// files: what a seal of a full disc holds while mastering (issue 4: peak
// memory bounded whatever the volume size). The image is the one Plan
// makes from the same files as a []File.
func TestPlanListMemoryPerFile(t *testing.T) {
	const n = 100_000
	l := sealerList{n}
	before := heapInUse()
	layout, err := media.PlanList(testInfo(), l)
	if err != nil {
		t.Fatal(err)
	}
	per := float64(heapInUse()-before) / n
	runtime.KeepAlive(layout)
	t.Logf("PlanList of %d files: %.1f bytes per file", n, per)
	if per > 32 {
		t.Errorf("PlanList keeps %.1f bytes per file, want at most 32", per)
	}
	sum := func(lay *media.Layout) [32]byte {
		h := sha256.New()
		if _, err := lay.WriteTo(h); err != nil {
			t.Fatal(err)
		}
		return [32]byte(h.Sum(nil))
	}
	fromSlice, err := media.Plan(testInfo(), l.slice())
	if err != nil {
		t.Fatal(err)
	}
	if sum(layout) != sum(fromSlice) {
		t.Fatal("PlanList and Plan of the same files give different images")
	}
}

// The Planner keeps a few bytes per file while files arrive in sorted
// order (the sealer packing a volume), and the same size as before when a
// directory later gets a file out of order.
func TestPlannerMemoryPerFile(t *testing.T) {
	const n = 100_000
	l := sealerList{n}
	before := heapInUse()
	p := media.NewPlanner(testInfo())
	for i := range n {
		if err := p.Add(l.File(i).Path, l.File(i).Size); err != nil {
			t.Fatal(err)
		}
	}
	per := float64(heapInUse()-before) / n
	t.Logf("Planner of %d files added in order: %.1f bytes per file", n, per)
	if per > 48 {
		t.Errorf("Planner keeps %.1f bytes per file, want at most 48", per)
	}
	if err := p.Add(l.File(n).Path, l.File(n).Size); err != nil {
		t.Fatal(err)
	}
	layout, err := media.Plan(testInfo(), l.slice())
	if err != nil {
		t.Fatal(err)
	}
	if p.Sectors() != layout.Sectors() {
		t.Fatalf("Planner %d sectors, Plan %d", p.Sectors(), layout.Sectors())
	}
	// out of order in a shard: that directory goes full, sizes still agree
	q := media.NewPlanner(testInfo())
	files := l.slice()
	files[5], files[1500] = files[1500], files[5]
	files[7], files[9] = files[9], files[7]
	for _, f := range files {
		if err := q.Add(f.Path, f.Size); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Add(files[3].Path, 1); err == nil {
		t.Fatal("a path added twice was accepted")
	}
	if q.Sectors() != layout.Sectors() {
		t.Fatalf("shuffled Planner %d sectors, Plan %d", q.Sectors(), layout.Sectors())
	}
}

// emptyList is sealerList with every file empty: an image of directories
// only, quick to write for many files.
type emptyList struct{ sealerList }

func (l emptyList) File(i int) media.File {
	f := l.sealerList.File(i)
	f.Size, f.Open = 0, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(nil)), nil }
	return f
}

// The reader's index of an image holds a path and an extent per file;
// every file still opens by its path.
func TestImageIndexMemory(t *testing.T) {
	const n = 50_000
	layout, err := media.PlanList(testInfo(), emptyList{sealerList{n}})
	if err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if _, err := layout.WriteTo(&img); err != nil {
		t.Fatal(err)
	}
	im, err := media.OpenImage(bytes.NewReader(img.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	before := heapInUse()
	if _, err := im.Open("README.TXT"); err != nil { // loads the index
		t.Fatal(err)
	}
	per := float64(heapInUse()-before) / n
	runtime.KeepAlive(im)
	t.Logf("image index of %d files: %.1f bytes per file", n, per)
	if per > 96 {
		t.Errorf("the image index keeps %.1f bytes per file, want at most 96", per)
	}
	fs, err := im.Files()
	if err != nil || len(fs) != n+1 {
		t.Fatalf("Files: %d, %v", len(fs), err)
	}
	for _, i := range []int{0, 999, 1000, n - 1} {
		p := emptyList{sealerList{n}}.File(i).Path
		if _, err := im.Open(p); err != nil {
			t.Fatalf("open %s: %v", p, err)
		}
	}
	if _, err := im.Open("MSG/0000000/0000000000.PG"); !errors.Is(err, media.ErrNotFound) {
		t.Fatalf("open of a missing path: %v", err)
	}
}
