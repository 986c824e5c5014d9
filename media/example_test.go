package media_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/archiver/archiver/media"
)

func Example() {
	info := media.VolumeInfo{VolumeID: "ACME_2026_11_1", VolumeSetID: "ACME_2026_11", SetSize: 1, SeqNum: 1,
		Recorded: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)}
	text := func(s string) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
	}
	files := []media.File{
		{Path: "README.TXT", Size: 6, Open: text("hello\n")},
		{Path: "MSG/0000000001.PGP", Size: 3, Open: text("pgp")},
	}
	// Pack: the planner says the exact size before anything is written.
	p := media.NewPlanner(info)
	for _, f := range files {
		if err := p.Add(f.Path, f.Size); err != nil {
			panic(err)
		}
	}
	cd, _ := media.ParseProfile("cd700")
	fmt.Println("fits on cd700:", media.CheckCapacity(p.Sectors(), cd) == nil)

	l, err := media.Plan(info, files)
	if err != nil {
		panic(err)
	}
	var img bytes.Buffer
	n, _ := l.WriteTo(&img)
	fmt.Println("sectors:", l.Sectors(), "planner:", p.Sectors(), "bytes:", n)

	im, _ := media.OpenImage(bytes.NewReader(img.Bytes()))
	es, _ := im.Files()
	fmt.Println(im.VolumeID(), es)
	// Output:
	// fits on cd700: true
	// sectors: 29 planner: 29 bytes: 59392
	// ACME_2026_11_1 [{MSG/0000000001.PGP 3} {README.TXT 6}]
}
