package format

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/pgp"
)

// Sealed describes one message file after EncryptMessage.
type Sealed struct {
	PlainSHA256  [32]byte // of the raw message bytes
	PlainSize    int64    // bytes
	CipherSHA256 [32]byte // of the OpenPGP file (its SHA256SUMS line)
	CipherSize   int64    // bytes
	Algorithms   pgp.Algorithms
}

// EncryptMessage streams the raw message r into one binary OpenPGP message
// on w, encrypted to `to` (tenant recipients + volume verification key),
// ZLIB-compressed when compress is set.
func EncryptMessage(w io.Writer, r io.Reader, to openpgp.EntityList, compress bool) (Sealed, error) {
	return encryptMessage(w, r, func(w io.Writer) (io.WriteCloser, pgp.Algorithms, error) {
		return pgp.Encrypt(w, to, pgp.EncryptOptions{Compress: compress})
	})
}

// EncryptMessageWith is EncryptMessage with a volume's encrypter: the same
// message format and a fresh session key per message, but one ephemeral
// key per volume and Curve25519 recipient (pgp.VolumeEncrypter).
func EncryptMessageWith(w io.Writer, r io.Reader, enc *pgp.VolumeEncrypter) (Sealed, error) {
	return encryptMessage(w, r, enc.Encrypt)
}

func encryptMessage(w io.Writer, r io.Reader, encrypt func(io.Writer) (io.WriteCloser, pgp.Algorithms, error)) (Sealed, error) {
	var s Sealed
	ch := sha256.New()
	cw := &countWriter{w: io.MultiWriter(w, ch)}
	pw, algs, err := encrypt(cw)
	if err != nil {
		return s, err
	}
	ph := sha256.New()
	if s.PlainSize, err = io.Copy(io.MultiWriter(pw, ph), r); err != nil {
		return s, fmt.Errorf("format: encrypt message: %w", err)
	}
	if err := pw.Close(); err != nil {
		return s, fmt.Errorf("format: encrypt message: %w", err)
	}
	copy(s.PlainSHA256[:], ph.Sum(nil))
	copy(s.CipherSHA256[:], ch.Sum(nil))
	s.CipherSize, s.Algorithms = cw.n, algs
	return s, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Meta holds the metadata files of one volume, ready to master.
type Meta struct {
	Files      map[string][]byte // README.TXT, MANIFEST.JSON, INDEX.PGP, SIGNER.ASC, SHA256SUMS, SHA256SUMS.ASC
	SumsSHA256 [32]byte          // SHA-256 of SHA256SUMS (the chain link)
}

// BuildMeta makes the metadata files of a volume: m is filled in except
// Format (set here); index lists its messages in seq order; msgs gives
// the SHA-256 of every MSG file; to receives INDEX.PGP; signer signs
// SHA256SUMS.
func BuildMeta(m *Manifest, index []IndexEntry, msgs []Sum, to openpgp.EntityList, signer *openpgp.Entity) (*Meta, error) {
	var plain bytes.Buffer
	if err := WriteIndex(&plain, index); err != nil {
		return nil, err
	}
	return BuildMetaFrom(m, &plain, msgs, to, signer)
}

// BuildMetaFrom is BuildMeta reading the index as JSON Lines (WriteIndex
// output) from r (a work file), so that the plaintext index of a large volume is never held
// in memory; only INDEX.PGP (compressed, encrypted) is.
func BuildMetaFrom(m *Manifest, indexJSONL io.Reader, msgs []Sum, to openpgp.EntityList, signer *openpgp.Entity) (*Meta, error) {
	m.Format = Version
	files := map[string][]byte{
		ManifestFile: m.Marshal(),
		ReadmeFile:   Readme(m),
	}
	var ix bytes.Buffer
	if _, err := EncryptMessage(&ix, indexJSONL, to, true); err != nil {
		return nil, fmt.Errorf("format: %s: %w", IndexFile, err)
	}
	files[IndexFile] = ix.Bytes()
	pub, err := pgp.ArmorPublic(signer)
	if err != nil {
		return nil, err
	}
	files[SignerFile] = pub
	sums := append([]Sum(nil), msgs...)
	for name, b := range files {
		sums = append(sums, Sum{Path: name, SHA256: sha256.Sum256(b)})
	}
	sb := FormatSums(sums)
	files[SumsFile] = sb
	var sig bytes.Buffer
	if err := pgp.SignDetached(&sig, signer, bytes.NewReader(sb)); err != nil {
		return nil, err
	}
	files[SumsSigFile] = sig.Bytes()
	return &Meta{Files: files, SumsSHA256: sha256.Sum256(sb)}, nil
}

// Hex returns the lower-case hex of a SHA-256, or "" for the zero hash.
func Hex(h [32]byte) string {
	if h == ([32]byte{}) {
		return ""
	}
	return hex.EncodeToString(h[:])
}
