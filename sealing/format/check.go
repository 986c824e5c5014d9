package format

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Checks named in findings.
const (
	CheckOpen      = "open"      // the source cannot be read or has no valid MANIFEST.JSON
	CheckImage     = "image"     // the image is truncated or its bytes cannot be read
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
func (v *Volume) CheckSumsList(progress func(n int64)) []Finding {
	label := v.manifest.Label
	if v.sums == nil {
		return []Finding{{Check: CheckSums, Volume: label, File: SumsFile, Detail: "file missing"}}
	}
	sums, err := ParseSums(v.sums)
	if err != nil {
		return []Finding{{Check: CheckSums, Volume: label, File: SumsFile, Detail: err.Error()}}
	}
	var out []Finding
	listed := map[string]bool{SumsFile: true, SumsSigFile: true}
	type hashed struct {
		sum [32]byte
		err error
	}
	// files hash in parallel (one per core), findings in SHA256SUMS order
	ordered(len(sums), func(i int) hashed {
		if !v.Has(sums[i].Path) {
			return hashed{}
		}
		h, err := v.hashFile(sums[i].Path, nil)
		if progress != nil {
			progress(v.size[sums[i].Path])
		}
		return hashed{h, err}
	}, func(i int, h hashed) {
		s := sums[i]
		if s.Path == SumsFile || s.Path == SumsSigFile {
			out = append(out, Finding{Check: CheckSums, Volume: label, File: s.Path, Detail: "lists itself or its signature"})
		}
		listed[s.Path] = true
		switch {
		case !v.Has(s.Path):
			out = append(out, Finding{Check: CheckMissing, Volume: label, File: s.Path, Detail: "listed in SHA256SUMS, not on the volume"})
		case h.err != nil:
			out = append(out, Finding{Check: CheckHash, Volume: label, File: s.Path, Detail: "read error: " + h.err.Error()})
		case h.sum != s.SHA256:
			out = append(out, Finding{Check: CheckHash, Volume: label, File: s.Path, Detail: fmt.Sprintf("SHA-256 %x, SHA256SUMS says %x", h.sum, s.SHA256)})
		}
	})
	for _, f := range v.files {
		if !listed[f.Path] {
			out = append(out, Finding{Check: CheckExtra, Volume: label, File: f.Path, Detail: "on the volume, not listed in SHA256SUMS"})
		}
	}
	if !v.Has(SumsSigFile) {
		out = append(out, Finding{Check: CheckMissing, Volume: label, File: SumsSigFile, Detail: "signature file missing"})
	}
	return out
}

func (v *Volume) hashFile(path string, progress func(int64)) ([32]byte, error) {
	rc, err := v.Open(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer rc.Close()
	h := sha256.New()
	var w io.Writer = h
	if progress != nil {
		w = progressWriter{h, progress}
	}
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	n, err := io.CopyBuffer(w, rc, *buf)
	if err == nil && n != v.size[path] {
		err = fmt.Errorf("read %d bytes, directory says %d", n, v.size[path])
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, err
}

// copyBufs recycles 64 KiB copy buffers: volumes hold thousands of small
// files, and a fresh 32 KiB buffer per io.Copy showed up as GC work.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

type progressWriter struct {
	w  io.Writer
	fn func(int64)
}

func (p progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.fn(int64(n))
	return n, err
}

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
// nil) per message. It returns the index (nil if unreadable) and the findings.
func (v *Volume) CheckMessages(keys openpgp.EntityList, fn func(MessageResult)) ([]IndexEntry, []Finding) {
	m := v.manifest
	ix, err := v.Index(keys)
	if err != nil {
		return nil, []Finding{{Check: CheckIndex, Volume: m.Label, File: IndexFile, Detail: err.Error()}}
	}
	out := v.indexMatchesManifest(ix)
	// messages decrypt in parallel (one per core), results in index order
	ordered(len(ix), func(i int) MessageResult { return v.decryptOne(ix[i], keys) }, func(i int, r MessageResult) {
		e := ix[i]
		if fn != nil {
			fn(r)
		}
		switch {
		case r.Err != nil:
			out = append(out, Finding{Check: CheckDecrypt, Volume: m.Label, File: e.Path, Seq: e.Seq, Detail: r.Err.Error()})
		case hex.EncodeToString(r.SHA256[:]) != e.SHA256 || r.Size != e.Size:
			out = append(out, Finding{Check: CheckPlaintext, Volume: m.Label, File: e.Path, Seq: e.Seq,
				Detail: fmt.Sprintf("decrypted %d bytes with SHA-256 %x; index says %d bytes, %s", r.Size, r.SHA256, e.Size, e.SHA256)})
		}
	})
	return ix, out
}

func (v *Volume) decryptOne(e IndexEntry, keys openpgp.EntityList) MessageResult {
	res := MessageResult{Seq: e.Seq, Path: e.Path}
	rc, err := v.OpenMessage(e.Path, keys)
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

// indexMatchesManifest checks count, range and that the MSG files present
// are exactly those the index lists.
func (v *Volume) indexMatchesManifest(ix []IndexEntry) []Finding {
	m := v.manifest
	var out []Finding
	bad := func(d string, a ...any) {
		out = append(out, Finding{Check: CheckIndex, Volume: m.Label, File: IndexFile, Detail: fmt.Sprintf(d, a...)})
	}
	if len(ix) != m.Messages {
		bad("%d entries, manifest says %d messages", len(ix), m.Messages)
	}
	if len(ix) > 0 && (ix[0].Seq != m.FirstSeq || ix[len(ix)-1].Seq != m.LastSeq) {
		bad("sequence %d–%d, manifest says %d–%d", ix[0].Seq, ix[len(ix)-1].Seq, m.FirstSeq, m.LastSeq)
	}
	listed := map[string]bool{}
	for _, e := range ix {
		listed[e.Path] = true
		if !v.Has(e.Path) {
			out = append(out, Finding{Check: CheckMissing, Volume: m.Label, File: e.Path, Seq: e.Seq, Detail: "indexed message file absent"})
		}
	}
	for _, f := range v.files {
		if strings.HasPrefix(f.Path, MsgDir+"/") && !listed[f.Path] {
			out = append(out, Finding{Check: CheckExtra, Volume: m.Label, File: f.Path, Detail: "message file not in the index"})
		}
	}
	return out
}
