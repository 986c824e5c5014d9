package pgp

import (
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/adler32"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// SizedMessage builds one encrypted OpenPGP message, in the format Encrypt
// writes (a PKESK per recipient, SEIPDv1 with MDC, a ZLIB Compressed Data
// packet when the recipients allow it, one binary Literal Data packet with
// an empty name and date 0), from data written a piece at a time, such
// that the exact size of the message, were it finished now or after one
// more piece, is known before the piece is written. The sealer packs
// volumes on it: INDEX.PGP grows with every message placed.
//
// How the size stays exactly predictable (docs/FORMAT.md §5):
//   - the session key and PKESK packets are made when the message is
//     created, so their size is known;
//   - every packet length uses partial body lengths of 2^16 octets and a
//     final normal length (RFC 4880 §4.2.2.4), so framing is a function of
//     the body length alone;
//   - the ZLIB stream (RFC 1950) is compressed one literal chunk (2^16
//     octets with its length header) at a time: each chunk by a fresh
//     DEFLATE compressor (RFC 1951) ended with a sync flush (an empty
//     stored block), the last one ended as final. No chunk refers back to
//     another, so the compressed size of the chunks done is final, and
//     only the open chunk (at most 2^16 octets) is compressed again to
//     learn the size after one more piece.
//
// The compressed stream goes to the spool writer given to NewSizedMessage
// as it is made; WriteMessage encrypts it into the final message. A
// SizedMessage is not safe for concurrent use.
type SizedMessage struct {
	keys     []byte // PKESK packets
	cipher   packet.CipherFunction
	key      []byte
	compress bool
	level    int
	spool    io.Writer
	spooled  int64  // stream octets written to spool
	open     []byte // literal body octets of the open chunk (a full chunk is cut off when more follow)
	started  bool   // the literal packet's tag is in a chunk already spooled
	zw       *flate.Writer
	adler    hash.Hash32
	scratch  countWriter
	finished bool
	total    int64 // with finished: the whole stream
}

// sizedChunk is the partial body length used for every packet of a
// SizedMessage (2^16 octets, encoded as 224+16).
const sizedChunk = 1 << 16

// literalHeader is the start of the Literal Data body: format 'b', empty
// file name, date 0 (RFC 4880 §5.9).
var literalHeader = []byte{'b', 0, 0, 0, 0, 0}

// NewSizedMessage starts a message to `to` (algorithms as Encrypt chooses
// them, Choose), whose compressed stream is written to spool as it grows.
func NewSizedMessage(spool io.Writer, to openpgp.EntityList, opts EncryptOptions) (*SizedMessage, error) {
	if len(to) == 0 {
		return nil, fmt.Errorf("pgp: encrypt: %w: no recipients", ErrNoKey)
	}
	algs, cfg, lvl := opts.settings(to)
	m := &SizedMessage{cipher: cipherOf(algs), compress: algs.Compression == "ZLIB", level: lvl, spool: spool}
	m.key = make([]byte, m.cipher.KeySize())
	if _, err := io.ReadFull(rand.Reader, m.key); err != nil {
		return nil, err
	}
	var keys bytes.Buffer
	if err := goCryptoKeys(to, cfg)(&keys, m.cipher, m.key); err != nil {
		return nil, fmt.Errorf("pgp: encrypt: %w", err)
	}
	m.keys = keys.Bytes()
	m.open = append(m.open, literalHeader...)
	if m.compress {
		m.adler = adler32.New()
		var err error
		if m.zw, err = flate.NewWriter(nil, lvl); err != nil {
			return nil, fmt.Errorf("pgp: encrypt: %w", err)
		}
		if err := m.emit([]byte{0x78, 0x01}); err != nil { // ZLIB header: deflate, 32 KiB window, no dictionary
			return nil, err
		}
	}
	return m, nil
}

// Write adds p to the literal data.
func (m *SizedMessage) Write(p []byte) (int, error) {
	if m.finished {
		return 0, fmt.Errorf("pgp: write after Finish")
	}
	m.open = append(m.open, p...)
	for len(m.open) > sizedChunk {
		seg := chunk(nil, m.open[:sizedChunk], false, m.started)
		if err := m.put(seg, false); err != nil {
			return 0, err
		}
		m.open = append(m.open[:0], m.open[sizedChunk:]...)
	}
	return len(p), nil
}

// chunk appends to dst the literal stream octets of one chunk of body:
// the packet tag first unless started, then its length header.
func chunk(dst, body []byte, final, started bool) []byte {
	if !started {
		dst = append(dst, 0xC0|11)
	}
	if final {
		dst = appendLength(dst, len(body))
	} else {
		dst = append(dst, 224+16)
	}
	return append(dst, body...)
}

// put compresses (or stores) one literal chunk to the spool.
func (m *SizedMessage) put(seg []byte, final bool) error {
	m.started = true
	if !m.compress {
		return m.emit(seg)
	}
	m.adler.Write(seg)
	var buf bytes.Buffer
	if err := deflateChunk(m.zw, &buf, seg, final); err != nil {
		return err
	}
	if final {
		buf.Write(binary.BigEndian.AppendUint32(nil, m.adler.Sum32()))
	}
	return m.emit(buf.Bytes())
}

func (m *SizedMessage) emit(b []byte) error {
	n, err := m.spool.Write(b)
	m.spooled += int64(n)
	if err != nil {
		return fmt.Errorf("pgp: spool: %w", err)
	}
	return nil
}

// deflateChunk compresses seg with zw reset to w: a sync flush after it,
// or the final block when final.
func deflateChunk(zw *flate.Writer, w io.Writer, seg []byte, final bool) error {
	zw.Reset(w)
	if _, err := zw.Write(seg); err != nil {
		return err
	}
	if final {
		return zw.Close()
	}
	return zw.Flush()
}

// streamWith is the exact length of the spooled stream if p were written
// and the message finished. It compresses the open chunk and p again.
func (m *SizedMessage) streamWith(p []byte) (int64, error) {
	n := m.spooled
	open := append(append([]byte(nil), m.open...), p...)
	started := m.started
	for {
		final := len(open) <= sizedChunk
		body := open
		if !final {
			body = open[:sizedChunk]
		}
		seg := chunk(nil, body, final, started)
		started = true
		if !m.compress {
			n += int64(len(seg))
		} else {
			m.scratch.n = 0
			if err := deflateChunk(m.zw, &m.scratch, seg, final); err != nil {
				return 0, err
			}
			n += m.scratch.n
			if final {
				n += 4 // ADLER32
			}
		}
		if final {
			return n, nil
		}
		open = open[sizedChunk:]
	}
}

// SizeWith returns the exact size in octets of the finished message if p
// were written first. It costs compressing up to 2^16 octets plus len(p).
func (m *SizedMessage) SizeWith(p []byte) (int64, error) {
	s, err := m.streamWith(p)
	if err != nil {
		return 0, err
	}
	return m.sizeOf(s), nil
}

// SizeBound returns an upper bound of SizeWith for any p of n octets,
// without compressing: the open chunk and p counted as DEFLATE's stored
// blocks (5 octets a block of at most 65,535, RFC 1951 §3.2.4), which is
// the most the compressor writes.
func (m *SizedMessage) SizeBound(n int64) int64 {
	open := int64(len(m.open)) + n
	chunks := open/sizedChunk + 1
	s := m.spooled + open + chunks*6 // tag or chunk length headers: at most 6 a chunk
	if m.compress {
		s += chunks*(2*5+5+1) + 4 // two stored blocks, the flush or final block, alignment; ADLER32
	}
	return m.sizeOf(s)
}

// sizeOf is the message size for a spooled stream of s octets: PKESKs,
// then SEIPD (version, 18 octets of prefix, the Compressed Data packet or
// the literal stream, 22 of MDC packet).
func (m *SizedMessage) sizeOf(s int64) int64 {
	inner := s
	if m.compress {
		inner = framedLen(1 + s)
	}
	return int64(len(m.keys)) + framedLen(1+aes.BlockSize+2+inner+22)
}

// framedLen is the length of a packet of body octets as partialWriter
// frames it: one tag octet, a partial length octet per 2^16 octets while
// more than 2^16 remain, then a normal length header (RFC 4880 §4.2.2).
func framedLen(body int64) int64 {
	var k int64
	if body > sizedChunk {
		k = (body - 1) / sizedChunk
	}
	r := body - k*sizedChunk
	return 1 + k*(1+sizedChunk) + int64(len(appendLength(nil, int(r)))) + r
}

// appendLength appends a new-format normal body length (RFC 4880 §4.2.2.1–3).
func appendLength(b []byte, n int) []byte {
	switch {
	case n < 192:
		return append(b, byte(n))
	case n < 8384:
		return append(b, byte((n-192)>>8)+192, byte(n-192))
	default:
		return append(b, 255, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// Finish writes the rest of the stream (the open chunk, ZLIB's checksum)
// to the spool and returns the message's exact size. No Write may follow.
func (m *SizedMessage) Finish() (int64, error) {
	if !m.finished {
		if err := m.put(chunk(nil, m.open, true, m.started), true); err != nil {
			return 0, err
		}
		m.open, m.finished, m.total = nil, true, m.spooled
		m.zw = nil // its state (about 0.5 MiB at level 1) is not needed again
	}
	return m.sizeOf(m.total), nil
}

// WriteMessage writes the finished message to w: the PKESKs, then SEIPD
// around the spooled stream read from spooled (exactly the octets the
// spool received). It returns the octets written, which equal Finish's size.
func (m *SizedMessage) WriteMessage(w io.Writer, spooled io.Reader) (int64, error) {
	if !m.finished {
		return 0, fmt.Errorf("pgp: WriteMessage before Finish")
	}
	cw := &countWriter{w: w}
	if _, err := cw.Write(m.keys); err != nil {
		return cw.n, err
	}
	if _, err := cw.Write([]byte{0xC0 | 18}); err != nil {
		return cw.n, err
	}
	seipd := &partialWriter{w: nopWriteCloser{cw}}
	if _, err := seipd.Write([]byte{1}); err != nil { // SEIPD version 1
		return cw.n, err
	}
	block, err := aes.NewCipher(m.key) // AES-128 or AES-256 (Choose)
	if err != nil {
		return cw.n, err
	}
	iv := make([]byte, block.BlockSize())
	if _, err := io.ReadFull(rand.Reader, iv); err != nil {
		return cw.n, err
	}
	s, prefix := packet.NewOCFBEncrypter(block, iv, packet.OCFBNoResync)
	if _, err := seipd.Write(prefix); err != nil {
		return cw.n, err
	}
	mdc := sha1.New()
	mdc.Write(iv)
	mdc.Write(iv[len(iv)-2:])
	enc := &streamWriter{s: s, w: seipd, h: mdc}
	if m.compress {
		if _, err = enc.Write([]byte{0xC0 | 8}); err == nil {
			cp := &partialWriter{w: nopWriteCloser{enc}}
			if _, err = cp.Write([]byte{byte(packet.CompressionZLIB)}); err == nil {
				if _, err = io.Copy(cp, io.LimitReader(spooled, m.total)); err == nil {
					err = cp.Close()
				}
			}
		}
	} else {
		_, err = io.Copy(enc, io.LimitReader(spooled, m.total))
	}
	if err == nil {
		enc.h.Write([]byte{0xD3, 0x14})
		err = enc.writeRaw(append([]byte{0xD3, 0x14}, mdc.Sum(nil)...)) // MDC packet (RFC 4880 §5.14)
	}
	if err == nil {
		err = seipd.Close()
	}
	if err == nil && cw.n != m.sizeOf(m.total) {
		err = fmt.Errorf("pgp: sized message is %d octets, %d predicted (bug)", cw.n, m.sizeOf(m.total))
	}
	return cw.n, err
}

// streamWriter encrypts with s into w, hashing the plaintext into h for
// the MDC.
type streamWriter struct {
	s interface{ XORKeyStream(dst, src []byte) }
	w io.Writer
	h hash.Hash
}

func (e *streamWriter) Write(p []byte) (int, error) {
	e.h.Write(p)
	return len(p), e.writeRaw(p)
}

// writeRaw encrypts p without hashing it.
func (e *streamWriter) writeRaw(p []byte) error {
	buf := make([]byte, len(p))
	e.s.XORKeyStream(buf, p)
	_, err := e.w.Write(buf)
	return err
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.w == nil {
		c.n += int64(len(p))
		return len(p), nil
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
