package sealing

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// SealLockName is the lock file Seal holds in OutDir while it runs. Seal
// removes it, still holding the lock, when it ends; a seal that locked the
// removed file meanwhile sees that the name no longer leads to it and
// locks afresh.
const SealLockName = ".seal.lock"

// SealInProgressError: another Seal (in this or another process) holds the
// lock of OutDir. Nothing was read, written or removed. It matches
// ErrSealInProgress.
type SealInProgressError struct {
	OutDir string
}

func (e *SealInProgressError) Error() string {
	return fmt.Sprintf("sealing: another seal is writing to %s; wait for it or use another --out", e.OutDir)
}

func (e *SealInProgressError) Unwrap() error { return ErrSealInProgress }

// lockOutDir takes the exclusive lock of dir (flock, not waiting) and
// returns its release. Two seals in one OutDir at once chose the same image
// names for the same messages: the second removed the first's image as
// stale, and the one refused at RecordSealed removed the image the other
// had recorded.
func lockOutDir(dir string) (unlock func(), err error) {
	p := filepath.Join(dir, SealLockName)
	for {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("sealing: lock: %w", err)
		}
		for {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
			if err != unix.EINTR {
				break
			}
		}
		if err != nil {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, &SealInProgressError{OutDir: dir}
			}
			return nil, fmt.Errorf("sealing: lock %s: %w", p, err)
		}
		// locked; but if the seal that held it before removed p in the
		// meantime, this is a file no other seal will lock: start again
		held, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("sealing: lock %s: %w", p, err)
		}
		now, err := os.Stat(p)
		if err == nil && os.SameFile(held, now) {
			return func() {
				os.Remove(p) // while still locked: see SealLockName
				f.Close()    // closing the only descriptor releases the flock
			}, nil
		}
		f.Close()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sealing: lock %s: %w", p, err)
		}
	}
}
