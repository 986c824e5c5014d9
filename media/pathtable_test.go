package media_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/archiver/archiver/media"
)

// ptRecord is one path table record (ECMA-119 §9.4).
type ptRecord struct {
	id     string
	lba    uint32
	parent uint16
}

func parsePathTable(t *testing.T, b []byte, order binary.ByteOrder) []ptRecord {
	var out []ptRecord
	for i := 0; i < len(b); {
		n := int(b[i])
		if n == 0 || i+8+n > len(b) {
			t.Fatalf("bad path table record at byte %d", i)
		}
		out = append(out, ptRecord{string(b[i+8 : i+8+n]), order.Uint32(b[i+2:]), order.Uint16(b[i+6:])})
		i += 8 + n + n%2
	}
	return out
}

// walkDirs returns every directory's (lba → parent lba, identifier) by
// reading directory records from the root extent.
func walkDirs(t *testing.T, img []byte, root uint32) map[uint32]ptRecord {
	dirs := map[uint32]ptRecord{root: {id: "\x00", lba: root}}
	queue := []uint32{root}
	for len(queue) > 0 {
		lba := queue[0]
		queue = queue[1:]
		ext := img[lba*media.SectorSize:]
		size := binary.LittleEndian.Uint32(ext[10:14]) // the "." record
		for off := uint32(0); off < size; off += media.SectorSize {
			sec := ext[off : off+media.SectorSize]
			for i := 0; i < media.SectorSize && sec[i] != 0; i += int(sec[i]) {
				rec := sec[i : i+int(sec[i])]
				id := string(rec[33 : 33+int(rec[32])])
				if rec[25]&2 == 0 || id == "\x00" || id == "\x01" {
					continue
				}
				child := binary.LittleEndian.Uint32(rec[2:6])
				dirs[child] = ptRecord{id: id, lba: child, parent: uint16(lba % 65536)}
				queue = append(queue, child)
			}
		}
	}
	return dirs
}

// TestPathTablesMatchDirectories checks both volumes' Type L and Type M
// path tables record by record against the directory hierarchy, and
// their order (§9.4: level, parent number, identifier).
func TestPathTablesMatchDirectories(t *testing.T) {
	var files []media.File
	for _, p := range []string{"B/Z/F", "B/A/F", "A/F", "C_LONG_NAME/X/Y/Z/F", "b.lower/F", "A/B/C/D/E/F/G/F", "Ünï/F"} {
		files = append(files, memFile(p, []byte(p)))
	}
	for i := range 300 { // many directories: path tables over one sector
		files = append(files, memFile(fmt.Sprintf("MANY/D%03d_WITH_A_LONGER_NAME/F", i), nil))
	}
	img := imageBytes(t, files)
	for _, vd := range []int{16, 17} {
		d := img[vd*media.SectorSize:]
		size := binary.LittleEndian.Uint32(d[132:])
		lLoc, mLoc := binary.LittleEndian.Uint32(d[140:]), binary.BigEndian.Uint32(d[148:])
		lt := parsePathTable(t, img[lLoc*media.SectorSize:][:size], binary.LittleEndian)
		mt := parsePathTable(t, img[mLoc*media.SectorSize:][:size], binary.BigEndian)
		if fmt.Sprint(lt) != fmt.Sprint(mt) {
			t.Fatalf("descriptor %d: Type L and Type M tables differ", vd)
		}
		dirs := walkDirs(t, img, binary.LittleEndian.Uint32(d[158:]))
		if len(lt) != len(dirs) || len(lt) < 300 {
			t.Fatalf("descriptor %d: %d path table records, %d directories", vd, len(lt), len(dirs))
		}
		level := map[int]int{0: 1}
		for i, r := range lt {
			want, ok := dirs[r.lba]
			if !ok || want.id != r.id {
				t.Fatalf("descriptor %d: record %d %q at %d is no directory (%q)", vd, i+1, r.id, r.lba, want.id)
			}
			if int(r.parent) < 1 || int(r.parent) > i+1 || (i > 0 && uint32(want.parent) != lt[r.parent-1].lba%65536) {
				t.Fatalf("descriptor %d: record %d %q has parent %d", vd, i+1, r.id, r.parent)
			}
			if i > 0 {
				level[i] = level[int(r.parent)-1] + 1
				prev := lt[i-1]
				if level[i] < level[i-1] || level[i] == level[i-1] && r.parent < prev.parent ||
					r.parent == prev.parent && i > 1 && r.id <= prev.id {
					t.Fatalf("descriptor %d: record %d %q out of §9.4 order after %q", vd, i+1, r.id, prev.id)
				}
			}
		}
	}
}
