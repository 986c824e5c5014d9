package pgp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/aes/keywrap"
	gcecdh "github.com/ProtonMail/go-crypto/openpgp/ecdh"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// DefaultKEKCacheSize caps the KEKs a Decrypter keeps: a volume written by
// a VolumeEncrypter needs one per recipient key, but a volume whose
// messages each carry their own ephemeral key (go-crypto, gpg) would add
// one per message.
const DefaultKEKCacheSize = 1024

// maxPKESK bounds the body of a public-key encrypted session key packet
// the fast path reads (RSA-4096 is about 520 octets).
const maxPKESK = 4096

// Decrypter decrypts messages with a fixed set of unlocked secret keys. For
// a v3 PKESK to one of its Curve25519 ECDH keys it derives the RFC 6637 KEK
// itself and caches it per (ephemeral point, key), so the messages of a
// volume written by a VolumeEncrypter cost one X25519 ladder per volume, not
// one per message. Everything else (RSA, other curves, a PKESK it cannot
// unwrap, key ID 0, anything but SEIPDv1) goes through go-crypto's
// openpgp.ReadMessage, as Decrypt does. Either way the MDC is checked when
// the returned reader reaches EOF, and messages without integrity
// protection are refused.
//
// A Decrypter is safe for concurrent use. It holds derived KEKs: drop it
// when the verification is done.
type Decrypter struct {
	keys openpgp.EntityList
	ecdh map[uint64][]int // key ID → index into secrets
	secs []ecdhSecret

	mu      sync.Mutex
	cache   map[kekID][]byte
	max     int
	ladders atomic.Int64 // X25519 computations (KEK derivations), for tests
}

type ecdhSecret struct {
	pub ecdhPublic
	d   []byte // native little-endian X25519 scalar
}

type kekID struct {
	point [32]byte
	sec   int
}

// NewDecrypter returns a Decrypter for keys (as ReadSecret returns them:
// unlocked; locked or stub secret keys take go-crypto's path, which fails
// for them as Decrypt does).
func NewDecrypter(keys openpgp.EntityList) *Decrypter {
	d := &Decrypter{keys: keys, ecdh: map[uint64][]int{}, cache: map[kekID][]byte{}, max: DefaultKEKCacheSize}
	add := func(priv *packet.PrivateKey) {
		if priv == nil || priv.Encrypted || priv.Dummy() {
			return
		}
		pub, ok := curve25519Key(&priv.PublicKey)
		if !ok {
			return
		}
		sk, ok := priv.PrivateKey.(*gcecdh.PrivateKey)
		if !ok || len(sk.D) != 32 {
			return
		}
		d.ecdh[pub.keyID] = append(d.ecdh[pub.keyID], len(d.secs))
		d.secs = append(d.secs, ecdhSecret{pub: pub, d: sk.D})
	}
	for _, e := range keys {
		add(e.PrivateKey)
		for _, s := range e.Subkeys {
			add(s.PrivateKey)
		}
	}
	return d
}

// Decrypt reads one OpenPGP message from r and returns its literal data,
// like the package's Decrypt(r, keys): a read error at EOF means the
// message was modified (MDC).
func (d *Decrypter) Decrypt(r io.Reader) (io.Reader, error) {
	rec := &recorder{r: r}
	var pkesks []pkesk
	var ids []uint64
	var next int // offset in rec.buf of the first packet after the PKESKs
	for {
		next = len(rec.buf)
		tag, bodyLen, ok := rec.header()
		if !ok || tag != 1 {
			break
		}
		if bodyLen < 0 || bodyLen > maxPKESK {
			return d.fallback(rec, r, ids)
		}
		body, ok := rec.read(bodyLen)
		if !ok {
			return d.fallback(rec, r, ids)
		}
		p, ok := parsePKESK(body)
		if len(body) >= 9 && body[0] == 3 {
			ids = append(ids, binary.BigEndian.Uint64(body[1:9]))
		}
		if ok {
			pkesks = append(pkesks, p)
		}
	}
	// The first packet after the PKESKs must be SEIPD (tag 18) version 1.
	if len(rec.buf) == next || tagOf(rec.buf[next]) != 18 || rec.err != nil {
		return d.fallback(rec, r, ids)
	}
	if v, ok := rec.read(1); !ok || v[0] != 1 {
		return d.fallback(rec, r, ids)
	}
	cipher, key, ok := d.sessionKey(pkesks)
	if !ok {
		return d.fallback(rec, r, ids)
	}
	packets := packet.NewReader(io.MultiReader(bytes.NewReader(rec.buf[next:]), r))
	p, err := packets.Next()
	if err != nil {
		return nil, fmt.Errorf("pgp: decrypt: %w", err)
	}
	se, ok := p.(*packet.SymmetricallyEncrypted)
	if !ok || se.Version != 1 || !se.IntegrityProtected {
		return nil, fmt.Errorf("pgp: decrypt: %w", pgperrors.UnsupportedError("message is not integrity protected"))
	}
	decrypted, err := se.Decrypt(cipher, key)
	if err != nil {
		return nil, fmt.Errorf("pgp: decrypt: %w", err)
	}
	lit, err := readLiteral(decrypted)
	if err != nil {
		return nil, fmt.Errorf("pgp: decrypt: %w", err)
	}
	return lit, nil
}

// readLiteral returns the literal data inside the decrypted SEIPD stream,
// read with go-crypto's packet reader as openpgp.ReadMessage reads it:
// a Compressed Data packet (RFC 4880 §5.6) is opened, one-pass signatures
// and anything else before the Literal Data packet (§5.9) are skipped (the
// MDC covers them and any trailing signature). At EOF of the literal data
// the returned reader closes decrypted, which checks the MDC; a mismatch
// is the read error at EOF.
func readLiteral(decrypted io.ReadCloser) (io.Reader, error) {
	packets := packet.NewReader(decrypted)
	for {
		p, err := packets.Next()
		if err != nil {
			return nil, err
		}
		switch p := p.(type) {
		case *packet.Compressed:
			if err := packets.Push(p.Body); err != nil {
				return nil, err
			}
		case *packet.LiteralData:
			return &mdcCheckReader{body: p.Body, decrypted: decrypted}, nil
		}
	}
}

// mdcCheckReader returns the literal data and, at its EOF, closes the
// decrypted stream, which reads the rest and checks the MDC (RFC 4880
// §5.13); a mismatch is the read error at EOF.
type mdcCheckReader struct {
	body      io.Reader
	decrypted io.ReadCloser
	done      bool
}

func (m *mdcCheckReader) Read(b []byte) (int, error) {
	if m.done {
		return 0, io.EOF
	}
	n, err := m.body.Read(b)
	if err == io.EOF {
		if cerr := m.decrypted.Close(); cerr != nil {
			return n, cerr
		}
		m.done, m.body = true, nil
		return n, io.EOF
	}
	if err != nil {
		return n, pgperrors.HandleSensitiveParsingError(err, true)
	}
	return n, nil
}

// sessionKey unwraps the first PKESK it can with a cached or derived KEK.
func (d *Decrypter) sessionKey(pkesks []pkesk) (packet.CipherFunction, []byte, bool) {
	for _, p := range pkesks {
		for _, i := range d.ecdh[p.keyID] {
			kek, err := d.kek(p.point, i)
			if err != nil {
				continue
			}
			m, err := keywrap.Unwrap(kek, p.wrapped)
			if err != nil {
				continue
			}
			c, key, err := parseSessionKeyBlock(m)
			if err == nil {
				return c, key, true
			}
		}
	}
	return 0, nil, false
}

func (d *Decrypter) kek(point [32]byte, i int) ([]byte, error) {
	id := kekID{point: point, sec: i}
	d.mu.Lock()
	kek, ok := d.cache[id]
	d.mu.Unlock()
	if ok {
		return kek, nil
	}
	s := &d.secs[i]
	d.ladders.Add(1)
	z, err := s.pub.curve.Decaps(point[:], s.d)
	if err != nil {
		return nil, err
	}
	kek = s.pub.kek(z)
	clear(z)
	d.mu.Lock()
	if len(d.cache) >= d.max {
		for k := range d.cache { // evict one arbitrary entry
			delete(d.cache, k)
			break
		}
	}
	d.cache[id] = kek
	d.mu.Unlock()
	return kek, nil
}

// fallback replays what was read and decrypts with go-crypto. A key that
// is not a recipient gets an error naming the message's recipients.
func (d *Decrypter) fallback(rec *recorder, r io.Reader, ids []uint64) (io.Reader, error) {
	if rec.err != nil && !errors.Is(rec.err, io.EOF) && !errors.Is(rec.err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("pgp: decrypt: %w", rec.err)
	}
	out, err := Decrypt(io.MultiReader(bytes.NewReader(rec.buf), r), d.keys)
	if errors.Is(err, pgperrors.ErrKeyIncorrect) && len(ids) > 0 {
		have := make([]string, 0, len(d.keys))
		for _, e := range d.keys {
			have = append(have, Fingerprint(e))
		}
		want := make([]string, len(ids))
		for i, id := range ids {
			want[i] = fmt.Sprintf("%016X", id)
		}
		return nil, fmt.Errorf("pgp: decrypt: %w: the message is encrypted to key IDs %s; none of them is an unlocked secret key of %s",
			pgperrors.ErrKeyIncorrect, strings.Join(want, ", "), strings.Join(have, ", "))
	}
	return out, err
}

// pkesk is a parsed v3 PKESK to a Curve25519 ECDH key.
type pkesk struct {
	keyID   uint64
	point   [32]byte
	wrapped []byte
}

// parsePKESK parses a v3 PKESK body of algorithm 18 whose MPI is a
// 0x40-prefixed Curve25519 point; ok false for anything else.
func parsePKESK(b []byte) (pkesk, bool) {
	// version, key ID, algorithm, MPI bit count (263: 0x40 || 32 octets)
	if len(b) < 1+8+1+2+33+1 || b[0] != 3 || b[9] != byte(packet.PubKeyAlgoECDH) || b[10] != 0x01 || b[11] != 0x07 || b[12] != 0x40 {
		return pkesk{}, false
	}
	var p pkesk
	p.keyID = binary.BigEndian.Uint64(b[1:9])
	if p.keyID == 0 {
		return pkesk{}, false // wildcard: go-crypto tries every key
	}
	copy(p.point[:], b[13:45])
	n := int(b[45])
	if len(b) != 46+n || n < 16 || n%8 != 0 {
		return pkesk{}, false
	}
	p.wrapped = b[46:]
	return p, true
}

func tagOf(b byte) byte {
	if b&0x40 != 0 {
		return b & 0x3F
	}
	return (b >> 2) & 0x0F
}

// recorder reads packet headers and bodies from r, keeping every octet.
type recorder struct {
	r   io.Reader
	buf []byte
	err error
}

func (c *recorder) read(n int) ([]byte, bool) {
	if c.err != nil {
		return nil, false
	}
	start := len(c.buf)
	c.buf = append(c.buf, make([]byte, n)...)
	m, err := io.ReadFull(c.r, c.buf[start:])
	c.buf = c.buf[:start+m]
	if err != nil {
		c.err = err
		return nil, false
	}
	return c.buf[start:], true
}

// header reads one packet header (RFC 4880 §4.2) and returns the tag and
// the body length, -1 for partial or indeterminate lengths.
func (c *recorder) header() (tag byte, n int, ok bool) {
	b, ok := c.read(1)
	if !ok || b[0]&0x80 == 0 {
		return 0, 0, false
	}
	t := b[0]
	if t&0x40 != 0 { // new format
		l, ok := c.read(1)
		if !ok {
			return 0, 0, false
		}
		switch {
		case l[0] < 192:
			return t & 0x3F, int(l[0]), true
		case l[0] < 224:
			l2, ok := c.read(1)
			if !ok {
				return 0, 0, false
			}
			return t & 0x3F, (int(l[0])-192)<<8 + int(l2[0]) + 192, true
		case l[0] == 255:
			l4, ok := c.read(4)
			if !ok {
				return 0, 0, false
			}
			return t & 0x3F, int(binary.BigEndian.Uint32(l4)), true
		default:
			return t & 0x3F, -1, true
		}
	}
	tag = (t >> 2) & 0x0F
	switch t & 3 {
	case 0:
		l, ok := c.read(1)
		if !ok {
			return 0, 0, false
		}
		return tag, int(l[0]), true
	case 1:
		l, ok := c.read(2)
		if !ok {
			return 0, 0, false
		}
		return tag, int(binary.BigEndian.Uint16(l)), true
	case 2:
		l, ok := c.read(4)
		if !ok {
			return 0, 0, false
		}
		return tag, int(binary.BigEndian.Uint32(l)), true
	}
	return tag, -1, true
}
