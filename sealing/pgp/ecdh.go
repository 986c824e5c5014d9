package pgp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"

	gcecdh "github.com/ProtonMail/go-crypto/openpgp/ecdh"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// RFC 6637 ECDH (public-key algorithm 18) on Curve25519 as GnuPG and
// go-crypto write it (the "legacy" cv25519 encoding of RFC 4880bis/crypto
// refresh §5.5.5.6): the point is 0x40 || 32-octet little-endian
// u-coordinate, the shared secret is the 32-octet X25519 output as is.
// doc.go explains why the ephemeral key and the KEK are per volume.

// curve25519OID is the encoded curve OID field (length octet, then
// 1.3.6.1.4.1.3029.1.5.1), RFC 4880bis §9.2 / RFC 6637 §11.
var curve25519OID = []byte{0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01}

// anonymousSender is the 20-octet constant of the KDF parameters (RFC 6637 §8).
const anonymousSender = "Anonymous Sender    "

// ecdhPublic is what the KDF and a PKESK need of one Curve25519 ECDH key.
type ecdhPublic struct {
	keyID       uint64
	fingerprint []byte // 20-octet v4 fingerprint of this (sub)key
	point       []byte // 32-octet native u-coordinate, without the 0x40 prefix
	kdfHash     uint8  // RFC 4880 §9.4 hash id
	kdfCipher   uint8  // RFC 4880 §9.2 cipher id (7, 8 or 9)
	newHash     func() hash.Hash
	kekSize     int
	curve       x25519Curve
}

// x25519Curve is the part of go-crypto's Curve25519 ECDH curve used here
// (circl's X25519, about twice as fast here as crypto/ecdh's): Encaps makes
// an ephemeral key pair and returns its point and the shared secret with
// point; Decaps returns the shared secret of an ephemeral point and a
// secret scalar. Points and secrets are go-crypto's native 32-octet forms.
type x25519Curve interface {
	Encaps(rand io.Reader, point []byte) (ephemeral, sharedSecret []byte, err error)
	Decaps(ephemeral, secret []byte) (sharedSecret []byte, err error)
}

// curve25519Key returns the Curve25519 ECDH parameters of pub, or ok false
// when pub is anything else (RSA, other curves, v5/v6 keys, X25519 algorithm
// 25): those take go-crypto's path.
func curve25519Key(pub *packet.PublicKey) (ecdhPublic, bool) {
	if pub == nil || pub.Version != 4 || pub.PubKeyAlgo != packet.PubKeyAlgoECDH || len(pub.Fingerprint) != 20 {
		return ecdhPublic{}, false
	}
	k, ok := pub.PublicKey.(*gcecdh.PublicKey)
	if !ok || k.GetCurve() == nil || k.GetCurve().GetCurveName() != "curve25519" || len(k.Point) != 32 {
		return ecdhPublic{}, false
	}
	curve, ok := k.GetCurve().(x25519Curve)
	if !ok {
		return ecdhPublic{}, false
	}
	if k.KDF.Hash == nil || k.KDF.Cipher == nil {
		return ecdhPublic{}, false
	}
	// The curve OID is not exported: confirm it in the key packet's body
	// (version 4, creation time, algorithm 18, OID field).
	var buf bytes.Buffer
	if err := pub.Serialize(&buf); err != nil {
		return ecdhPublic{}, false
	}
	body, ok := packetBody(buf.Bytes())
	if !ok || len(body) < 6+len(curve25519OID) || body[0] != 4 || body[5] != 18 || !bytes.Equal(body[6:6+len(curve25519OID)], curve25519OID) {
		return ecdhPublic{}, false
	}
	kekSize := k.KDF.Cipher.KeySize()
	switch k.KDF.Cipher.Id() {
	case 7, 8, 9: // AES-128/192/256 key wrap
	default:
		return ecdhPublic{}, false
	}
	h := k.KDF.Hash
	if !h.Available() || h.Size() < kekSize {
		return ecdhPublic{}, false
	}
	return ecdhPublic{
		keyID:       pub.KeyId,
		fingerprint: bytes.Clone(pub.Fingerprint),
		point:       bytes.Clone(k.Point),
		kdfHash:     h.Id(),
		kdfCipher:   k.KDF.Cipher.Id(),
		newHash:     h.New,
		kekSize:     kekSize,
		curve:       curve,
	}, true
}

// packetBody returns the body of the single packet p (old or new format
// header with a definite length).
func packetBody(p []byte) ([]byte, bool) {
	if len(p) < 2 || p[0]&0x80 == 0 {
		return nil, false
	}
	var n, hdr int
	if p[0]&0x40 != 0 { // new format
		switch l := p[1]; {
		case l < 192:
			n, hdr = int(l), 2
		case l < 224:
			if len(p) < 3 {
				return nil, false
			}
			n, hdr = (int(l)-192)<<8+int(p[2])+192, 3
		case l == 255:
			if len(p) < 6 {
				return nil, false
			}
			n, hdr = int(binary.BigEndian.Uint32(p[2:6])), 6
		default:
			return nil, false
		}
	} else {
		switch p[0] & 3 {
		case 0:
			n, hdr = int(p[1]), 2
		case 1:
			if len(p) < 3 {
				return nil, false
			}
			n, hdr = int(binary.BigEndian.Uint16(p[1:3])), 3
		case 2:
			if len(p) < 5 {
				return nil, false
			}
			n, hdr = int(binary.BigEndian.Uint32(p[1:5])), 5
		default:
			return nil, false
		}
	}
	if len(p) != hdr+n {
		return nil, false
	}
	return p[hdr:], true
}

// kek derives the RFC 6637 §7 key-encryption key from the shared secret z:
// the leftmost kekSize octets of Hash(00 00 00 01 || z || Param), Param =
// curve OID field || 18 || 03 01 hash-id cipher-id || "Anonymous Sender    "
// || recipient fingerprint. Same as go-crypto's ecdh.buildKey without its
// stripped-zero compatibility variants (the decrypter falls back to
// go-crypto, which tries them, when an unwrap fails).
func (k *ecdhPublic) kek(z []byte) []byte {
	h := k.newHash()
	h.Write([]byte{0, 0, 0, 1})
	h.Write(z)
	h.Write(curve25519OID)
	h.Write([]byte{18, 3, 1, k.kdfHash, k.kdfCipher})
	h.Write([]byte(anonymousSender))
	h.Write(k.fingerprint)
	return h.Sum(nil)[:k.kekSize]
}

// sessionKeyBlock returns the RFC 6637 §8 key block for a v3 PKESK: cipher
// octet || key || 2-octet checksum (RFC 4880 §5.1), PKCS#5-padded to 40
// octets as go-crypto writes it (RFC 6637 §8 allows 5 octets of padding
// for AES-256, 21 for AES-128; GnuPG pads to a multiple of 8, which is the
// same 40 octets for AES-256).
func sessionKeyBlock(cipher packet.CipherFunction, key []byte) ([]byte, error) {
	n := 1 + len(key) + 2
	if n > 40 {
		return nil, fmt.Errorf("session key too long (%d octets)", len(key))
	}
	m := make([]byte, 40)
	m[0] = byte(cipher)
	copy(m[1:], key)
	var sum uint16
	for _, b := range key {
		sum += uint16(b)
	}
	binary.BigEndian.PutUint16(m[1+len(key):], sum)
	for i := n; i < 40; i++ {
		m[i] = byte(40 - n)
	}
	return m, nil
}

// parseSessionKeyBlock is the inverse of sessionKeyBlock for any valid
// PKCS#5 padding: it checks the padding, the cipher octet and the checksum.
func parseSessionKeyBlock(m []byte) (packet.CipherFunction, []byte, error) {
	if len(m) == 0 {
		return 0, nil, errors.New("empty session key block")
	}
	pad := int(m[len(m)-1])
	if pad == 0 || pad > len(m) {
		return 0, nil, errors.New("invalid session key padding")
	}
	for _, b := range m[len(m)-pad:] {
		if int(b) != pad {
			return 0, nil, errors.New("invalid session key padding")
		}
	}
	m = m[:len(m)-pad]
	if len(m) < 3 {
		return 0, nil, errors.New("truncated session key")
	}
	c := packet.CipherFunction(m[0])
	key := m[1 : len(m)-2]
	switch c {
	case packet.CipherAES128, packet.CipherAES192, packet.CipherAES256:
	default:
		return 0, nil, fmt.Errorf("session key cipher %d not supported here", c)
	}
	if len(key) != c.KeySize() {
		return 0, nil, errors.New("session key length does not match its cipher")
	}
	var sum uint16
	for _, b := range key {
		sum += uint16(b)
	}
	if binary.BigEndian.Uint16(m[len(m)-2:]) != sum {
		return 0, nil, errors.New("session key checksum is incorrect")
	}
	return c, key, nil
}
