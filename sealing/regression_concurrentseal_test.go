package sealing

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestConcurrentSealsKeepRecordedImages (bug: two seals of one tenant and
// period at once — a forwarded `seal` while `run` seals, both in serve —
// chose the same image names; the second removed the first's image as
// stale, and the loser's cleanup removed the image the winner had
// recorded: a volume recorded as sealed with no image left). A second seal
// into the same OutDir now fails at once with ErrSealInProgress and
// touches nothing.
func TestConcurrentSealsKeepRecordedImages(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 2000)
	var second error
	o := f.opts("dvd5")
	o.Fault = func(point string, n int) error {
		if point == FaultVerified { // the first seal has verified its image, and not recorded it yet
			_, second = Seal(f.ctx, f.j, f.opts("dvd5"))
		}
		return nil
	}
	_, first := Seal(f.ctx, f.j, o)
	t.Logf("first seal: %v; second seal: %v", first, second)
	if first != nil {
		t.Fatalf("first seal: %v", first)
	}
	var inProgress *SealInProgressError
	if !errors.Is(second, ErrSealInProgress) || !errors.As(second, &inProgress) || inProgress.OutDir != f.out {
		t.Fatalf("second seal: err = %v, want ErrSealInProgress naming %s", second, f.out)
	}
	vols, err := f.j.Volumes(f.ctx, f.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(vols) != 1 {
		t.Fatalf("%d volumes recorded, want 1", len(vols))
	}
	path := f.out + "/" + vols[0].ImageName
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("volume %s recorded as sealed, its image is gone: %v", vols[0].Label, err)
	}
	if rep := f.verify(true, path); !rep.OK {
		t.Fatalf("recorded image does not verify: %s", checks(rep))
	}
	// the lock was released: the next seal runs (and finds nothing to seal)
	if res, err := Seal(f.ctx, f.j, f.opts("dvd5")); err != nil || !res.Empty {
		t.Fatalf("seal after the first finished: %+v, %v; want an empty result", res, err)
	}
}

// TestConcurrentSealsInOtherOutDirs: two seals of the same messages into
// different OutDirs are not locked against each other; the journal
// records one set, and the other seal removes only its own images.
func TestConcurrentSealsInOtherOutDirs(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 2000)
	other := t.TempDir()
	var second error
	o := f.opts("dvd5")
	o.Fault = func(point string, n int) error {
		if point == FaultVerified {
			o2 := f.opts("dvd5")
			o2.OutDir = other
			_, second = Seal(f.ctx, f.j, o2)
		}
		return nil
	}
	_, first := Seal(f.ctx, f.j, o)
	t.Logf("first seal: %v; second seal: %v", first, second)
	if first == nil || second != nil {
		t.Fatalf("first seal: %v, second seal: %v; want the first refused at record", first, second)
	}
	vols, err := f.j.Volumes(f.ctx, f.tenant)
	if err != nil || len(vols) != 1 {
		t.Fatalf("%d volumes recorded (%v), want 1", len(vols), err)
	}
	if rep := f.verify(true, filepath.Join(other, vols[0].ImageName)); !rep.OK {
		t.Fatalf("recorded image does not verify: %s", checks(rep))
	}
	if left, _ := filepath.Glob(filepath.Join(f.out, "*.iso*")); len(left) != 0 {
		t.Fatalf("the refused seal left images: %v", left)
	}
}

// TestFailedSealKeepsImagesItDidNotWrite: a seal that fails removes its
// images only while they are still the files it wrote; an image another
// writer put under the same name stays.
func TestFailedSealKeepsImagesItDidNotWrite(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 2000)
	var path string
	o := f.opts("dvd5")
	o.Fault = func(point string, n int) error {
		if point != FaultVerified {
			return nil
		}
		isos, _ := filepath.Glob(filepath.Join(f.out, "*.iso"))
		if len(isos) != 1 {
			t.Fatalf("images before record: %v", isos)
		}
		path = isos[0]
		tmp := path + ".other"
		if err := os.WriteFile(tmp, []byte("another writer's image"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		return ErrFault
	}
	if _, err := Seal(f.ctx, f.j, o); !errors.Is(err, ErrFault) {
		t.Fatalf("seal: %v, want ErrFault", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "another writer's image" {
		t.Fatalf("the failed seal removed or changed an image it did not write: %q, %v", b, err)
	}
}

// TestOutDirLock: one holder at a time, the lock file is gone after
// release, and a descriptor of a removed lock file does not count as
// holding the lock.
func TestOutDirLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockOutDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockOutDir(dir); !errors.Is(err, ErrSealInProgress) {
		t.Fatalf("second lock: %v, want ErrSealInProgress", err)
	}
	unlock()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left in OutDir after unlock: %v", ents)
	}
	unlock, err = lockOutDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	defer unlock()
	if _, err := lockOutDir(dir); !errors.Is(err, ErrSealInProgress) {
		t.Fatalf("lock while held again: %v, want ErrSealInProgress", err)
	}
}
