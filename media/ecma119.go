package media

import (
	"encoding/binary"
	"fmt"
	"time"
)

// On-disc encodings of ECMA-119 (4th edition). Byte ranges below are
// 0-based offsets within the structure, end exclusive.

const (
	systemAreaSectors = 16 // sectors 0–15, §6.2.1
	sectorPVD         = 16 // primary volume descriptor, §8.4
	sectorSVD         = 17 // Joliet supplementary volume descriptor, §8.5
	sectorTerminator  = 18 // volume descriptor set terminator, §8.3
	firstPathTable    = 19 // first sector after the descriptors

	dotRecordLen = 34 // "." and ".." directory records: 33 + 1-byte identifier, §9.1
)

// both16 writes v in both byte orders (§7.2.3): [0:2] LSB, [2:4] MSB.
func both16(b []byte, v uint16) {
	binary.LittleEndian.PutUint16(b[0:2], v)
	binary.BigEndian.PutUint16(b[2:4], v)
}

// both32 writes v in both byte orders (§7.3.3): [0:4] LSB, [4:8] MSB.
func both32(b []byte, v uint32) {
	binary.LittleEndian.PutUint32(b[0:4], v)
	binary.BigEndian.PutUint32(b[4:8], v)
}

// recordLen is the length in bytes of a directory record with an
// identifier of n bytes (§9.1: 33 fixed bytes, the identifier, and a
// padding byte when n is even so that the record length is even).
func recordLen(n int) int {
	return 33 + n + (n+1)%2
}

// pathRecordLen is the length in bytes of a path table record with a
// directory identifier of n bytes (§9.4: 8 fixed bytes, the identifier, a
// padding byte when n is odd).
func pathRecordLen(n int) int {
	return 8 + n + n%2
}

// dirRecord encodes a directory record (§9.1) into b, which must be
// recordLen(len(id)) bytes long:
//
//	[0]      length of directory record           §9.1.1
//	[1]      extended attribute record length (0) §9.1.2
//	[2:10]   location of extent, both-endian      §9.1.3
//	[10:18]  data length in bytes, both-endian    §9.1.4
//	[18:25]  recording date and time              §9.1.5
//	[25]     file flags (0x02 directory)          §9.1.6
//	[26]     file unit size (0)                   §9.1.7
//	[27]     interleave gap size (0)              §9.1.8
//	[28:32]  volume sequence number, both-endian  §9.1.9
//	[32]     length of file identifier            §9.1.10
//	[33:]    file identifier, padding             §9.1.11–12
func dirRecord(b []byte, id string, lba uint32, size uint32, dir bool, rec [7]byte, seq uint16) {
	b[0] = byte(len(b))
	b[1] = 0
	both32(b[2:10], lba)
	both32(b[10:18], size)
	copy(b[18:25], rec[:])
	b[25] = 0
	if dir {
		b[25] = 0x02
	}
	b[26], b[27] = 0, 0
	both16(b[28:32], seq)
	b[32] = byte(len(id))
	n := copy(b[33:], id)
	for i := 33 + n; i < len(b); i++ {
		b[i] = 0
	}
}

// pathRecord encodes a path table record (§9.4) into b, which must be
// pathRecordLen(len(id)) bytes long; msb selects the Type M table:
//
//	[0]    length of directory identifier  §9.4.1
//	[1]    extended attribute record length §9.4.2
//	[2:6]  location of extent               §9.4.3
//	[6:8]  parent directory number          §9.4.4
//	[8:]   directory identifier, padding    §9.4.5–6
func pathRecord(b []byte, id string, lba uint32, parent uint16, msb bool) {
	b[0] = byte(len(id))
	b[1] = 0
	if msb {
		binary.BigEndian.PutUint32(b[2:6], lba)
		binary.BigEndian.PutUint16(b[6:8], parent)
	} else {
		binary.LittleEndian.PutUint32(b[2:6], lba)
		binary.LittleEndian.PutUint16(b[6:8], parent)
	}
	n := copy(b[8:], id)
	for i := 8 + n; i < len(b); i++ {
		b[i] = 0
	}
}

// recordingDate encodes t (in UTC) as the 7-byte date of a directory
// record (§9.1.5): years since 1900, month, day, hour, minute, second,
// offset from GMT in 15-minute intervals (0).
func recordingDate(t time.Time) [7]byte {
	t = t.UTC()
	return [7]byte{byte(t.Year() - 1900), byte(t.Month()), byte(t.Day()),
		byte(t.Hour()), byte(t.Minute()), byte(t.Second()), 0}
}

// volumeDate encodes t (in UTC) as the 17-byte date of a volume
// descriptor (§8.4.26.1): "YYYYMMDDHHMMSScc" in digits, then the GMT offset
// in 15-minute intervals (0). The zero time gives the "not specified" form:
// sixteen '0' digits and a zero byte.
func volumeDate(t time.Time) [17]byte {
	var b [17]byte
	s := "0000000000000000"
	if !t.IsZero() {
		t = t.UTC()
		s = fmt.Sprintf("%04d%02d%02d%02d%02d%02d%02d", t.Year(), int(t.Month()), t.Day(),
			t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e7)
	}
	copy(b[:16], s)
	return b
}
