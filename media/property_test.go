package media_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/archiver/archiver/media"
)

// randomName draws a component: mostly ISO-safe, sometimes needing the
// primary mapping (lower case, dots, spaces, non-ASCII), lengths up to the
// limits.
func randomName(r *rand.Rand, dir bool) string {
	const safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
	const other = "abcxyz .-+é日本"
	alpha := safe
	if r.IntN(4) == 0 {
		alpha = safe + other
	}
	rs := []rune(alpha)
	n := 1 + r.IntN(12)
	if r.IntN(8) == 0 {
		n = 20 + r.IntN(11) // near 30/31
	}
	var b strings.Builder
	for range n {
		b.WriteRune(rs[r.IntN(len(rs))])
	}
	s := b.String()
	if !dir && r.IntN(2) == 0 && len(s) < 27 {
		s += "." + []string{"PGP", "TXT", "ASC", "json"}[r.IntN(4)]
	}
	return s
}

// randomTree draws up to n files over a few directories, skipping paths
// the planner refuses (collisions are possible with random names).
func randomTree(r *rand.Rand, n int) []media.File {
	var dirs []string
	for range 1 + r.IntN(6) {
		depth := r.IntN(media.MaxDepth)
		parts := make([]string, depth)
		for i := range parts {
			parts[i] = randomName(r, true)
		}
		dirs = append(dirs, strings.Join(parts, "/"))
	}
	var files []media.File
	p := media.NewPlanner(testInfo())
	for i := range n {
		d := dirs[r.IntN(len(dirs))]
		path := randomName(r, false)
		if d != "" {
			path = d + "/" + path
		}
		size := int64(r.IntN(3 * media.SectorSize))
		if r.IntN(5) == 0 {
			size = int64(r.IntN(3)) * media.SectorSize
		}
		if p.Add(path, size) != nil {
			continue
		}
		files = append(files, genFile(path, size, uint64(i)))
	}
	return files
}

func TestPropertyPlannedSizeIsWrittenSize(t *testing.T) {
	total, mapped := 0, 0
	defer func() {
		if total < 3000 || mapped < 100 {
			t.Errorf("generator too weak: %d files, %d needing name mapping", total, mapped)
		}
	}()
	for seed := range uint64(150) {
		r := rand.New(rand.NewPCG(seed, 42))
		n := r.IntN(60)
		if seed%10 == 0 {
			n = 400 + r.IntN(400) // multi-sector directories
		}
		files := randomTree(r, n)
		total += len(files)
		for _, f := range files {
			if f.Path != strings.ToUpper(f.Path) || strings.ContainsAny(f.Path, " -+") {
				mapped++
			}
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			l, err := media.Plan(testInfo(), files)
			if err != nil {
				t.Fatalf("Plan refused a tree the Planner accepted: %v", err)
			}
			var buf bytes.Buffer
			if _, err := l.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			if int64(buf.Len()) != l.Sectors()*media.SectorSize {
				t.Fatalf("planned %d sectors, wrote %d bytes", l.Sectors(), buf.Len())
			}
			im, err := media.OpenImage(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			listedByKdomanski(t, im, files)
			// The Planner, fed in a shuffled order, agrees after every Add.
			p := media.NewPlanner(testInfo())
			order := r.Perm(len(files))
			var added []media.File
			for k, i := range order {
				f := files[i]
				with, err := p.With(f.Path, f.Size)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Add(f.Path, f.Size); err != nil {
					t.Fatal(err)
				}
				if p.Sectors() != with {
					t.Fatalf("With said %d, Sectors after Add %d", with, p.Sectors())
				}
				added = append(added, f)
				if k%17 == 0 || k == len(order)-1 {
					lp, err := media.Plan(testInfo(), added)
					if err != nil {
						t.Fatal(err)
					}
					if lp.Sectors() != p.Sectors() {
						t.Fatalf("after %d files Plan says %d sectors, Planner %d", len(added), lp.Sectors(), p.Sectors())
					}
				}
			}
			if len(files) == 0 && p.Sectors() != l.Sectors() {
				t.Fatalf("empty: Plan %d, Planner %d", l.Sectors(), p.Sectors())
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	files := randomTree(r, 200)
	a, _ := master(t, testInfo(), files)
	// Same files in reverse order: the image must not depend on input order.
	rev := make([]media.File, len(files))
	for i, f := range files {
		rev[len(files)-1-i] = f
	}
	b, _ := master(t, testInfo(), rev)
	if sa, sb := fileSum(t, a), fileSum(t, b); sa != sb {
		t.Fatalf("two masterings differ: %x vs %x", sa, sb)
	}
}

func TestSizeChanged(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		size int64
	}{{"short", "abc", 4}, {"long", "abcde", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			f := memFile("A.TXT", []byte(tc.data))
			f.Size = tc.size
			l, err := media.Plan(testInfo(), []media.File{f})
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.WriteTo(io.Discard)
			if !errors.Is(err, media.ErrSizeChanged) {
				t.Fatalf("WriteTo = %v, want ErrSizeChanged", err)
			}
		})
	}
}
