package format

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/pgp"
)

// ErrNoFile: the disc tree lacks a file the format requires.
var ErrNoFile = errors.New("format: required file missing")

// maxMeta bounds the size read of plain metadata files (bytes).
const maxMeta = 64 << 20

// Volume reads one disc tree. It holds the file list (sorted by path,
// looked up by binary search: a map from path to size was about 50 bytes
// more a file) and MANIFEST.JSON; SHA256SUMS, INDEX.PGP and the messages
// stream from the tree whenever they are read.
type Volume struct {
	tree     Tree
	indexed  IndexedTree // tree, when it keeps its own sorted list; else
	files    []TreeFile  // the list of tree.Files()
	nfiles   int
	manifest *Manifest
	// sumsSHA is the SHA-256 of SHA256SUMS as first read whole (sumsRead):
	// every later read of it must give the same bytes, so that the file
	// whose signature was checked is the file whose lines are checked.
	sumsSHA  [32]byte
	sumsRead bool
}

// OpenVolume lists tree and reads its manifest. A missing or invalid
// MANIFEST.JSON is an error (wrapping ErrNoFile when missing).
func OpenVolume(tree Tree) (*Volume, error) {
	v := &Volume{tree: tree}
	var err error
	if it, ok := tree.(IndexedTree); ok {
		v.indexed = it
		v.nfiles, err = it.NumFiles()
	} else {
		v.files, err = tree.Files()
		v.files, v.nfiles = slices.Clip(v.files), len(v.files)
	}
	if err != nil {
		return nil, fmt.Errorf("format: list files: %w", err)
	}
	mb, err := v.ReadFile(ManifestFile)
	if err != nil {
		return nil, err
	}
	if v.manifest, err = ParseManifest(mb); err != nil {
		return nil, err
	}
	return v, nil
}

// Manifest returns the parsed MANIFEST.JSON.
func (v *Volume) Manifest() *Manifest { return v.manifest }

// Files returns every regular file, sorted by path (a copy when the tree
// keeps its own list: NumFiles and FileAt do not copy).
func (v *Volume) Files() []TreeFile {
	if v.indexed == nil {
		return v.files
	}
	out := make([]TreeFile, v.nfiles)
	for i := range out {
		out[i] = v.indexed.FileAt(i)
	}
	return out
}

// NumFiles is the number of regular files.
func (v *Volume) NumFiles() int { return v.nfiles }

// FileAt returns the i-th regular file in path order, 0 ≤ i < NumFiles().
func (v *Volume) FileAt(i int) TreeFile {
	if v.indexed != nil {
		return v.indexed.FileAt(i)
	}
	return v.files[i]
}

// SumsSHA256 returns the SHA-256 of SHA256SUMS (of no bytes when the
// file is absent), and any error reading it: the hash of the first
// complete read when there was one (VerifySignature, CheckSumsList), else
// of a streaming read now.
func (v *Volume) SumsSHA256() ([32]byte, error) {
	if !v.Has(SumsFile) {
		return sha256.Sum256(nil), nil
	}
	if v.sumsRead {
		return v.sumsSHA, nil
	}
	var sum [32]byte
	err := v.readSums(func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
	if err == nil {
		sum = v.sumsSHA
	}
	return sum, err
}

// readSums opens SHA256SUMS and calls fn with its contents; fn reads them
// to EOF unless it fails. The bytes are hashed on the way: the first
// complete read sets v.sumsSHA, and a later read that differs from it is
// an error (a disc that reads differently each time, or a file changed
// between the signature check and the line check).
func (v *Volume) readSums(fn func(io.Reader) error) error {
	rc, err := v.Open(SumsFile)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	ferr := fn(io.TeeReader(rc, h))
	if _, err := io.Copy(h, rc); err != nil { // the rest, if fn stopped early
		return errors.Join(ferr, err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	switch {
	case v.sumsRead && sum != v.sumsSHA: // the cause of whatever fn found
		return fmt.Errorf("format: %s read differently this time (SHA-256 %x, %x before)", SumsFile, sum, v.sumsSHA)
	case ferr != nil:
		return ferr
	case !v.sumsRead:
		v.sumsSHA, v.sumsRead = sum, true
	}
	return nil
}

// Has reports whether the tree holds path.
func (v *Volume) Has(path string) bool { _, ok := v.size(path); return ok }

// size returns the size of the file at path, if the tree holds it.
func (v *Volume) size(path string) (int64, bool) {
	i := sort.Search(v.nfiles, func(i int) bool { return v.FileAt(i).Path >= path })
	if i == v.nfiles {
		return 0, false
	}
	if f := v.FileAt(i); f.Path == path {
		return f.Size, true
	}
	return 0, false
}

// Open opens the raw file at path.
func (v *Volume) Open(path string) (io.ReadCloser, error) {
	if !v.Has(path) {
		return nil, fmt.Errorf("%w: %s", ErrNoFile, path)
	}
	return v.tree.Open(path)
}

// ReadFile reads a whole plain metadata file (at most 64 MiB).
func (v *Volume) ReadFile(path string) ([]byte, error) {
	rc, err := v.Open(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxMeta+1))
	if err == nil && len(b) > maxMeta {
		err = fmt.Errorf("format: %s larger than %d bytes", path, maxMeta)
	}
	return b, err
}

// VerifySignature checks SHA256SUMS.ASC over SHA256SUMS against signers
// (the archive public key) and returns the fingerprint that signed.
func (v *Volume) VerifySignature(signers openpgp.EntityList) (fp string, err error) {
	if !v.Has(SumsFile) {
		return "", fmt.Errorf("%w: %s", ErrNoFile, SumsFile)
	}
	sig, err := v.ReadFile(SumsSigFile)
	if err != nil {
		return "", err
	}
	var e *openpgp.Entity
	defer func() {
		if err == nil {
			if ferr := checkSignatureForm(sig); ferr != nil {
				fp, err = "", ferr
			}
		}
	}()
	err = v.readSums(func(r io.Reader) error {
		var err error
		e, err = pgp.VerifyDetached(signers, r, bytes.NewReader(sig))
		return err
	})
	if err != nil {
		return "", err
	}
	return pgp.Fingerprint(e), nil
}

// Signer returns the keys in SIGNER.ASC (for display; trust comes from
// elsewhere: --signer or the journal's archive key).
func (v *Volume) Signer() (openpgp.EntityList, error) {
	b, err := v.ReadFile(SignerFile)
	if err != nil {
		return nil, err
	}
	return pgp.ReadKeys(b)
}

// Index decrypts and parses INDEX.PGP with keys (a tenant secret key or the
// volume verification key).
func (v *Volume) Index(keys openpgp.EntityList) ([]IndexEntry, error) {
	var ix []IndexEntry
	err := v.IndexFunc(keys, func(e IndexEntry) error { ix = append(ix, e); return nil })
	if err != nil {
		return nil, err
	}
	return ix, nil
}

// IndexFunc is Index calling fn per entry (ReadIndexFunc).
func (v *Volume) IndexFunc(keys openpgp.EntityList, fn func(IndexEntry) error) error {
	return v.indexFunc(pgp.NewDecrypter(keys), fn)
}

func (v *Volume) indexFunc(d *pgp.Decrypter, fn func(IndexEntry) error) error {
	r, err := v.OpenMessageWith(IndexFile, d)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := ReadIndexFunc(r, fn); err != nil {
		return err
	}
	// ReadIndexFunc stops at EOF of the decrypted data, which checks the MDC
	// only if everything was consumed: drain to be sure.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return fmt.Errorf("format: %s: %w", IndexFile, err)
	}
	return nil
}

// OpenMessage opens the OpenPGP file at path and returns its decrypted
// content. The integrity check (MDC) fails as a read error at the end, so a
// caller must read to EOF and check the error before trusting the bytes,
// and should compare the SHA-256 with the index. Close releases the file.
func (v *Volume) OpenMessage(path string, keys openpgp.EntityList) (io.ReadCloser, error) {
	return v.openMessage(path, func(r io.Reader) (io.Reader, error) { return pgp.Decrypt(r, keys) })
}

// OpenMessageWith is OpenMessage with a pgp.Decrypter, which derives the
// key-encryption key of a volume's Curve25519 recipient once for all its
// messages: use one Decrypter for the messages of a volume.
func (v *Volume) OpenMessageWith(path string, d *pgp.Decrypter) (io.ReadCloser, error) {
	return v.openMessage(path, d.Decrypt)
}

func (v *Volume) openMessage(path string, decrypt func(io.Reader) (io.Reader, error)) (io.ReadCloser, error) {
	rc, err := v.Open(path)
	if err != nil {
		return nil, err
	}
	br := cipherReaders.Get().(*bufio.Reader)
	br.Reset(rc)
	pr, err := decrypt(br)
	if err != nil {
		putCipherReader(br)
		rc.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &messageReader{Reader: pr, file: rc, br: br}, nil
}

// cipherReaders pools the buffered readers under OpenMessage: the OpenPGP
// packet reader reads headers a few bytes at a time, which unbuffered
// meant one pread(2) per header on an image file.
var cipherReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}

func putCipherReader(br *bufio.Reader) {
	br.Reset(nil)
	cipherReaders.Put(br)
}

// messageReader is OpenMessage's result; Close gives its buffer back.
type messageReader struct {
	io.Reader
	file io.Closer
	br   *bufio.Reader
}

func (m *messageReader) Close() error {
	if m.br == nil {
		return nil
	}
	putCipherReader(m.br)
	m.br, m.Reader = nil, eofReader{}
	return m.file.Close()
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
