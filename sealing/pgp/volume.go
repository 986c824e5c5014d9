package pgp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/aes/keywrap"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// VolumeEncrypter encrypts the messages of one volume to a fixed set of
// recipients. Every message gets a fresh random session key, as with
// Encrypt; for Curve25519 ECDH recipients the ephemeral key and the
// RFC 6637 key-encryption key (KEK) are made once, when the
// VolumeEncrypter is created, and each message's session key is wrapped
// (RFC 3394) under that KEK. Readers see standard v3 PKESK packets
// (RFC 4880 §5.1, RFC 6637 §8): what the messages of one volume share is
// the ephemeral point in their PKESKs. doc.go gives the security argument.
// Other recipients (RSA) take go-crypto's per-message path.
//
// A VolumeEncrypter is safe for concurrent use. Create one per volume and
// drop it when the volume is written: it holds the KEKs.
type VolumeEncrypter struct {
	algs   Algorithms
	cipher packet.CipherFunction
	level  int
	cfg    *packet.Config
	recips []volumeRecipient
}

type volumeRecipient struct {
	pub *packet.PublicKey // go-crypto's path when header is nil
	// Curve25519 ECDH: the PKESK up to and including the ephemeral point's
	// MPI, and the KEK derived for it.
	header []byte
	kek    []byte
}

// pkeskECDHLen is the body length of a v3 PKESK to a Curve25519 ECDH key
// with a 40-octet key block: version, key ID, algorithm, MPI(0x40 || 32
// octets), length octet, 48 octets of wrapped key.
const pkeskECDHLen = 1 + 8 + 1 + (2 + 33) + 1 + 48

// NewVolumeEncrypter prepares encryption to `to` with opts (Now fixes the
// key validity time for the whole volume). Algorithms are chosen as
// Encrypt chooses them (Choose).
func NewVolumeEncrypter(to openpgp.EntityList, opts EncryptOptions) (*VolumeEncrypter, error) {
	if len(to) == 0 {
		return nil, fmt.Errorf("pgp: encrypt: %w: no recipients", ErrNoKey)
	}
	algs, cfg, lvl := opts.settings(to)
	v := &VolumeEncrypter{algs: algs, cipher: cipherOf(algs), level: lvl, cfg: cfg}
	now := cfg.Now()
	for _, e := range to {
		k, ok := e.EncryptionKey(now)
		if !ok {
			return nil, fmt.Errorf("pgp: encrypt: %s: %w", Fingerprint(e), ErrCannotEncrypt)
		}
		r := volumeRecipient{pub: k.PublicKey}
		if ek, ok := curve25519Key(k.PublicKey); ok {
			h, kek, err := ephemeralKEK(&ek)
			if err != nil {
				return nil, fmt.Errorf("pgp: encrypt: %s: %w", Fingerprint(e), err)
			}
			r.header, r.kek = h, kek
		}
		v.recips = append(v.recips, r)
	}
	return v, nil
}

// ephemeralKEK makes an ephemeral X25519 key pair v, V = vG, computes
// S = vR and the KEK for recipient k, and returns the PKESK prefix carrying
// V: packet header (new format, tag 1), version 3, key ID, algorithm 18,
// MPI of 0x40 || V. v is go-crypto's local: never stored or written.
func ephemeralKEK(k *ecdhPublic) (header, kek []byte, err error) {
	eph, z, err := k.curve.Encaps(rand.Reader, k.point)
	if err != nil {
		return nil, nil, fmt.Errorf("recipient point: %w", err)
	}
	if len(eph) != 32 {
		return nil, nil, fmt.Errorf("ephemeral point of %d octets", len(eph))
	}
	kek = k.kek(z)
	clear(z)
	h := make([]byte, 0, 2+pkeskECDHLen-49)
	h = append(h, 0xC0|1, pkeskECDHLen, 3)
	h = binary.BigEndian.AppendUint64(h, k.keyID)
	h = append(h, byte(packet.PubKeyAlgoECDH), 0x01, 0x07, 0x40) // MPI of 263 bits: 0x40 || V
	h = append(h, eph...)
	return h, kek, nil
}

// Algorithms reports what every message of this volume uses.
func (v *VolumeEncrypter) Algorithms() Algorithms { return v.algs }

// Encrypt returns a writer whose input becomes one binary OpenPGP message
// on w, exactly as Encrypt writes it (PKESK per recipient, SEIPDv1 with
// MDC, optional ZLIB, binary literal with an empty name and zero date) with
// its own random session key. Close the writer to finish the message (it
// does not close w).
func (v *VolumeEncrypter) Encrypt(w io.Writer) (io.WriteCloser, Algorithms, error) {
	pw, err := encryptStream(w, v.writeKeys, v.cipher, v.algs, v.level, v.cfg)
	if err != nil {
		return nil, Algorithms{}, fmt.Errorf("pgp: encrypt: %w", err)
	}
	return pw, v.algs, nil
}

func (v *VolumeEncrypter) writeKeys(w io.Writer, cipher packet.CipherFunction, key []byte) error {
	for _, r := range v.recips {
		if r.header == nil {
			if err := packet.SerializeEncryptedKeyAEAD(w, r.pub, cipher, false, key, v.cfg); err != nil {
				return err
			}
			continue
		}
		m, err := sessionKeyBlock(cipher, key)
		if err != nil {
			return err
		}
		c, err := keywrap.Wrap(r.kek, m)
		clear(m)
		if err != nil {
			return err
		}
		if len(c) != 48 {
			return fmt.Errorf("wrapped session key of %d octets", len(c))
		}
		var buf [2 + pkeskECDHLen]byte
		p := append(buf[:0], r.header...)
		p = append(p, byte(len(c)))
		p = append(p, c...)
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}
