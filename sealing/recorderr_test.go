package sealing

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestRecordErrorAfterCommitKeepsImages: when RecordSealed reports an
// error although its commit reached the disk (the set is recorded), Seal
// fails loudly but keeps the images the journal now says hold the set,
// and they verify against the journal.
func TestRecordErrorAfterCommitKeepsImages(t *testing.T) {
	f := newFixture(t)
	f.ingest(6, 2000)
	injected := errors.New("injected: fsync reported failure after the write")
	o := f.opts("dvd5")
	var images []string
	o.Fault = func(point string, n int) error {
		if point == FaultRecordErr {
			return injected
		}
		return nil
	}
	res, err := Seal(f.ctx, f.j, o)
	if !errors.Is(err, injected) || !strings.Contains(err.Error(), "images are kept") {
		t.Fatalf("Seal = %v, want the injected error saying the images are kept", err)
	}
	vols, verr := f.j.Volumes(f.ctx, f.tenant)
	if verr != nil || len(vols) != 1 {
		t.Fatalf("journal volumes: %d, %v", len(vols), verr)
	}
	if res != nil {
		for _, im := range res.Images {
			images = append(images, im.Path)
		}
	}
	if len(images) == 0 {
		images = []string{f.out + "/" + vols[0].ImageName}
	}
	for _, p := range images {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("image of the recorded set removed: %v", err)
		}
	}
	if rep := f.verify(true, images...); !rep.OK {
		t.Fatalf("verify --data of the kept image: %s", checks(rep))
	}
}
