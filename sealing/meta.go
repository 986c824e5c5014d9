package sealing

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// volMeta is the six metadata files of one volume, byte for byte what
// format.BuildMetaFrom makes from the same inputs, except that the two
// that grow with the number of messages, INDEX.PGP and SHA256SUMS, are
// work files rather than memory. format.BuildMetaFrom held both whole
// (with two more copies of every SHA256SUMS entry while sorting): 52 MiB
// at 124,000 messages, and growing with every message of the volume.
type volMeta struct {
	small   map[string][]byte // MANIFEST.JSON, README.TXT, SIGNER.ASC, SHA256SUMS.ASC
	big     map[string]workFile
	sumsSHA [32]byte // SHA-256 of SHA256SUMS (the chain link)
}

// workFile is a metadata file written to the work directory.
type workFile struct {
	f    *os.File
	size int64
}

func (w workFile) reader() io.Reader { return io.NewSectionReader(w.f, 0, w.size) }

// close closes and removes the work files (the work directory's removal
// would too; a volume's files go as soon as its image is written).
func (vm *volMeta) close() {
	for _, w := range vm.big {
		w.f.Close()
		os.Remove(w.f.Name())
	}
}

// sumsLine is one SHA256SUMS line as format.FormatSums writes it.
func sumsLine(sha [32]byte, path string) []byte {
	b := make([]byte, 0, 64+2+len(path)+1)
	b = hex.AppendEncode(b, sha[:])
	b = append(b, "  "...)
	b = append(b, path...)
	return append(b, '\n')
}

// buildMeta makes the metadata files of vol: m is filled in except Format
// (set here, as format.BuildMetaFrom does); vol.index holds its index
// (INDEX.PGP as it grew, indexPGP) and vol.sums the SHA256SUMS lines of its messages, in path order.
func (s *sealer) buildMeta(m *format.Manifest, vol *volPlan, k int) (_ *volMeta, err error) {
	m.Format = format.Version
	vm := &volMeta{small: map[string][]byte{format.ManifestFile: m.Marshal(), format.ReadmeFile: format.Readme(m)}, big: map[string]workFile{}}
	defer func() {
		if err != nil {
			vm.close()
		}
	}()
	create := func(name string) (*os.File, error) {
		f, err := os.OpenFile(filepath.Join(s.work, fmt.Sprintf("v%d-%s", k, name)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("sealing: work dir: %w", err)
		}
		return f, nil
	}
	f, err := create(format.IndexFile)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	size, indexSHA, err := vol.index.writeTo(bw)
	if err == nil {
		err = bw.Flush()
	}
	vm.big[format.IndexFile] = workFile{f: f, size: size}
	if err != nil {
		return nil, fmt.Errorf("sealing: %s: %w", format.IndexFile, err)
	}
	vm.small[format.SignerFile] = s.signerPub // what metaSectors sized the volume with
	meta := []format.Sum{{Path: format.IndexFile, SHA256: indexSHA}}
	for name, b := range vm.small {
		meta = append(meta, format.Sum{Path: name, SHA256: sha256.Sum256(b)})
	}
	msgs, err := vol.sums.Reader()
	if err != nil {
		return nil, err
	}
	if f, err = create(format.SumsFile); err != nil {
		return nil, err
	}
	h := sha256.New()
	bw = bufio.NewWriterSize(io.MultiWriter(f, h), 256<<10)
	n, err := mergeSums(bw, msgs, meta)
	if err == nil {
		err = bw.Flush()
	}
	vm.big[format.SumsFile] = workFile{f: f, size: n}
	if err != nil {
		return nil, fmt.Errorf("sealing: %s: %w", format.SumsFile, err)
	}
	copy(vm.sumsSHA[:], h.Sum(nil))
	var sig bytes.Buffer
	if err := pgp.SignDetached(&sig, s.opts.Signer, vm.big[format.SumsFile].reader()); err != nil {
		return nil, err
	}
	vm.small[format.SumsSigFile] = sig.Bytes()
	return vm, nil
}

// mergeSums writes SHA256SUMS: the message lines read from msgs (sumsLine
// output in strictly increasing path order) merged with the metadata
// files' sums, every line in path order, exactly as format.FormatSums
// writes the same entries. It returns the bytes written.
func mergeSums(w io.Writer, msgs io.Reader, meta []format.Sum) (int64, error) {
	meta = append([]format.Sum(nil), meta...)
	sort.Slice(meta, func(i, j int) bool { return meta[i].Path < meta[j].Path })
	var n int64
	put := func(b []byte) error {
		m, err := w.Write(b)
		n += int64(m)
		return err
	}
	br := bufio.NewReaderSize(msgs, 64<<10)
	prev := ""
	for {
		line, err := br.ReadSlice('\n')
		if err == io.EOF && len(line) == 0 {
			break
		}
		if err != nil {
			return n, fmt.Errorf("message sums work file: %w", err)
		}
		if len(line) < 64+2+2 || string(line[64:66]) != "  " {
			return n, fmt.Errorf("message sums work file: malformed line %q", line)
		}
		path := string(line[66 : len(line)-1])
		if path <= prev {
			return n, fmt.Errorf("message sums work file: %q after %q: not in path order (bug)", path, prev)
		}
		prev = path
		for len(meta) > 0 && meta[0].Path < path {
			if err := put(sumsLine(meta[0].SHA256, meta[0].Path)); err != nil {
				return n, err
			}
			meta = meta[1:]
		}
		if len(meta) > 0 && meta[0].Path == path {
			return n, fmt.Errorf("%q is both a message and a metadata file (bug)", path)
		}
		if err := put(line); err != nil {
			return n, err
		}
	}
	for _, x := range meta {
		if err := put(sumsLine(x.SHA256, x.Path)); err != nil {
			return n, err
		}
	}
	return n, nil
}
