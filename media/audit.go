package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// AuditOptions says how Image.Audit reads the image.
type AuditOptions struct {
	// Hash, when not nil, receives every byte of the image in order from
	// byte 0: for an image file up to its end (bytes beyond the volume
	// space included), for a Device exactly the volume space. Audit then
	// reads the image in one sequential pass. When nil, Audit reads only
	// the structures and the last sector of each file.
	Hash io.Writer
	// Device: the image is read through a drive (a block device, or the
	// file behind xorriso's stdio: pseudo-drive), which may hold more than
	// the image: read exactly the volume space (ECMA-119 §8.4.8), nothing
	// beyond it.
	Device bool
	// Size is the size in bytes of the image file (not a Device), used
	// to find bytes beyond the volume space when Hash is nil; < 0: unknown.
	Size int64
	// Progress, when not nil, receives byte counts as they are read.
	Progress func(n int64)
}

// Audit is the outcome of Image.Audit.
type Audit struct {
	// Info is the volume as its descriptors record it: primary volume
	// identifier and volume set identifier, set size and sequence number,
	// the Joliet (unmapped) publisher, preparer and application
	// identifiers, and the creation date (to the hundredth of a second).
	Info    VolumeInfo
	Sectors int64 // volume space size (ECMA-119 §8.4.8)
	Read    int64 // bytes given to AuditOptions.Hash
	Beyond  int64 // bytes of the image file after the volume space
	Missing int64 // bytes of the volume space the image ends before
	// Faults are the places where the image differs from the layout this
	// package writes (docs/media.md): each names the structure and the
	// sector. At most maxFaults are kept; FaultCount counts them all.
	Faults     []string
	FaultCount int
}

// maxFaults bounds the faults Audit keeps.
const maxFaults = 40

// ErrRockRidge is wrapped by Audit's fault about System Use fields; it is
// not returned as an error.
var ErrRockRidge = errors.New("Rock Ridge (SUSP) fields")

// Audit checks that every sector of the image is accounted for by the
// layout this package writes (docs/media.md, "Image layout"): the system
// area is zero; the primary and Joliet volume descriptors and the
// terminator are exactly the encoding of the fields they hold; the four
// path tables are exactly those of the two directory trees (ECMA-119
// §6.9, §9.4); every directory is exactly its records, in §9.3 order
// (Joliet: UCS-2 order), packed as §6.8.1.1 says and zero after; the
// Joliet tree names the same files as the primary tree (its names map to
// the primary identifiers, docs/media.md "Names") with the same extents
// and sizes, and the files the image reader lists are exactly these;
// directories and file extents follow one another without a gap, in
// path table order, and end at the volume space size; the rest of each
// file's last sector is zero. Bytes of files are the caller's to check
// (they are the files the reader lists). Bytes of an image file beyond
// the volume space are Beyond; a short image is Missing.
//
// Memory: the directory list, one directory of each tree at a time, and
// 4 bytes a file (its size, for the pass over the file extents). The
// error is non-nil only when the image cannot be read (a device error);
// every fault of the image is in Audit.Faults.
func (im *Image) Audit(o AuditOptions) (*Audit, error) {
	if err := im.load(); err != nil {
		return nil, err
	}
	x := &auditor{im: im, r: im.ra, a: &Audit{}}
	if err := x.structures(); err != nil {
		return nil, err
	}
	if err := x.extents(o); err != nil {
		return nil, err
	}
	if x.readErr != nil {
		return nil, x.readErr
	}
	return x.a, nil
}

type auditor struct {
	im *Image
	r  io.ReaderAt
	a  *Audit

	short    bool // the image ends inside its structures
	date     [7]byte
	seq      uint16
	dataLBA  uint32    // first sector after the directories: the file extents
	sizes    []uint32  // file sizes, in extent order
	firstLBA int64     // extent of the first file as recorded; -1: no file yet
	rr       bool      // System Use fields seen (reported once)
	ptBytes  [2]uint32 // path table sizes in the descriptors: primary, Joliet
	readErr  error     // a read error (not the image's end) in the slack pass
}

func (x *auditor) fault(format string, args ...any) {
	x.a.FaultCount++
	if len(x.a.Faults) < maxFaults {
		x.a.Faults = append(x.a.Faults, fmt.Sprintf(format, args...))
	}
}

// read reads n bytes at sector lba; a short image is a fault (nil, nil).
func (x *auditor) read(what string, lba uint32, n int) ([]byte, error) {
	if n > SectorSize { // is it there at all? (before allocating up to maxDirBytes)
		var last [1]byte
		if m, err := x.r.ReadAt(last[:], int64(lba)*SectorSize+int64(n)-1); m != 1 {
			return x.readFailed(what, lba, err)
		}
	}
	b := make([]byte, n)
	m, err := x.r.ReadAt(b, int64(lba)*SectorSize)
	if m == n {
		return b, nil
	}
	return x.readFailed(what, lba, err)
}

func (x *auditor) readFailed(what string, lba uint32, err error) ([]byte, error) {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if !x.short {
			x.fault("%s (sector %d): the image ends before it (truncated)", what, lba)
		}
		x.short = true
		return nil, nil
	}
	return nil, fmt.Errorf("media: read %s at sector %d: %w", what, lba, err)
}

// zeros reports the non-zero bytes of b (at sector lba) as one fault.
func (x *auditor) zeros(what string, lba uint32, b []byte) {
	first, n := -1, 0
	for i, c := range b {
		if c != 0 {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if n > 0 {
		x.fault("%s: %d non-zero bytes where the layout has zeros, the first at sector %d byte %d (0x%02x)",
			what, n, int64(lba)+int64(first/SectorSize), first%SectorSize, b[first])
	}
}

// same reports the first difference of got (at sector lba) from want.
func (x *auditor) same(what string, lba uint32, got, want []byte) bool {
	if bytes.Equal(got, want) {
		return true
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	switch {
	case len(got) != len(want):
		x.fault("%s (sector %d): %d bytes where the layout has %d", what, lba, len(got), len(want))
	default:
		n := 0
		for k := range got {
			if got[k] != want[k] {
				n++
			}
		}
		x.fault("%s (sector %d): %d bytes differ from the layout, the first at sector %d byte %d (0x%02x, want 0x%02x)",
			what, lba, n, int64(lba)+int64(i/SectorSize), i%SectorSize, got[i], want[i])
	}
	return false
}

// volume descriptor fields, decoded (ECMA-119 §8.4, §8.5)
type vdFields struct {
	space, ptBytes, lLBA, mLBA, rootLBA, rootSize uint32
}

func decodeVD(b []byte) vdFields {
	return vdFields{
		space: binary.LittleEndian.Uint32(b[80:84]), ptBytes: binary.LittleEndian.Uint32(b[132:136]),
		lLBA: binary.LittleEndian.Uint32(b[140:144]), mLBA: binary.BigEndian.Uint32(b[148:152]),
		rootLBA: binary.LittleEndian.Uint32(b[158:162]), rootSize: binary.LittleEndian.Uint32(b[166:170]),
	}
}

func (f vdFields) args(joliet bool) descriptorArgs {
	return descriptorArgs{joliet: joliet, spaceSize: f.space, ptBytes: f.ptBytes, lLBA: f.lLBA, mLBA: f.mLBA,
		rootLBA: f.rootLBA, rootSectors: f.rootSize / SectorSize}
}

// ucs2String decodes a Joliet descriptor field (UCS-2 big-endian, padded
// with U+0020).
func ucs2String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+2 <= len(b); i += 2 {
		u = append(u, binary.BigEndian.Uint16(b[i:]))
	}
	for len(u) > 0 && u[len(u)-1] == ' ' {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}

// ucs2Units splits UCS-2 big-endian bytes into code units.
func ucs2Units(s string) []uint16 {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+2 <= len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return u
}

// parseVolumeDate decodes a §8.4.26.1 date ("YYYYMMDDHHMMSScc", offset 0).
func parseVolumeDate(b []byte) (time.Time, bool) {
	s := string(b[:16])
	for _, c := range s {
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
	}
	n := func(i, j int) int { v, _ := strconv.Atoi(s[i:j]); return v }
	t := time.Date(n(0, 4), time.Month(n(4, 6)), n(6, 8), n(8, 10), n(10, 12), n(12, 14), n(14, 16)*1e7, time.UTC)
	return t, true
}

// structures checks sectors 0–18, the path tables and both directory trees.
func (x *auditor) structures() error {
	if x.im.rr {
		x.rr = true
		x.fault("the root directory's records carry %v, which this layout never writes (a rebuild, e.g. by xorriso -as mkisofs -R?); its files were listed by their Rock Ridge names", ErrRockRidge)
	}
	head, err := x.read("system area and volume descriptors", 0, firstPathTable*SectorSize)
	if err != nil || head == nil {
		return err
	}
	x.zeros("system area (sectors 0–15)", 0, head[:systemAreaSectors*SectorSize])
	pvd := head[sectorPVD*SectorSize : (sectorPVD+1)*SectorSize]
	svd := head[sectorSVD*SectorSize : (sectorSVD+1)*SectorSize]
	p, j := decodeVD(pvd), decodeVD(svd)
	x.a.Sectors = int64(p.space)
	created, ok := parseVolumeDate(pvd[813:830])
	if !ok {
		x.fault("primary volume descriptor (sector %d): creation date %q is not a date", sectorPVD, pvd[813:829])
	}
	info := VolumeInfo{
		VolumeID:    strings.TrimRight(string(pvd[40:72]), " "),
		VolumeSetID: strings.TrimRight(string(pvd[190:318]), " "),
		SetSize:     int(binary.LittleEndian.Uint16(pvd[120:122])),
		SeqNum:      int(binary.LittleEndian.Uint16(pvd[124:126])),
		Publisher:   ucs2String(svd[318:446]),
		Preparer:    ucs2String(svd[446:574]),
		Application: ucs2String(svd[574:702]),
		Recorded:    created,
	}
	x.a.Info = info
	if _, err := info.normalized(); err != nil {
		x.fault("volume descriptors: %v", err)
	}
	x.same("primary volume descriptor", sectorPVD, pvd, descriptor(info, p.args(false)))
	x.same("Joliet supplementary volume descriptor", sectorSVD, svd, descriptor(info, j.args(true)))
	x.same("volume descriptor set terminator", sectorTerminator, head[sectorTerminator*SectorSize:], terminator())
	if p.space != j.space {
		x.fault("volume space size: %d sectors in the primary descriptor, %d in the Joliet one", p.space, j.space)
	}
	x.date, x.seq = recordingDate(created), uint16(info.SeqNum)
	x.ptBytes = [2]uint32{p.ptBytes, j.ptBytes}

	// the four path tables, where the layout puts them
	ptSecs := func(n uint32) uint32 { return uint32(sectorsFor(int64(n))) }
	want := [4]uint32{firstPathTable}
	want[1] = want[0] + ptSecs(p.ptBytes)
	want[2] = want[1] + ptSecs(p.ptBytes)
	want[3] = want[2] + ptSecs(j.ptBytes)
	got := [4]uint32{p.lLBA, p.mLBA, j.lLBA, j.mLBA}
	if got != want {
		x.fault("path tables at sectors %v; the layout puts them at %v", got, want)
		return nil
	}
	const maxPT = 64 << 20 // far more than 65,535 directories take
	if p.ptBytes > maxPT || j.ptBytes > maxPT {
		x.fault("path table sizes %d and %d bytes: too large", p.ptBytes, j.ptBytes)
		return nil
	}
	var tables [4][]byte
	for i, n := range []uint32{p.ptBytes, p.ptBytes, j.ptBytes, j.ptBytes} {
		if tables[i], err = x.read("path table", want[i], int(ptSecs(n))*SectorSize); err != nil || tables[i] == nil {
			return err
		}
	}
	return x.trees(p, j, want[3]+ptSecs(j.ptBytes), tables)
}

// auditDir is a directory found in both trees.
type auditDir struct {
	path             string // slash-separated, "" for the root
	level            int
	parent           int    // index in the directory list
	pID, jID         string // identifiers: primary bytes, Joliet UCS-2 bytes
	pLBA, pSize      uint32
	jLBA, jSize      uint32
	jKids            []int // subdirectories in Joliet record order
	pParent, jParent [2]uint32
}

// auditRec is one decoded directory record.
type auditRec struct {
	id        string
	lba, size uint32
	dir       bool
}

// maxDirBytes bounds a directory extent read by the audit.
const maxDirBytes = 64 << 20

func (x *auditor) trees(p, j vdFields, dirLBA uint32, tables [4][]byte) error {
	root := auditDir{pID: "\x00", jID: "\x00", pLBA: p.rootLBA, pSize: p.rootSize, jLBA: j.rootLBA, jSize: j.rootSize, level: 1}
	root.pParent = [2]uint32{p.rootLBA, p.rootSize}
	root.jParent = [2]uint32{j.rootLBA, j.rootSize}
	dirs := []*auditDir{&root}
	seen := map[uint32]bool{p.rootLBA: true}
	x.firstLBA = -1
	var cursor int64 // next file extent, once the first is known
	nfiles := 0
	for i := 0; i < len(dirs) && !x.short; i++ {
		d := dirs[i]
		prec, err := x.dir(d, false)
		if err != nil {
			return err
		}
		jrec, err := x.dir(d, true)
		if err != nil {
			return err
		}
		if prec == nil || jrec == nil {
			continue
		}
		// match the Joliet records to the primary ones by name
		byID := make(map[string]int, len(prec))
		for k, r := range prec {
			byID[r.id] = k
		}
		matched := make([]int, len(prec)) // primary record → Joliet record + 1
		for k, r := range jrec {
			orig := string(utf16.Decode(ucs2Units(r.id)))
			if len(r.id)%2 != 0 || ucs2(orig) != r.id {
				x.fault("directory /%s (sector %d): Joliet name %q is not UCS-2", d.path, d.jLBA, r.id)
				continue
			}
			n, err := mapName(orig, r.dir)
			if err != nil {
				x.fault("directory /%s (sector %d): Joliet name %q: %v", d.path, d.jLBA, orig, err)
				continue
			}
			pk, ok := byID[n.iso]
			if !ok {
				x.fault("%s: in the Joliet tree (sector %d), not in the primary tree", join(d.path, orig), d.jLBA)
				continue
			}
			matched[pk] = k + 1
			pr := prec[pk]
			switch {
			case pr.dir != r.dir:
				x.fault("%s: a directory in one tree, a file in the other", join(d.path, orig))
			case !r.dir && (pr.lba != r.lba || pr.size != r.size):
				x.fault("%s: the primary tree records its extent at sector %d, %d bytes; the Joliet tree at sector %d, %d bytes",
					join(d.path, orig), pr.lba, pr.size, r.lba, r.size)
			}
		}
		for k, r := range prec {
			if matched[k] == 0 {
				x.fault("%s: in the primary tree (sector %d), not in the Joliet tree", join(d.path, isoPath(r.id)), d.pLBA)
			}
		}
		// subdirectories in primary order (the primary path table's), files in extent order
		jIndex := map[int]int{} // Joliet record → directory list index
		for k, r := range prec {
			name := isoPath(r.id)
			if !r.dir {
				nfiles++
				x.file(join(d.path, name), r, &cursor)
				continue
			}
			jk := matched[k] - 1
			if jk < 0 || !jrec[jk].dir {
				continue
			}
			switch {
			case d.level+1 > MaxDepth:
				x.fault("directory %s: deeper than %d levels", join(d.path, name), MaxDepth)
				continue
			case seen[r.lba] || len(dirs) >= maxDirs:
				x.fault("directory %s (sector %d): listed twice, or more than %d directories", join(d.path, name), r.lba, maxDirs)
				continue
			}
			seen[r.lba] = true
			c := &auditDir{path: join(d.path, name), level: d.level + 1, parent: i, pID: r.id, jID: jrec[jk].id,
				pLBA: r.lba, pSize: r.size, jLBA: jrec[jk].lba, jSize: jrec[jk].size,
				pParent: [2]uint32{d.pLBA, d.pSize}, jParent: [2]uint32{d.jLBA, d.jSize}}
			jIndex[jk] = len(dirs)
			dirs = append(dirs, c)
		}
		for k := range jrec {
			if di, ok := jIndex[k]; ok {
				d.jKids = append(d.jKids, di)
			}
		}
	}
	if nfiles != len(x.im.index) && !x.rr {
		x.fault("the directory trees hold %d files, the image reader lists %d", nfiles, len(x.im.index))
	}
	// Joliet path table order: breadth first, children in Joliet order
	jOrder := []int{0}
	for k := 0; k < len(jOrder); k++ {
		jOrder = append(jOrder, dirs[jOrder[k]].jKids...)
	}
	// directories follow the path tables without a gap: primary, then Joliet
	lba := int64(dirLBA)
	for _, d := range dirs {
		if int64(d.pLBA) != lba {
			x.fault("directory /%s of the primary tree at sector %d; the layout puts it at %d", d.path, d.pLBA, lba)
		}
		lba += sectorsFor(int64(d.pSize))
	}
	for _, k := range jOrder {
		d := dirs[k]
		if int64(d.jLBA) != lba {
			x.fault("directory /%s of the Joliet tree at sector %d; the layout puts it at %d", d.path, d.jLBA, lba)
		}
		lba += sectorsFor(int64(d.jSize))
	}
	x.dataLBA = uint32(lba)
	if x.firstLBA >= 0 && x.firstLBA != lba {
		x.fault("file extents start at sector %d; the layout puts them at %d, after the directories", x.firstLBA, lba)
	}
	end := lba
	if x.firstLBA >= 0 {
		end = cursor - x.firstLBA + lba
	}
	if end != x.a.Sectors {
		x.fault("volume space size %d sectors; the layout ends at sector %d", x.a.Sectors, end)
	}
	x.pathTables(dirs, jOrder, tables)
	return nil
}

// file checks a file record's extent, in layout order.
func (x *auditor) file(path string, r auditRec, cursor *int64) {
	if x.firstLBA < 0 {
		x.firstLBA, *cursor = int64(r.lba), int64(r.lba)
	}
	if int64(r.lba) != *cursor {
		x.fault("%s: extent at sector %d; the layout puts it at %d, after the previous file", path, r.lba, *cursor)
	}
	*cursor += sectorsFor(int64(r.size))
	x.sizes = append(x.sizes, r.size)
	if x.rr {
		return // the reader lists Rock Ridge names, not primary ones
	}
	i := sort.Search(len(x.im.index), func(i int) bool { return x.im.index[i].path >= path })
	if i == len(x.im.index) || x.im.index[i].path != path {
		x.fault("%s: in the directory tree, not listed by the image reader", path)
		return
	}
	if f := x.im.index[i]; f.off != int64(r.lba)*SectorSize || f.size != int64(r.size) {
		x.fault("%s: the image reader reads %d bytes at byte %d; the directory records %d bytes at sector %d", path, f.size, f.off, r.size, r.lba)
	}
}

// dir reads and checks directory d of one tree and returns its records
// other than "." and ".." (nil when it cannot be read).
func (x *auditor) dir(d *auditDir, joliet bool) ([]auditRec, error) {
	lba, size, parent, tree := d.pLBA, d.pSize, d.pParent, "primary"
	if joliet {
		lba, size, parent, tree = d.jLBA, d.jSize, d.jParent, "Joliet"
	}
	what := fmt.Sprintf("directory /%s of the %s tree", d.path, tree)
	if size == 0 || size%SectorSize != 0 || size > maxDirBytes || int64(lba)+int64(size/SectorSize) > x.a.Sectors {
		x.fault("%s (sector %d): %d bytes, not whole sectors inside the volume", what, lba, size)
		return nil, nil
	}
	b, err := x.read(what, lba, int(size))
	if err != nil || b == nil {
		return nil, err
	}
	var recs []auditRec
	for s := 0; s < len(b); s += SectorSize {
		sec := b[s : s+SectorSize]
		for i := 0; i < SectorSize && sec[i] != 0; {
			n := int(sec[i])
			if n < 34 || i+n > SectorSize || 33+int(sec[i+32]) > n {
				x.fault("%s: bad record at sector %d byte %d", what, int(lba)+s/SectorSize, i)
				return nil, nil
			}
			rec := sec[i : i+n]
			idLen := int(rec[32])
			if n > recordLen(idLen) && !x.rr {
				x.rr = true
				x.fault("%s: records carry %d bytes of System Use data (%q…): %v, which this layout never writes (a rebuild, e.g. by xorriso -as mkisofs -R?)",
					what, n-recordLen(idLen), rec[recordLen(idLen):min(n, recordLen(idLen)+2)], ErrRockRidge)
			}
			recs = append(recs, auditRec{id: string(rec[33 : 33+idLen]), lba: binary.LittleEndian.Uint32(rec[2:6]),
				size: binary.LittleEndian.Uint32(rec[10:14]), dir: rec[25]&0x02 != 0})
			i += n
		}
	}
	if len(recs) < 2 || recs[0].id != "\x00" || recs[1].id != "\x01" {
		x.fault("%s (sector %d): does not start with its \".\" and \"..\" records", what, lba)
		return nil, nil
	}
	// "." and ".." name the directory and its parent
	recs[0] = auditRec{id: "\x00", lba: lba, size: size, dir: true}
	recs[1] = auditRec{id: "\x01", lba: parent[0], size: parent[1], dir: true}
	kids := recs[2:]
	key := func(r auditRec) string {
		if joliet {
			return r.id
		}
		return isoKey(r.id, r.dir)
	}
	for k := 1; k < len(kids); k++ {
		if key(kids[k-1]) >= key(kids[k]) {
			x.fault("%s: %q is not after %q (ECMA-119 §9.3 order, one record per name)", what, isoPath(kids[k].id), isoPath(kids[k-1].id))
			break
		}
	}
	// the directory exactly as the layout writes it
	want := make([]byte, 0, len(b))
	used := SectorSize // forces the first sector
	for _, r := range recs {
		rl := recordLen(len(r.id))
		if used+rl > SectorSize {
			want = append(want, make([]byte, SectorSize)...)
			used = 0
		}
		at := len(want) - SectorSize + used
		dirRecord(want[at:at+rl], r.id, r.lba, r.size, r.dir, x.date, x.seq)
		used += rl
	}
	x.same(what, lba, b, want)
	return kids, nil
}

// pathTables checks the four path tables against the trees.
func (x *auditor) pathTables(dirs []*auditDir, jOrder []int, tables [4][]byte) {
	pNum := make([]uint16, len(dirs))
	for k := range dirs {
		pNum[k] = uint16(k + 1)
	}
	jNum := make([]uint16, len(dirs))
	for k, di := range jOrder {
		jNum[di] = uint16(k + 1)
	}
	build := func(order []int, joliet, msb bool) []byte {
		var b []byte
		for _, di := range order {
			d := dirs[di]
			id, lba, parent := d.pID, d.pLBA, pNum[d.parent]
			if joliet {
				id, lba, parent = d.jID, d.jLBA, jNum[d.parent]
			}
			rec := make([]byte, pathRecordLen(len(id)))
			pathRecord(rec, id, lba, parent, msb)
			b = append(b, rec...)
		}
		return b
	}
	pOrder := make([]int, len(dirs))
	for k := range pOrder {
		pOrder[k] = k
	}
	names := []string{"primary Type L path table", "primary Type M path table", "Joliet Type L path table", "Joliet Type M path table"}
	lba := uint32(firstPathTable)
	for i, t := range tables {
		order := pOrder
		if i >= 2 {
			order = jOrder
		}
		want := build(order, i >= 2, i%2 == 1)
		if n := x.ptBytes[i/2]; int(n) != len(want) {
			x.fault("%s: the volume descriptor says %d bytes; the directory tree's table is %d", names[i], n, len(want))
		}
		want = append(want, make([]byte, int(sectorsFor(int64(len(want))))*SectorSize-len(want))...)
		x.same(names[i], lba, t, want)
		lba += uint32(len(t) / SectorSize)
	}
}

// extents checks the file slack in one pass over the file extents (and,
// with o.Hash, hashes the whole image), then what lies beyond the volume.
func (x *auditor) extents(o AuditOptions) error {
	space := x.a.Sectors * SectorSize
	if o.Hash != nil {
		return x.hashPass(o, space)
	}
	if !x.short {
		if done := x.slackPass(o, space); !done {
			return nil
		}
	}
	if o.Device {
		return nil
	}
	if o.Size >= 0 {
		if o.Size > space {
			x.a.Beyond = o.Size - space
		} else if o.Size < space {
			x.a.Missing = space - o.Size
		}
		return nil
	}
	var one [1]byte // unknown size: is there a byte after the volume space?
	if n, _ := x.r.ReadAt(one[:], space); n > 0 {
		x.a.Beyond = -1
	}
	return nil
}

// slackWindow is the most bytes slackPass reads at once: the last
// sectors of the files within it are read together (one read for a
// dozen small files, not one each: 4,734 reads were most of an audit's
// time), and at most this much of their contents with them.
const slackWindow = 64 << 10

// slackPass reads the last sector of each file whose size is not a whole
// number of sectors, in ascending order, and checks its slack. It
// reports false when the image ended first (Missing set).
func (x *auditor) slackPass(o AuditOptions, space int64) bool {
	type tail struct {
		i    int
		last int64 // sector
		at   int   // first slack byte in it
	}
	var tails []tail
	lba := int64(x.dataLBA)
	for i, size := range x.sizes {
		n := sectorsFor(int64(size))
		if t := int(size % SectorSize); t != 0 {
			tails = append(tails, tail{i, lba + n - 1, t})
		}
		lba += n
		if o.Progress != nil {
			o.Progress(int64(size))
		}
		// read what has gathered when the next file's slack is too far
		if len(tails) > 0 && (i == len(x.sizes)-1 || (lba+sectorsFor(int64(x.sizes[i+1]))-tails[0].last)*SectorSize > slackWindow) {
			first, last := tails[0].last, tails[len(tails)-1].last
			buf := make([]byte, (last-first+1)*SectorSize)
			if m, err := x.r.ReadAt(buf, first*SectorSize); m < len(buf) {
				if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					x.missing(o, space)
					return false
				}
				x.readErr = fmt.Errorf("media: read sector %d: %w", first, err)
				return false
			}
			for _, t := range tails {
				at := (t.last - first) * SectorSize
				x.slack(t.i, t.last, t.at, buf[at+int64(t.at):at+SectorSize])
			}
			tails = tails[:0]
		}
	}
	return true
}

func (x *auditor) missing(o AuditOptions, space int64) {
	if o.Size >= 0 && o.Size < space {
		x.a.Missing = space - o.Size
	} else if x.a.Missing == 0 {
		x.a.Missing = -1
	}
}

// slack checks the bytes after file i's end in its last sector.
func (x *auditor) slack(i int, last int64, tail int, b []byte) {
	for k, c := range b {
		if c != 0 && len(x.a.Faults) >= maxFaults {
			x.a.FaultCount++ // not named: naming a file takes a scan
			return
		}
		if c != 0 {
			x.fault("%s: non-zero byte 0x%02x in the slack after the file's end (sector %d byte %d), where the layout has zeros",
				x.fileAt(i), c, last, tail+k)
			return
		}
	}
}

// fileAt names the i-th file in extent order, for a fault.
func (x *auditor) fileAt(i int) string {
	lba := int64(x.dataLBA)
	for k := 0; k < i; k++ {
		lba += sectorsFor(int64(x.sizes[k]))
	}
	for _, f := range x.im.index {
		if f.off == lba*SectorSize && f.size == int64(x.sizes[i]) {
			return f.path
		}
	}
	return fmt.Sprintf("file extent at sector %d", lba)
}

// hashPass reads the image from byte 0 in order, giving every byte to
// o.Hash and checking each file's slack on the way.
func (x *auditor) hashPass(o AuditOptions, space int64) error {
	const chunk = 1 << 20 // a multiple of SectorSize: slack never spans chunks
	buf := make([]byte, chunk)
	limit := int64(-1)
	if o.Device {
		limit = space
	}
	next, lba := 0, int64(x.dataLBA) // the next file in extent order, its extent
	for off := int64(0); ; {
		want := int64(chunk)
		if limit >= 0 {
			want = min(want, limit-off)
		}
		if want <= 0 {
			break
		}
		n, err := x.r.ReadAt(buf[:want], off)
		if n > 0 {
			o.Hash.Write(buf[:n])
			if o.Progress != nil {
				o.Progress(int64(n))
			}
		}
		// slack of files whose last sector lies in this chunk
		for ; next < len(x.sizes) && !x.short; next++ {
			size := x.sizes[next]
			last := lba + sectorsFor(int64(size)) - 1
			tail := int64(size % SectorSize)
			if tail != 0 && last*SectorSize+SectorSize > off+int64(n) {
				break // not read yet
			}
			if tail != 0 {
				at := last*SectorSize - off
				x.slack(next, last, int(tail), buf[at+tail:at+SectorSize])
			}
			lba += sectorsFor(int64(size))
		}
		off += int64(n)
		x.a.Read = off
		if err != nil || int64(n) < want {
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("media: read image at byte %d: %w", off, err)
			}
			break
		}
	}
	if x.a.Read > space {
		x.a.Beyond = x.a.Read - space
	}
	if x.a.Read < space {
		x.a.Missing = space - x.a.Read
	}
	return nil
}

// isoPath is how a primary identifier reads as a path component: without
// its ";1" version and an empty extension's dot (as the image reader
// shows it).
func isoPath(id string) string {
	id, _, _ = strings.Cut(id, ";")
	return strings.TrimSuffix(id, ".")
}

// isoKey sorts primary identifiers as ECMA-119 §9.3 says (name, then
// extension), as name.isoKey does.
func isoKey(id string, dir bool) string {
	if dir {
		return id + "\x01"
	}
	id, _, _ = strings.Cut(id, ";")
	base, ext, _ := strings.Cut(id, ".")
	return base + "\x01" + ext
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
