package media_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/archiver/archiver/media"
)

// zeros is an endless reader that costs nothing, so the benchmark measures
// mastering itself.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
func (zeros) Close() error               { return nil }

// BenchmarkWriteTo masters 64 MiB in 1,000 files to io.Discard.
func BenchmarkWriteTo(b *testing.B) {
	var files []media.File
	var total int64
	for i := range 1000 {
		size := int64(2000 + (i*7919)%130000)
		total += size
		files = append(files, media.File{Path: fmt.Sprintf("MSG/%010d.PGP", i), Size: size,
			Open: func() (io.ReadCloser, error) {
				return struct {
					io.Reader
					io.Closer
				}{io.LimitReader(zeros{}, size), zeros{}}, nil
			}})
	}
	b.SetBytes(total)
	for b.Loop() {
		l, err := media.Plan(testInfo(), files)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlannerAdd100k packs 100,000 files the way the sealer does
// (With, then Add, in sequence order); ns/op is per 100k files.
func BenchmarkPlannerAdd100k(b *testing.B) {
	paths := make([]string, 100_000)
	for i := range paths {
		paths[i] = fmt.Sprintf("MSG/%010d.PGP", i)
	}
	for b.Loop() {
		p := media.NewPlanner(testInfo())
		for i, path := range paths {
			if _, err := p.With(path, int64(i%50000)); err != nil {
				b.Fatal(err)
			}
			if err := p.Add(path, int64(i%50000)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPlan100k plans 100,000 files in one pass.
func BenchmarkPlan100k(b *testing.B) {
	files := make([]media.File, 100_000)
	for i := range files {
		files[i] = media.File{Path: fmt.Sprintf("MSG/%010d.PGP", i), Size: int64(i % 50000)}
	}
	for b.Loop() {
		if _, err := media.Plan(testInfo(), files); err != nil {
			b.Fatal(err)
		}
	}
}
