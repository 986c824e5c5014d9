package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// prescan walks the primary directory tree itself before
// kdomanski/iso9660 is let loose on it, because that library, given a
// damaged image, can loop forever (a System Use entry of length 0) or
// recurse without bound (a continuation area pointing to itself), and
// neither can be recovered from. prescan bounds everything: each directory
// extent is read once, records must fit their sector (ECMA-119 §6.8.1.1,
// §9.1), and System Use entries (SUSP, IEEE P1281) must be at least 4
// bytes long with at most maxContinuations continuation areas per record.
// It returns ErrCorrupt, wrapped, on the first violation.
func prescan(r io.ReaderAt) error {
	pvd := make([]byte, SectorSize)
	if _, err := r.ReadAt(pvd, sectorPVD*SectorSize); err != nil {
		return readErr("primary volume descriptor", err)
	}
	type extent struct{ lba, size uint32 }
	root := extent{binary.LittleEndian.Uint32(pvd[158:162]), binary.LittleEndian.Uint32(pvd[166:170])}
	queue, seen := []extent{root}, map[uint32]bool{root.lba: true}
	sector := make([]byte, SectorSize)
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		for off := uint32(0); off < d.size; off += SectorSize {
			if _, err := r.ReadAt(sector, int64(d.lba)*SectorSize+int64(off)); err != nil {
				return readErr(fmt.Sprintf("directory at sector %d", d.lba), err)
			}
			for i := 0; i < SectorSize && sector[i] != 0; {
				n := int(sector[i])
				// the identifier, then a padding byte when its length is even (ECMA-119 §9.1.12)
				if n < 34 || i+n > SectorSize || 33+int(sector[i+32])+(int(sector[i+32])+1)%2 > n {
					return corrupt("bad directory record at sector %d byte %d", d.lba+off/SectorSize, i)
				}
				rec := sector[i : i+n]
				idLen := int(rec[32])
				if err := checkSystemUse(r, rec[33+idLen+(idLen+1)%2:]); err != nil {
					return err
				}
				child := extent{binary.LittleEndian.Uint32(rec[2:6]), binary.LittleEndian.Uint32(rec[10:14])}
				isSelf := idLen == 1 && (rec[33] == 0 || rec[33] == 1)
				if rec[25]&0x02 != 0 && !isSelf && !seen[child.lba] {
					seen[child.lba] = true
					queue = append(queue, child)
				}
				i += n
			}
		}
	}
	return nil
}

// maxContinuations bounds SUSP continuation areas followed per record.
const maxContinuations = 16

// checkSystemUse checks a System Use area the way kdomanski/iso9660's
// splitSystemUseEntries will walk it.
func checkSystemUse(r io.ReaderAt, su []byte) error {
	for hops := 0; ; hops++ {
		var next []byte
		for len(su) >= 4 {
			n := int(su[2])
			if n < 4 || n > len(su) {
				return corrupt("System Use entry %q of length %d", su[:2], n)
			}
			if string(su[:2]) == "CE" {
				if n < 28 || next != nil {
					return corrupt("bad continuation entry")
				}
				lba := binary.LittleEndian.Uint32(su[4:8])
				off := binary.LittleEndian.Uint32(su[12:16])
				size := binary.LittleEndian.Uint32(su[20:24])
				if size > SectorSize {
					return corrupt("continuation area of %d bytes", size)
				}
				next = make([]byte, size)
				if _, err := r.ReadAt(next, int64(lba)*SectorSize+int64(off)); err != nil {
					return readErr("continuation area", err)
				}
			}
			su = su[n:]
		}
		if next == nil {
			return nil
		}
		if hops == maxContinuations {
			return corrupt("more than %d continuation areas", maxContinuations)
		}
		su = next
	}
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("media: %w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// readErr wraps a failed read of what (a structure or a file path): an
// image that ends early (io.EOF, io.ErrUnexpectedEOF) is ErrCorrupt; any
// other error (a device read error) is kept as it is, wrapped.
func readErr(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("media: %w: %s: the image ends before it (truncated)", ErrCorrupt, what)
	}
	return fmt.Errorf("media: read %s: %w", what, err)
}
