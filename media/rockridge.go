package media

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Rock Ridge (RRIP, IEEE P1282) images are read by this package's own
// walk, not kdomanski/iso9660's: v0.4.0 reuses one sector buffer while it
// reads a directory and keeps slices of it as each record's System Use
// entries, so in a directory of more than one sector every record but
// those of the last sector loses its NM (name) entry and shows its
// mangled primary name ("00000010.PGP" for "0000000001.PGP"), and two
// such names can even coincide. Archiver never writes Rock Ridge; a
// rebuild of a disc by `xorriso -as mkisofs -R` has it.

// suspOffset reports whether the image uses the System Use Sharing
// Protocol (an "SP" entry, check bytes BE EF, first in the System Use of
// the root directory's "." record: SUSP §5.3) and the bytes to skip in
// every other record's System Use area.
func suspOffset(r io.ReaderAt, rootLBA uint32) (bool, int, error) {
	sec := make([]byte, SectorSize)
	if _, err := r.ReadAt(sec, int64(rootLBA)*SectorSize); err != nil {
		return false, 0, readErr("root directory", err)
	}
	n, idLen := int(sec[0]), int(sec[32])
	su := sec[min(recordLen(idLen), n):n]
	if len(su) >= 7 && string(su[:2]) == "SP" && su[4] == 0xBE && su[5] == 0xEF {
		return true, int(su[6]), nil
	}
	return false, 0, nil
}

// rrIndex lists every regular file by its Rock Ridge name (the NM entries
// of its record, continuation areas followed), or its primary name when
// it has none. Directories relocated by RRIP (an "RE" entry) are skipped
// where they are and reached through their child link ("CL").
func (im *Image) rrIndex(rootLBA, rootSize uint32, skip int) ([]indexed, error) {
	type dir struct {
		path      string
		lba, size uint32
		depth     int
	}
	queue := []dir{{"", rootLBA, rootSize, 1}}
	seen := map[uint32]bool{rootLBA: true}
	var out []indexed
	sec := make([]byte, SectorSize)
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if d.depth > maxReadDepth {
			return nil, corrupt("%q: directories nest deeper than %d", d.path, maxReadDepth)
		}
		for off := uint32(0); off < d.size; off += SectorSize {
			if _, err := im.ra.ReadAt(sec, int64(d.lba)*SectorSize+int64(off)); err != nil {
				return nil, readErr(fmt.Sprintf("directory %q", "/"+d.path), err)
			}
			for i := 0; i < SectorSize && sec[i] != 0; {
				n, idLen := int(sec[i]), int(sec[i+32]) // sizes checked by prescan
				rec := sec[i : i+n]
				i += n
				id := string(rec[33 : 33+idLen])
				if id == "\x00" || id == "\x01" {
					continue
				}
				su := rec[min(recordLen(idLen), n):]
				if skip < len(su) {
					su = su[skip:]
				} else {
					su = nil
				}
				name, relocated, child, err := im.rrFields(su)
				if err != nil {
					return nil, err
				}
				if name == "" {
					name = isoPath(id)
				}
				p := join(d.path, name)
				lba, size := binary.LittleEndian.Uint32(rec[2:6]), binary.LittleEndian.Uint32(rec[10:14])
				switch {
				case relocated:
				case child != 0 || rec[25]&0x02 != 0:
					if child != 0 {
						lba, size = child, 0
					}
					if seen[lba] {
						return nil, corrupt("directory %q at sector %d listed twice (a loop)", "/"+p, lba)
					}
					seen[lba] = true
					if size == 0 { // a child link: the size is in the directory's "." record
						var dot [dotRecordLen]byte
						if _, err := im.ra.ReadAt(dot[:], int64(lba)*SectorSize); err != nil {
							return nil, readErr(fmt.Sprintf("directory %q", "/"+p), err)
						}
						size = binary.LittleEndian.Uint32(dot[10:14])
					}
					queue = append(queue, dir{p, lba, size, d.depth + 1})
				default:
					if len(out) >= int(im.budget) {
						return nil, corrupt("more directory records than the volume holds")
					}
					out = append(out, indexed{path: p, off: int64(lba) * SectorSize, size: int64(size)})
				}
			}
		}
	}
	return out, nil
}

// rrFields reads the RRIP entries of a System Use area: the name (NM,
// IEEE P1282 §4.1.4, parts concatenated), whether the record is a
// relocated directory (RE, §4.1.5.3), and a child link's sector (CL,
// §4.1.5.1). prescan has checked every entry's length and bounded the
// continuation areas (CE).
func (im *Image) rrFields(su []byte) (name string, relocated bool, child uint32, err error) {
	for hops := 0; ; hops++ {
		var next []byte
		for len(su) >= 4 {
			n := int(su[2])
			if n < 4 || n > len(su) {
				return "", false, 0, corrupt("System Use entry %q of length %d", su[:2], n)
			}
			e := su[:n]
			switch string(e[:2]) {
			case "NM":
				if n >= 5 && e[4]&0x06 == 0 { // not "." or ".."
					name += string(e[5:])
				}
			case "RE":
				relocated = true
			case "CL":
				if n >= 8 {
					child = binary.LittleEndian.Uint32(e[4:8])
				}
			case "CE":
				if n >= 28 {
					lba := binary.LittleEndian.Uint32(e[4:8])
					off := binary.LittleEndian.Uint32(e[12:16])
					size := binary.LittleEndian.Uint32(e[20:24])
					if size > SectorSize {
						return "", false, 0, corrupt("continuation area of %d bytes", size)
					}
					next = make([]byte, size)
					if _, err := im.ra.ReadAt(next, int64(lba)*SectorSize+int64(off)); err != nil {
						return "", false, 0, readErr("continuation area", err)
					}
				}
			case "ST":
				su = nil
				continue
			}
			su = su[n:]
		}
		if next == nil || hops == maxContinuations {
			return name, relocated, child, nil
		}
		su = next
	}
}
