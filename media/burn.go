package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// ErrNoXorriso is returned by Burn when the xorriso program is not in PATH.
var ErrNoXorriso = errors.New("xorriso not found: install it (Debian: apt-get install xorriso)")

// ErrShortRead is returned by ReadBack when the drive ends before the
// requested number of sectors.
var ErrShortRead = errors.New("drive holds fewer sectors than requested")

// Burn writes the image file to device through xorriso's cdrecord
// emulation (xorriso -as cdrecord -v dev=DEVICE blank=as_needed IMAGE),
// closing the disc. device is a drive ("/dev/sr0") or xorriso's stdio:
// pseudo-drive ("stdio:/path/file"), which tests use in place of a drive.
// xorriso is looked up at run time (ErrNoXorriso); a failure returns
// xorriso's messages. xorriso may pad the track after the image (cdrecord
// padding), so a read-back must stop at the image's sector count, as
// ReadBack does. A stdio: pseudo-drive that is a regular file is cut back
// to the image's length after the burn (xorriso pads it to a multiple of
// 32 KiB, and more), so that the file is the image byte for byte.
// Cancelling ctx kills xorriso (a real disc is then lost).
func Burn(ctx context.Context, device, image string) error {
	bin, err := exec.LookPath("xorriso")
	if err != nil {
		return ErrNoXorriso
	}
	fi, err := os.Stat(image)
	if err != nil {
		return fmt.Errorf("media: burn: %w", err)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-as", "cdrecord", "-v", "dev="+device, "blank=as_needed", image)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("media: burn %s: %w", device, ctx.Err())
		}
		return fmt.Errorf("media: burn %s with xorriso: %w\n%s", device, err, lastLines(out.String(), 10))
	}
	if p, ok := strings.CutPrefix(device, "stdio:"); ok {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Size() > fi.Size() {
			if err := os.Truncate(p, fi.Size()); err != nil {
				return fmt.Errorf("media: burn %s: cut the padding: %w", device, err)
			}
		}
	}
	return nil
}

// ReadBack copies exactly sectors 2048-byte sectors from the start of
// device into w: from the file of a "stdio:/path" pseudo-drive, or from
// the block device ("/dev/sr0", "mmc:/dev/sr0"). A drive that ends early
// gives ErrShortRead. A freshly burnt optical disc may need the tray
// reloaded before the kernel shows its full size.
func ReadBack(ctx context.Context, device string, sectors int64, w io.Writer) error {
	path := strings.TrimPrefix(strings.TrimPrefix(device, "stdio:"), "mmc:")
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("media: read back: %w", err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	remaining := sectors * SectorSize
	for remaining > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("media: read back %s: %w", device, err)
		}
		n, err := io.ReadFull(f, buf[:min(int64(len(buf)), remaining)])
		if _, werr := w.Write(buf[:n]); werr != nil {
			return fmt.Errorf("media: read back %s: %w", device, werr)
		}
		remaining -= int64(n)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("media: read back %s: %d of %d sectors: %w", device,
				sectors-(remaining+SectorSize-1)/SectorSize, sectors, ErrShortRead)
		}
		if err != nil {
			return fmt.Errorf("media: read back %s: %w", device, err)
		}
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
