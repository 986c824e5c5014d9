package sealing

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/archiver/archiver/sealing/pgp"
)

// pkeskHeads returns, for each public-key encrypted session key packet
// (RFC 4880 §5.1) at the start of an OpenPGP message, its key ID, and for
// ECDH (algorithm 18) its ephemeral point and wrapped key (RFC 6637 §8).
func pkeskHeads(t *testing.T, msg []byte) (ids []uint64, points, wrapped map[uint64][]byte) {
	t.Helper()
	points, wrapped = map[uint64][]byte{}, map[uint64][]byte{}
	for len(msg) > 0 {
		b := msg[0]
		var tag byte
		var n, h int
		switch {
		case b&0xC0 == 0xC0: // new format
			tag = b & 0x3F
			switch l := int(msg[1]); {
			case l < 192:
				n, h = l, 2
			case l < 224:
				n, h = (l-192)<<8+int(msg[2])+192, 3
			case l == 255:
				n, h = int(binary.BigEndian.Uint32(msg[2:6])), 6
			default:
				return // partial length: the encrypted data, not a PKESK
			}
		case b&0xC0 == 0x80: // old format
			tag = (b >> 2) & 0x0F
			switch b & 3 {
			case 0:
				n, h = int(msg[1]), 2
			case 1:
				n, h = int(binary.BigEndian.Uint16(msg[1:3])), 3
			case 2:
				n, h = int(binary.BigEndian.Uint32(msg[1:5])), 5
			default:
				return
			}
		default:
			t.Fatalf("not an OpenPGP packet header: %#x", b)
		}
		if tag != 1 {
			return
		}
		body := msg[h : h+n]
		if body[0] != 3 {
			t.Fatalf("PKESK version %d, want 3", body[0])
		}
		id := binary.BigEndian.Uint64(body[1:9])
		ids = append(ids, id)
		if body[9] == 18 {
			plen := (int(binary.BigEndian.Uint16(body[10:12])) + 7) / 8
			points[id] = body[12 : 12+plen]
			wrapped[id] = body[12+plen+1:]
		}
		msg = msg[h+n:]
	}
	return
}

// TestVolumeSharesEphemeralPerRecipient: the sealer encrypts every message
// of a volume with one ephemeral X25519 key per recipient (the
// VolumeEncrypter, docs/FORMAT.md §5) and a fresh session key per message,
// and each message still decrypts alone with the tenant's key.
func TestVolumeSharesEphemeralPerRecipient(t *testing.T) {
	f := newFixture(t)
	f.ingest(5, 3000)
	res := f.seal("dvd5")
	files, _ := imageFiles(t, res.Images[0].Path)
	var first map[uint64][]byte
	var nIDs int
	seenWrapped := map[string]bool{}
	msgs := 0
	for path, b := range files {
		if !strings.HasPrefix(path, "MSG/") {
			continue
		}
		msgs++
		ids, points, wrapped := pkeskHeads(t, b)
		if len(ids) < 2 || len(points) != len(ids) {
			t.Fatalf("%s: %d PKESKs, %d of them ECDH; want the tenant key and the verification key, both Curve25519", path, len(ids), len(points))
		}
		if first == nil {
			first, nIDs = points, len(ids)
		}
		if len(ids) != nIDs {
			t.Fatalf("%s: %d recipients, earlier messages had %d", path, len(ids), nIDs)
		}
		for id, p := range points {
			if !bytes.Equal(p, first[id]) {
				t.Fatalf("%s: recipient %016X has ephemeral point %x, earlier messages %x", path, id, p, first[id])
			}
			if seenWrapped[string(wrapped[id])] {
				t.Fatalf("%s: recipient %016X: wrapped session key repeats another message's", path, id)
			}
			seenWrapped[string(wrapped[id])] = true
		}
		r, err := pgp.Decrypt(bytes.NewReader(b), f.secret)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		plain := readAll(t, r)
		found := false
		for _, raw := range f.raw {
			found = found || bytes.Equal(plain, raw)
		}
		if !found {
			t.Fatalf("%s decrypts to bytes that were never ingested", path)
		}
	}
	if msgs != 5 {
		t.Fatalf("%d message files, want 5", msgs)
	}
}
