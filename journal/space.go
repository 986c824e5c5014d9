package journal

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// freeBytes is the space available to this process on the journal's file
// system, in bytes (statfs(2) f_bavail × f_bsize).
func (j *Journal) freeBytes() (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(j.dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// checkSpace returns ErrLowSpace when free space is below the watermark
// (Options.MinFreeBytes; disabled when negative).
func (j *Journal) checkSpace() error {
	if j.opts.MinFreeBytes < 0 {
		return nil
	}
	free, err := j.freeBytes()
	if err != nil {
		return unavailable("statfs", err)
	}
	if free < j.opts.MinFreeBytes {
		return fmt.Errorf("%w: %d bytes free, watermark %d bytes", ErrLowSpace, free, j.opts.MinFreeBytes)
	}
	return nil
}
