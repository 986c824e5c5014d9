package format

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/pgp"
)

// Checks named in findings.
const (
	CheckOpen      = "open"      // the source cannot be read or has no valid MANIFEST.JSON
	CheckImage     = "image"     // the image is truncated, has bytes beyond its volume size, or cannot be read
	CheckStructure = "structure" // an ISO 9660 structure, padding or slack differs from the layout (FORMAT.md §2.1)
	CheckSignature = "signature" // SHA256SUMS.ASC does not verify with the trusted key
	CheckSums      = "sums"      // SHA256SUMS missing or malformed
	CheckMissing   = "missing"   // listed in SHA256SUMS but absent
	CheckExtra     = "extra"     // present but not listed
	CheckHash      = "hash"      // file bytes differ from SHA256SUMS
	CheckIndex     = "index"     // INDEX.PGP unreadable or inconsistent with the files/manifest
	CheckDecrypt   = "decrypt"   // a message does not decrypt (or fails its MDC)
	CheckPlaintext = "plaintext" // decrypted bytes differ from the index (or the journal)
	CheckManifest  = "manifest"  // manifest disagrees with the label, index, journal or set
	CheckJournal   = "journal"   // a message the journal placed here is absent or different
	CheckSet       = "set"       // k of n incomplete, mixed sets/tenants
	CheckChain     = "chain"     // previous-volume link or sequence contiguity broken
)

// Finding is one fault found by a check.
type Finding struct {
	Check  string `json:"check"`
	Volume string `json:"volume,omitempty"` // label or source
	File   string `json:"file,omitempty"`
	Seq    uint64 `json:"seq,omitempty"`
	Detail string `json:"detail"`
}

func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", f.Check, f.Volume)
	if f.File != "" {
		fmt.Fprintf(&b, " %s", f.File)
	}
	if f.Seq != 0 {
		fmt.Fprintf(&b, " seq %d", f.Seq)
	}
	fmt.Fprintf(&b, ": %s", f.Detail)
	return b.String()
}

// CheckSumsList compares SHA256SUMS with the files present and hashes each
// listed file. progress (may be nil) receives byte counts as they are read.
//
// SHA256SUMS is read line by line (ScanSums) and merged with the volume's
// sorted file list, so that nothing per line is kept: the file and its
// parsed lines were about 230 bytes a message. A malformed SHA256SUMS is
// only the sums finding, as if it had been parsed before any file was
// hashed (findings of the lines before the bad one are dropped).
func (v *Volume) CheckSumsList(progress func(n int64)) []Finding {
	label := v.manifest.Label
	if !v.Has(SumsFile) {
		return []Finding{{Check: CheckSums, Volume: label, File: SumsFile, Detail: "file missing"}}
	}
	var out, extra []Finding
	next := 0 // the files before the next-th are listed or found extra
	// files listed by no line up to path (the volume's files and
	// SHA256SUMS are both in byte order of their paths)
	skip := func(upTo string, all bool) {
		for ; next < v.nfiles && (all || v.FileAt(next).Path < upTo); next++ {
			if p := v.FileAt(next).Path; p != SumsFile && p != SumsSigFile {
				extra = append(extra, Finding{Check: CheckExtra, Volume: label, File: p, Detail: "on the volume, not listed in SHA256SUMS"})
			}
		}
	}
	type hashed struct {
		sum     [32]byte
		err     error
		present bool
	}
	var scanErr error
	err := v.readSums(func(r io.Reader) error {
		lines := func(yield func(Sum) bool) {
			scanErr = ScanSums(r, func(s Sum) error {
				if !yield(s) {
					return errStop
				}
				return nil
			})
		}
		// files hash in parallel (one per core), findings in SHA256SUMS order
		orderedSeq(lines, func(s Sum) hashed {
			size, ok := v.size(s.Path)
			if !ok {
				return hashed{}
			}
			h, err := v.hashFile(s.Path, size)
			if progress != nil {
				progress(size)
			}
			return hashed{h, err, true}
		}, func(s Sum, h hashed) {
			if s.Path == SumsFile || s.Path == SumsSigFile {
				out = append(out, Finding{Check: CheckSums, Volume: label, File: s.Path, Detail: "lists itself or its signature"})
			}
			skip(s.Path, false)
			if next < v.nfiles && v.FileAt(next).Path == s.Path {
				next++ // listed
			}
			switch {
			case !h.present:
				out = append(out, Finding{Check: CheckMissing, Volume: label, File: s.Path, Detail: "listed in SHA256SUMS, not on the volume"})
			case h.err != nil:
				out = append(out, Finding{Check: CheckHash, Volume: label, File: s.Path, Detail: "read error: " + h.err.Error()})
			case h.sum != s.SHA256:
				out = append(out, Finding{Check: CheckHash, Volume: label, File: s.Path, Detail: fmt.Sprintf("SHA-256 %x, SHA256SUMS says %x", h.sum, s.SHA256)})
			}
		})
		return scanErr
	})
	switch {
	case err != nil && IsSumsError(err):
		return []Finding{{Check: CheckSums, Volume: label, File: SumsFile, Detail: err.Error()}}
	case err != nil:
		return []Finding{{Check: CheckSums, Volume: label, File: SumsFile, Detail: "read error: " + err.Error()}}
	}
	skip("", true)
	out = append(out, extra...)
	if !v.Has(SumsSigFile) {
		out = append(out, Finding{Check: CheckMissing, Volume: label, File: SumsSigFile, Detail: "signature file missing"})
	}
	return out
}

// errStop ends a ScanSums whose consumer stopped early.
var errStop = errors.New("stopped")

func (v *Volume) hashFile(path string, size int64) ([32]byte, error) {
	rc, err := v.Open(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer rc.Close()
	h := sha256.New()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	n, err := io.CopyBuffer(h, rc, *buf)
	if err == nil && n != size {
		err = fmt.Errorf("read %d bytes, directory says %d", n, size)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, err
}

// copyBufs recycles 64 KiB copy buffers: volumes hold thousands of small
// files, and a fresh 32 KiB buffer per io.Copy showed up as GC work.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// MessageResult is the outcome of decrypting one message file.
type MessageResult struct {
	Seq    uint64
	Path   string
	SHA256 [32]byte // of the decrypted bytes; zero when Err != nil
	Size   int64
	Err    error
}

// CheckMessages decrypts INDEX.PGP and every message it lists with keys,
// compares each plaintext SHA-256 and size with the index, checks that the
// index matches the manifest and the MSG files present, and calls fn (may be
// nil) per message. It returns the number of index entries (-1 if the index
// is unreadable) and the findings.
//
// It keeps nothing per entry: INDEX.PGP is read twice, first whole (an
// unreadable index, even one whose integrity check fails at its end, is
// only the index finding, and no message is decrypted), then streamed
// into the decryption of its messages, each entry held only while its
// message is decrypted. Keeping the entries (seq, size and SHA-256) was
// 48 bytes a message; the second read costs one more decryption and parse
// of the index. The MSG files the index lists are marked in a bitmap over
// the volume's files (1 bit a file) to find the extra ones.
func (v *Volume) CheckMessages(keys openpgp.EntityList, fn func(MessageResult)) (int, []Finding) {
	m := v.manifest
	d := pgp.NewDecrypter(keys) // one KEK derivation per volume and key, not per message
	var n int
	var first, last uint64
	err := v.indexFunc(d, func(e IndexEntry) error {
		if n == 0 {
			first = e.Seq
		}
		last = e.Seq
		n++
		return nil
	})
	if err != nil {
		return -1, []Finding{{Check: CheckIndex, Volume: m.Label, File: IndexFile, Detail: err.Error()}}
	}
	var head, missing, extra, msgs []Finding
	bad := func(d string, a ...any) {
		head = append(head, Finding{Check: CheckIndex, Volume: m.Label, File: IndexFile, Detail: fmt.Sprintf(d, a...)})
	}
	if n != m.Messages {
		bad("%d entries, manifest says %d messages", n, m.Messages)
	}
	if n > 0 && (first != m.FirstSeq || last != m.LastSeq) {
		bad("sequence %d–%d, manifest says %d–%d", first, last, m.FirstSeq, m.LastSeq)
	}
	listed := make([]uint64, (v.nfiles+63)/64) // by file position: a file some entry names
	var again error
	entries := func(yield func(streamEntry) bool) {
		again = v.indexFunc(d, func(e IndexEntry) error {
			se := streamEntry{Seq: e.Seq, Size: e.Size}
			if b, err := hex.DecodeString(e.SHA256); err == nil && len(b) == len(se.SHA256) && hex.EncodeToString(b) == e.SHA256 {
				copy(se.SHA256[:], b)
			} else {
				se.badSHA = e.SHA256
			}
			if !yield(se) {
				return errStop
			}
			return nil
		})
	}
	count := 0
	// messages decrypt in parallel (one per core), results in index order
	orderedSeq(entries, func(e streamEntry) MessageResult { return v.decryptOne(e.Seq, d) }, func(e streamEntry, r MessageResult) {
		count++
		if i, ok := v.position(r.Path); ok {
			listed[i/64] |= 1 << (i % 64)
		} else {
			missing = append(missing, Finding{Check: CheckMissing, Volume: m.Label, File: r.Path, Seq: e.Seq, Detail: "indexed message file absent"})
		}
		if fn != nil {
			fn(r)
		}
		switch {
		case r.Err != nil:
			msgs = append(msgs, Finding{Check: CheckDecrypt, Volume: m.Label, File: r.Path, Seq: e.Seq, Detail: r.Err.Error()})
		case e.badSHA != "" || r.SHA256 != e.SHA256 || r.Size != e.Size:
			sha := e.badSHA
			if sha == "" {
				sha = hex.EncodeToString(e.SHA256[:])
			}
			msgs = append(msgs, Finding{Check: CheckPlaintext, Volume: m.Label, File: r.Path, Seq: e.Seq,
				Detail: fmt.Sprintf("decrypted %d bytes with SHA-256 %x; index says %d bytes, %s", r.Size, r.SHA256, e.Size, sha)})
		}
	})
	for i := range v.nfiles {
		if p := v.FileAt(i).Path; strings.HasPrefix(p, MsgDir+"/") && listed[i/64]&(1<<(i%64)) == 0 {
			extra = append(extra, Finding{Check: CheckExtra, Volume: m.Label, File: p, Detail: "message file not in the index"})
		}
	}
	out := append(append(append(head, missing...), extra...), msgs...)
	if again != nil || count != n { // the index read differently the second time
		out = append(out, Finding{Check: CheckIndex, Volume: m.Label, File: IndexFile,
			Detail: fmt.Sprintf("read again: %d entries (%d the first time): %v", count, n, again)})
	}
	return n, out
}

// streamEntry is an index entry while its message is checked; its path is
// MessagePath(Seq) (ReadIndexFunc checks that).
type streamEntry struct {
	Seq    uint64
	Size   int64
	SHA256 [32]byte
	badSHA string // the index's sha256 when it is not 64 lowercase hex digits
}

// position returns the position of path among the volume's files.
func (v *Volume) position(path string) (int, bool) {
	i := sort.Search(v.nfiles, func(i int) bool { return v.FileAt(i).Path >= path })
	return i, i < v.nfiles && v.FileAt(i).Path == path
}

func (v *Volume) decryptOne(seq uint64, d *pgp.Decrypter) MessageResult {
	res := MessageResult{Seq: seq, Path: MessagePath(seq)}
	rc, err := v.OpenMessageWith(res.Path, d)
	if err != nil {
		res.Err = err
		return res
	}
	defer rc.Close()
	h := sha256.New()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	res.Size, res.Err = io.CopyBuffer(h, rc, *buf)
	if res.Err == nil {
		copy(res.SHA256[:], h.Sum(nil))
	}
	return res
}
