package media

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
)

// VolumeInfo describes the volume as a whole. Every string is recorded in
// the primary volume descriptor (ECMA-119 §8.4) and, in UCS-2, in the
// Joliet supplementary volume descriptor.
type VolumeInfo struct {
	VolumeID    string    // 1–32 d-characters (A–Z 0–9 _), §8.4.6; Joliet shows its first 16
	VolumeSetID string    // 0–128 d-characters, §8.4.19; names the multi-disc set
	SetSize     int       // volumes in the set, §8.4.10; 0 means 1
	SeqNum      int       // this volume's 1-based number in the set, §8.4.11; 0 means 1
	Publisher   string    // §8.4.20; up to 128 bytes, a-characters after upper-casing (others become "_")
	Preparer    string    // data preparer, §8.4.21; as Publisher
	Application string    // §8.4.22; as Publisher
	Recorded    time.Time // required; recorded in UTC as every date in the image (§8.4.26–27, §9.1.5)
}

// normalized checks v and fills defaults.
func (v VolumeInfo) normalized() (VolumeInfo, error) {
	bad := func(format string, args ...any) (VolumeInfo, error) {
		return VolumeInfo{}, fmt.Errorf("media: "+format+": %w", append(args, ErrVolumeInfo)...)
	}
	if v.SetSize == 0 {
		v.SetSize = 1
	}
	if v.SeqNum == 0 {
		v.SeqNum = 1
	}
	switch {
	case v.VolumeID == "" || len(v.VolumeID) > 32 || !allDChars(v.VolumeID):
		return bad("volume ID %q: want 1–32 of A–Z 0–9 _", v.VolumeID)
	case len(v.VolumeSetID) > 128 || !allDChars(v.VolumeSetID):
		return bad("volume set ID %q: want 0–128 of A–Z 0–9 _", v.VolumeSetID)
	case v.SetSize < 1 || v.SetSize > 65535 || v.SeqNum < 1 || v.SeqNum > v.SetSize:
		return bad("volume %d of %d: want 1 ≤ SeqNum ≤ SetSize ≤ 65535", v.SeqNum, v.SetSize)
	case len(v.Publisher) > 128 || len(v.Preparer) > 128 || len(v.Application) > 128:
		return bad("publisher, preparer and application are limited to 128 bytes")
	case v.Recorded.IsZero() || v.Recorded.UTC().Year() < 1970 || v.Recorded.UTC().Year() > 2155:
		return bad("recording time %v: want a UTC time in 1970–2155", v.Recorded)
	}
	v.Recorded = v.Recorded.UTC()
	return v, nil
}

// aChars upper-cases s and replaces every character that is not an
// a-character (ECMA-119 §7.4.1) with "_".
func aChars(s string) string {
	const extra = " !\"%&'()*+,-./:;<=>?"
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteByte(byte(r - 'a' + 'A'))
		case r < 0x80 && (isDChar(byte(r)) || strings.ContainsRune(extra, r)):
			b.WriteByte(byte(r))
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// descriptorArgs are the layout-dependent fields of a volume descriptor.
type descriptorArgs struct {
	joliet      bool
	spaceSize   uint32 // volume space size in sectors, §8.4.8
	ptBytes     uint32 // path table size in bytes, §8.4.9
	lLBA, mLBA  uint32 // Type L and Type M path table locations, §8.4.10, §8.4.12
	rootLBA     uint32
	rootSectors uint32
}

// descriptor encodes a primary (§8.4) or Joliet supplementary (§8.5)
// volume descriptor into one sector:
//
//	[0]        type (1 primary, 2 supplementary)   §8.4.1
//	[1:6]      "CD001"                             §8.4.2
//	[6]        version 1                           §8.4.3
//	[8:40]     system identifier                   §8.4.5
//	[40:72]    volume identifier                   §8.4.6
//	[80:88]    volume space size, both-endian      §8.4.8
//	[88:120]   escape sequences (Joliet: "%/E")    §8.5.6
//	[120:124]  volume set size, both-endian        §8.4.10
//	[124:128]  volume sequence number              §8.4.11
//	[128:132]  logical block size (2048)           §8.4.12
//	[132:140]  path table size, both-endian        §8.4.13
//	[140:144]  Type L path table, LSB              §8.4.14
//	[148:152]  Type M path table, MSB              §8.4.16
//	[156:190]  root directory record               §8.4.18
//	[190:318]  volume set identifier               §8.4.19
//	[318:446]  publisher identifier                §8.4.20
//	[446:574]  data preparer identifier            §8.4.21
//	[574:702]  application identifier              §8.4.22
//	[702:813]  copyright, abstract, bibliographic file identifiers (blank)
//	[813:830]  volume creation date                §8.4.26
//	[830:847]  volume modification date           §8.4.27
//	[847:864]  volume expiration date (unset)      §8.4.28
//	[864:881]  volume effective date (unset)       §8.4.29
//	[881]      file structure version 1            §8.4.30
//
// Clause numbers are those of ECMA-119 2nd edition (1987).
func descriptor(v VolumeInfo, a descriptorArgs) []byte {
	b := make([]byte, SectorSize)
	str := func(lo, hi int, s string) {
		if a.joliet {
			putUCS2(b[lo:hi], s)
		} else {
			putPadded(b[lo:hi], s)
		}
	}
	b[0] = 1
	if a.joliet {
		b[0] = 2
		copy(b[88:91], "%/E") // UCS-2 level 3, Joliet spec
	}
	copy(b[1:6], "CD001")
	b[6] = 1
	str(8, 40, "")
	str(40, 72, v.VolumeID)
	both32(b[80:88], a.spaceSize)
	both16(b[120:124], uint16(v.SetSize))
	both16(b[124:128], uint16(v.SeqNum))
	both16(b[128:132], SectorSize)
	both32(b[132:140], a.ptBytes)
	putLE32(b[140:144], a.lLBA)
	putBE32(b[148:152], a.mLBA)
	dirRecord(b[156:190], "\x00", a.rootLBA, a.rootSectors*SectorSize, true, recordingDate(v.Recorded), uint16(v.SeqNum))
	str(190, 318, v.VolumeSetID)
	if a.joliet {
		str(318, 446, v.Publisher)
		str(446, 574, v.Preparer)
		str(574, 702, v.Application)
	} else {
		str(318, 446, aChars(v.Publisher))
		str(446, 574, aChars(v.Preparer))
		str(574, 702, aChars(v.Application))
	}
	str(702, 739, "") // copyright file identifier, §8.4.23
	str(739, 776, "") // abstract file identifier, §8.4.24
	str(776, 813, "") // bibliographic file identifier, §8.4.25
	created := volumeDate(v.Recorded)
	unset := volumeDate(time.Time{})
	copy(b[813:830], created[:])
	copy(b[830:847], created[:])
	copy(b[847:864], unset[:])
	copy(b[864:881], unset[:])
	b[881] = 1
	return b
}

// terminator encodes the volume descriptor set terminator (§8.3).
func terminator() []byte {
	b := make([]byte, SectorSize)
	b[0] = 255
	copy(b[1:6], "CD001")
	b[6] = 1
	return b
}

func putPadded(b []byte, s string) {
	n := copy(b, s)
	for i := n; i < len(b); i++ {
		b[i] = ' '
	}
}

// putUCS2 writes s in UCS-2 big-endian, truncated to whole characters,
// padded with UCS-2 spaces (0x00 0x20).
func putUCS2(b []byte, s string) {
	u := utf16.Encode([]rune(s))
	i := 0
	for _, c := range u {
		if i+2 > len(b) {
			break
		}
		b[i], b[i+1] = byte(c>>8), byte(c)
		i += 2
	}
	for ; i+2 <= len(b); i += 2 {
		b[i], b[i+1] = 0, ' '
	}
	if i < len(b) {
		b[i] = 0
	}
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
func putBE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}
