package media_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/media"
)

// mixedTree is total bytes (at least) of generated files of 2 KB to 10 MB,
// deterministic, spread over a few directories; nothing is in memory.
func mixedTree(total int64) []media.File {
	r := rand.New(rand.NewPCG(1, 2))
	var files []media.File
	var sum int64
	for i := 0; sum < total; i++ {
		size := 2000 + r.Int64N(10_000_000-2000)
		if i%7 == 0 {
			size = 2000 + r.Int64N(60_000) // many small ones too
		}
		files = append(files, genFile(fmt.Sprintf("D%02d/%08d.BIN", i%13, i), size, uint64(i)))
		sum += size
	}
	return files
}

// TestLongGigabyteImage masters at least 1 GiB of generated content and
// verifies it with our reader and every external reader (contents by
// streaming, not extracting).
func TestLongGigabyteImage(t *testing.T) {
	testtool.Long(t)
	files := mixedTree(1 << 30)
	img, l := master(t, testInfo(), files)
	if l.Sectors()*media.SectorSize < 1<<30 {
		t.Fatalf("image is only %d sectors", l.Sectors())
	}
	w := expect(t, files)
	checkOwnReader(t, img, w)
	externalReaders(t, img, w, nil, false)
}
