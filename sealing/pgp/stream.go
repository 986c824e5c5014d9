package pgp

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/klauspost/compress/zlib"
)

// encryptStream builds the message Encrypt documents from go-crypto's
// packet layer, writing the Compressed Data packet (RFC 4880 §5.6) itself
// so that ZLIB writers are pooled: a fresh flate writer allocates and
// zeroes several hundred KiB, more than compressing a typical mail costs.
// When algs allows ZLIB, the first ProbeSize octets decide whether the
// message is compressed at all (compressProbe). writeKeys writes the PKESK
// packets for the fresh session key.
func encryptStream(w io.Writer, writeKeys func(w io.Writer, cipher packet.CipherFunction, key []byte) error, cipher packet.CipherFunction, algs Algorithms, level int, cfg *packet.Config) (io.WriteCloser, error) {
	key := make([]byte, cipher.KeySize())
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, err
	}
	if err := writeKeys(w, cipher, key); err != nil {
		return nil, err
	}
	payload, err := packet.SerializeSymmetricallyEncrypted(w, cipher, false, packet.CipherSuite{}, key, cfg)
	if err != nil {
		return nil, err
	}
	inner := payload
	if algs.Compression == "ZLIB" {
		inner = newCompressProbe(payload, level)
	}
	return packet.SerializeLiteral(inner, true, "", 0)
}

// cipherOf maps Algorithms.Cipher to its RFC 4880 §9.2 id.
func cipherOf(algs Algorithms) packet.CipherFunction {
	if algs.Cipher == "AES256" {
		return packet.CipherAES256
	}
	return packet.CipherAES128
}

// goCryptoKeys returns a writeKeys that encrypts the session key to each
// of to with go-crypto (a fresh ephemeral key per ECDH recipient).
func goCryptoKeys(to openpgp.EntityList, cfg *packet.Config) func(io.Writer, packet.CipherFunction, []byte) error {
	return func(w io.Writer, cipher packet.CipherFunction, key []byte) error {
		for _, e := range to {
			k, ok := e.EncryptionKey(cfg.Now())
			if !ok {
				return fmt.Errorf("%s: %w", Fingerprint(e), ErrCannotEncrypt)
			}
			if err := packet.SerializeEncryptedKeyAEAD(w, k.PublicKey, cipher, false, key, cfg); err != nil {
				return err
			}
		}
		return nil
	}
}

// ProbeSize is how much of a message (its literal packet: 6 octets of
// header, then the message) decides whether it is compressed: when ZLIB
// at the message's level does not shrink the first ProbeSize octets (or the
// whole message, if shorter) by at least 1/16, the message is written
// without a Compressed Data packet. FORMAT.md §5 allows either; readers
// (gpg, Decrypter) tell them apart by the packet tag.
const ProbeSize = 64 << 10

// compressProbe holds the first ProbeSize octets written to it, compresses
// them into a scratch buffer, and then either emits a Compressed Data
// packet (header, algorithm, the compressed probe, then the rest of the
// ZLIB stream) or passes the probe and everything after it to w as is.
// The probe's ZLIB writer keeps going when it compresses, so no octet is
// compressed twice. Close closes w.
type compressProbe struct {
	w     io.WriteCloser // the SEIPD payload
	level int
	buf   *[]byte // the probe, from probeBufs
	out   io.WriteCloser
}

var (
	probeBufs = sync.Pool{New: func() any { b := make([]byte, 0, ProbeSize); return &b }}
	scratches sync.Pool // of *bytes.Buffer, for the compressed probe
)

func newCompressProbe(w io.WriteCloser, level int) *compressProbe {
	buf := probeBufs.Get().(*[]byte)
	*buf = (*buf)[:0]
	return &compressProbe{w: w, level: level, buf: buf}
}

func (c *compressProbe) Write(p []byte) (int, error) {
	if c.out != nil {
		return c.out.Write(p)
	}
	b := *c.buf
	n := min(len(p), ProbeSize-len(b))
	*c.buf = append(b, p[:n]...)
	if len(*c.buf) < ProbeSize {
		return len(p), nil
	}
	if err := c.decide(false); err != nil {
		return n, err
	}
	m, err := c.out.Write(p[n:])
	return n + m, err
}

func (c *compressProbe) Close() error {
	if c.out == nil {
		return c.decide(true)
	}
	return c.out.Close()
}

// decide compresses the probe and writes what it chose; at the end of the
// message (last) it also finishes the packet and closes w.
func (c *compressProbe) decide(last bool) error {
	probe := *c.buf
	defer func() {
		*c.buf = (*c.buf)[:0]
		probeBufs.Put(c.buf)
		c.buf = nil
	}()
	scratch, _ := scratches.Get().(*bytes.Buffer)
	if scratch == nil {
		scratch = new(bytes.Buffer)
	}
	defer func() { scratch.Reset(); scratches.Put(scratch) }()
	sw := &switchWriter{w: scratch}
	zw := getZlib(c.level, sw)
	zw.Write(probe) // into a bytes.Buffer: cannot fail
	if last {
		zw.Close()
	} else {
		zw.Flush()
	}
	if 16*(scratch.Len()+2) > 15*len(probe) { // saves less than 1/16: store
		putZlib(c.level, zw)
		c.out = c.w
		if _, err := c.w.Write(probe); err != nil {
			return err
		}
		if last {
			return c.w.Close()
		}
		return nil
	}
	if _, err := c.w.Write([]byte{0xC0 | 8}); err != nil { // new-format tag 8
		return err
	}
	pw := &partialWriter{w: c.w}
	pw.Write([]byte{byte(packet.CompressionZLIB)}) // buffered: cannot fail
	if _, err := pw.Write(scratch.Bytes()); err != nil {
		return err
	}
	sw.w = pw
	if last {
		putZlib(c.level, zw)
		return pw.Close()
	}
	c.out = &zlibPacket{zw: zw, level: c.level, pw: pw}
	return nil
}

// switchWriter lets the probe's ZLIB writer go on into the packet body
// after it compressed the probe into a buffer.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

type zlibPacket struct {
	zw    *zlib.Writer
	level int
	pw    *partialWriter
}

func (z *zlibPacket) Write(p []byte) (int, error) { return z.zw.Write(p) }

func (z *zlibPacket) Close() error {
	err := z.zw.Close()
	putZlib(z.level, z.zw)
	if err != nil {
		return err
	}
	return z.pw.Close()
}

var zlibPools sync.Map // level → *sync.Pool of *zlib.Writer

func getZlib(level int, w io.Writer) *zlib.Writer {
	p, _ := zlibPools.LoadOrStore(level, &sync.Pool{})
	if zw, ok := p.(*sync.Pool).Get().(*zlib.Writer); ok {
		zw.Reset(w)
		return zw
	}
	zw, err := zlib.NewWriterLevel(w, level)
	if err != nil { // invalid level: fall back to the default one
		zw, _ = zlib.NewWriterLevel(w, DefaultCompressionLevel)
	}
	return zw
}

func putZlib(level int, zw *zlib.Writer) {
	zw.Reset(io.Discard)
	p, _ := zlibPools.LoadOrStore(level, &sync.Pool{})
	p.(*sync.Pool).Put(zw)
}

// partialWriter frames a packet body with partial body lengths: chunks of
// 2^16 bytes (the first partial length is ≥ 512 as §4.2.2.4 requires), then
// a final chunk with a normal new-format length. Close closes w.
type partialWriter struct {
	w   io.WriteCloser
	buf bytes.Buffer
}

const partialChunk = 1 << 16

func (p *partialWriter) Write(b []byte) (int, error) {
	p.buf.Write(b)
	for p.buf.Len() > partialChunk {
		if _, err := p.w.Write([]byte{224 + 16}); err != nil {
			return 0, err
		}
		if _, err := p.w.Write(p.buf.Next(partialChunk)); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

func (p *partialWriter) Close() error {
	n := p.buf.Len()
	var hdr []byte
	switch {
	case n < 192:
		hdr = []byte{byte(n)}
	case n < 8384:
		hdr = []byte{byte((n-192)>>8) + 192, byte(n - 192)}
	default:
		hdr = []byte{255, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	if _, err := p.w.Write(hdr); err != nil {
		return err
	}
	if _, err := p.buf.WriteTo(p.w); err != nil {
		return err
	}
	return p.w.Close()
}
