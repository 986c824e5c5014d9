package pgp

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"fmt"
	"io"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// encryptStream builds the message Encrypt documents from go-crypto's
// packet layer, writing the Compressed Data packet (RFC 4880 §5.6) itself
// so that ZLIB writers are pooled: a fresh flate writer allocates and
// zeroes several hundred KiB, more than compressing a typical mail costs.
// writeKeys writes the PKESK packets for the fresh session key.
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
		if inner, err = compressedPacket(payload, level); err != nil {
			return nil, err
		}
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

// compressedPacket writes a new-format Compressed Data packet header (tag 8,
// partial body lengths, RFC 4880 §4.2.2.4) and the algorithm octet 2 (ZLIB)
// to w, and returns a writer that ZLIB-compresses into the packet body.
// Close flushes ZLIB, ends the packet and closes w.
func compressedPacket(w io.WriteCloser, level int) (io.WriteCloser, error) {
	if _, err := w.Write([]byte{0xC0 | 8}); err != nil {
		return nil, err
	}
	pw := &partialWriter{w: w}
	if _, err := pw.Write([]byte{byte(packet.CompressionZLIB)}); err != nil {
		return nil, err
	}
	zw := getZlib(level, pw)
	return &zlibPacket{zw: zw, level: level, pw: pw}, nil
}

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
