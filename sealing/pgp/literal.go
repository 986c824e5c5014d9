package pgp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"sync"

	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/klauspost/compress/zlib"
)

// readLiteral returns the literal data inside the decrypted SEIPD stream,
// reading a ZLIB Compressed Data packet (RFC 4880 §5.6) and the Literal Data
// packet (§5.9) itself with pooled buffers and inflaters: a fresh flate
// reader allocates about 40 KiB, four times a typical mail. Any other
// packet sequence (another compression algorithm, a one-pass signature) is
// handed to go-crypto's packet reader as openpgp.ReadMessage reads it. At
// EOF of the literal data the returned reader closes decrypted, which
// checks the MDC; a mismatch is the read error at EOF.
func readLiteral(decrypted io.ReadCloser) (io.Reader, error) {
	if goCryptoPackets {
		return generic(&mdcCheckReader{decrypted: decrypted}, decrypted)
	}
	br := bufReaders.Get().(*bufio.Reader)
	br.Reset(decrypted)
	m := &mdcCheckReader{decrypted: decrypted, br: br}
	var seen []byte // octets consumed, for the generic path
	tag, body, hdr, err := readHeader(br, br)
	if err != nil {
		return nil, err
	}
	seen = append(seen, hdr...)
	var src io.Reader = br // where the literal packet is read from
	if tag == 8 {
		algo, err := body.ReadByte()
		if err != nil {
			return nil, err
		}
		seen = append(seen, algo)
		if algo != byte(packet.CompressionZLIB) {
			return generic(m, io.MultiReader(bytes.NewReader(seen), br))
		}
		zr, err := getInflater(body)
		if err != nil {
			return nil, err
		}
		m.zr = zr
		src = zr
		seen = nil
		var one [1]byte
		tag, body, hdr, err = readHeader(zr, byteReader{zr, &one})
		if err != nil {
			return nil, err
		}
		seen = hdr
	}
	if tag != 11 {
		return generic(m, io.MultiReader(bytes.NewReader(seen), src))
	}
	// Literal Data: format, file name length, file name, date (RFC 4880 §5.9)
	var lh [2]byte
	if _, err := io.ReadFull(body, lh[:]); err != nil {
		return nil, err
	}
	var skip [255 + 4]byte
	if _, err := io.ReadFull(body, skip[:int(lh[1])+4]); err != nil {
		return nil, err
	}
	m.body = body
	return m, nil
}

// generic reads the rest with go-crypto's packet reader from r (the
// decrypted packets, from the one readLiteral did not take).
func generic(m *mdcCheckReader, r io.Reader) (io.Reader, error) {
	m.br, m.zr = nil, nil // still in use by r: not returned to the pools
	packets := packet.NewReader(r)
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
			m.body = p.Body
			return m, nil
		}
		// one-pass signatures and anything else before the literal data
		// are skipped, as openpgp.ReadMessage does without the signer's
		// key; the MDC covers them and any trailing signature.
	}
}

// goCryptoPackets makes readLiteral use go-crypto's packet reader for
// everything (BenchmarkVolume compares the two).
var goCryptoPackets = false

var bufReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

var inflaters sync.Pool // of zlib readers (io.ReadCloser + zlib.Resetter)

func getInflater(r io.Reader) (io.ReadCloser, error) {
	if zr, ok := inflaters.Get().(io.ReadCloser); ok {
		if err := zr.(zlib.Resetter).Reset(r, nil); err != nil {
			return nil, err
		}
		return zr, nil
	}
	return zlib.NewReader(r)
}

// mdcCheckReader returns the literal data and, at its EOF, closes the
// decrypted stream, which reads the rest and checks the MDC (RFC 4880
// §5.13); a mismatch is the read error at EOF. Its buffers go back to their
// pools only then.
type mdcCheckReader struct {
	body      io.Reader
	decrypted io.ReadCloser
	br        *bufio.Reader
	zr        io.ReadCloser
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
		if m.zr != nil {
			inflaters.Put(m.zr)
			m.zr = nil
		}
		if m.br != nil {
			m.br.Reset(nil)
			bufReaders.Put(m.br)
			m.br = nil
		}
		return n, io.EOF
	}
	if err != nil {
		return n, pgperrors.HandleSensitiveParsingError(err, true)
	}
	return n, nil
}

// byteReader reads single octets from r.
type byteReader struct {
	r   io.Reader
	one *[1]byte
}

func (b byteReader) ReadByte() (byte, error) {
	if _, err := io.ReadFull(b.r, b.one[:]); err != nil {
		return 0, err
	}
	return b.one[0], nil
}

// readHeader reads a packet header (RFC 4880 §4.2) from br and returns the
// tag, a reader of the packet's body (definite, partial or, for old-format
// packets, indeterminate length) over r and br, and the header octets.
func readHeader(r io.Reader, br io.ByteReader) (tag byte, body *bodyReader, hdr []byte, err error) {
	c, err := br.ReadByte()
	if err != nil {
		return 0, nil, nil, eofUnexpected(err)
	}
	hdr = append(hdr, c)
	if c&0x80 == 0 {
		return 0, nil, hdr, pgperrors.StructuralError("tag byte does not have MSB set")
	}
	body = &bodyReader{r: r, br: br}
	body.bufr, _ = br.(*bufio.Reader)
	if c&0x40 != 0 { // new format
		tag = c & 0x3F
		l, err := body.length(&hdr)
		if err != nil {
			return 0, nil, hdr, err
		}
		body.n = l
		return tag, body, hdr, nil
	}
	tag = (c >> 2) & 0x0F
	var n int
	switch c & 3 {
	case 0:
		n = 1
	case 1:
		n = 2
	case 2:
		n = 4
	case 3:
		body.n, body.indeterminate = math.MaxInt64, true
		return tag, body, hdr, nil
	}
	var l [4]byte
	for i := 0; i < n; i++ {
		if l[4-n+i], err = br.ReadByte(); err != nil {
			return 0, nil, hdr, eofUnexpected(err)
		}
	}
	hdr = append(hdr, l[4-n:]...)
	body.n = int64(binary.BigEndian.Uint32(l[:]))
	return tag, body, hdr, nil
}

func eofUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// bodyReader reads one packet body: n octets, then (partial) the next
// length and chunk, until a final chunk is done; indeterminate bodies run
// to the end of r. ReadByte makes it a flate.Reader, so the inflater reads
// the bufio.Reader below without a buffer of its own.
type bodyReader struct {
	r             io.Reader
	br            io.ByteReader
	bufr          *bufio.Reader // br, when it is one
	n             int64         // left in this chunk
	partial       bool          // another length follows this chunk
	indeterminate bool
}

// length reads a new-format body length (RFC 4880 §4.2.2) into b.partial
// and returns the chunk length.
func (b *bodyReader) length(hdr *[]byte) (int64, error) {
	c, err := b.br.ReadByte()
	if err != nil {
		return 0, eofUnexpected(err)
	}
	if hdr != nil {
		*hdr = append(*hdr, c)
	}
	b.partial = false
	switch {
	case c < 192:
		return int64(c), nil
	case c < 224:
		c2, err := b.br.ReadByte()
		if err != nil {
			return 0, eofUnexpected(err)
		}
		if hdr != nil {
			*hdr = append(*hdr, c2)
		}
		return (int64(c)-192)<<8 + int64(c2) + 192, nil
	case c == 255:
		var l [4]byte
		for i := range l {
			if l[i], err = b.br.ReadByte(); err != nil {
				return 0, eofUnexpected(err)
			}
		}
		if hdr != nil {
			*hdr = append(*hdr, l[:]...)
		}
		return int64(binary.BigEndian.Uint32(l[:])), nil
	default:
		b.partial = true
		return 1 << (c & 0x1F), nil
	}
}

// more moves to the next chunk when this one is done; false at the end of
// the body.
func (b *bodyReader) more() (bool, error) {
	for b.n == 0 {
		if !b.partial {
			return false, nil
		}
		n, err := b.length(nil)
		if err != nil {
			return false, err
		}
		b.n = n
	}
	return true, nil
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if ok, err := b.more(); !ok || err != nil {
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	if err == io.EOF {
		if b.indeterminate {
			b.n, b.partial = 0, false
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		}
		if b.n > 0 || b.partial {
			err = io.ErrUnexpectedEOF
		} else if n > 0 {
			err = nil
		}
	}
	return n, err
}

func (b *bodyReader) ReadByte() (byte, error) {
	if b.n > 0 && b.bufr != nil { // the inflater's path: one call per octet
		c, err := b.bufr.ReadByte()
		if err == nil {
			b.n--
			return c, nil
		}
	}
	if ok, err := b.more(); !ok || err != nil {
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	c, err := b.br.ReadByte()
	if err != nil {
		if err == io.EOF && b.indeterminate {
			b.n, b.partial = 0, false
			return 0, io.EOF
		}
		return 0, eofUnexpected(err)
	}
	b.n--
	return c, nil
}
