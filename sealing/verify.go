package sealing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// VerifyOptions says what to check a volume against.
type VerifyOptions struct {
	Journal  *journal.Journal   // --data: journal records and verification keys; nil without
	Signer   openpgp.EntityList // trusted archive public key(s): --signer, or DATA/keys/archive.pub.asc
	Keys     openpgp.EntityList // --key: unlocked tenant secret keys; nil without
	Record   bool               // with Journal: record a journal.Verification per source
	Progress Progress           // how far each step has come; nil: not reported
	Now      func() time.Time   // nil: time.Now
	// Partial skips the "all k of n present" set check, for checking some
	// discs of a set (e.g. one burned copy). Chain checks still run.
	Partial bool
	// ImageHash computes each image's SHA-256 (VolumeReport.ImageSHA256)
	// even without Journal, where it is always computed and compared.
	ImageHash bool
	// Names says, by source as given, what copy a source is (recorded as
	// the Verification's Kind and Copy): a read-back file of burned disc 2
	// is DiscCopy(label, 2). A source not named is named by its path: an
	// image file, a drive or device (a disc), or a directory.
	Names map[string]CopyName
}

// Verify checks each source (image file, block device, or directory holding
// an extracted disc) and then the sources together as volume sets, as
// docs/FORMAT.md §Verification says. The error is non-nil only when
// verification could not run at all; faults are findings in the Report
// (Report.OK is false).
func Verify(ctx context.Context, sources []string, opts VerifyOptions) (*Report, error) {
	rep := &Report{}
	for _, src := range sources {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep.Volumes = append(rep.Volumes, checkSource(ctx, src, opts, nil))
	}
	rep.Findings = checkSets(rep.Volumes, !opts.Partial)
	rep.finish()
	if opts.Journal == nil || !opts.Record {
		return rep, nil
	}
	for _, vr := range rep.Volumes {
		if !vr.journalVol {
			continue
		}
		// a set or chain fault among the sources given fails every copy checked together
		ver := vr.verification(now(opts.Now), opts.Names[vr.Source])
		for _, f := range rep.Findings {
			ver.OK = false
			ver.Findings = append(ver.Findings, f.String())
		}
		if err := opts.Journal.AddVerification(ctx, vr.Label, ver); err != nil {
			return nil, fmt.Errorf("sealing: record verification of %s: %w", vr.Label, err)
		}
	}
	return rep, nil
}

func now(fn func() time.Time) time.Time {
	if fn != nil {
		return fn().UTC()
	}
	return time.Now().UTC()
}

// expectation is what a volume must match: the journal's record (Verify
// with --data) or the volume just planned (Seal's self-check).
type expectation struct {
	vol    journal.Volume     // without Placements: placed holds them
	keys   openpgp.EntityList // verification key, unlocked
	placed []placed           // every message placed on the volume, by seq, with its journal SHA-256
	// unknown are placed seqs whose journal record could not be read (no
	// SHA-256 to compare); paths are placement paths other than
	// format.MessagePath(seq) (volumes of an older layout). Both are
	// normally empty.
	unknown map[uint64]bool
	paths   map[uint64]string
}

// placed is a message placed on a volume: 40 bytes (a map from seq to
// SHA-256 was about 90, and the journal's Placements 56 more).
type placed struct {
	seq uint64
	sha [32]byte // journal SHA-256 of the plaintext
}

// find returns the index in exp.placed of seq, or -1.
func (exp *expectation) find(seq uint64) int {
	i := sort.Search(len(exp.placed), func(i int) bool { return exp.placed[i].seq >= seq })
	if i < len(exp.placed) && exp.placed[i].seq == seq {
		return i
	}
	return -1
}

// path is the disc path the journal placed seq at.
func (exp *expectation) path(seq uint64) string {
	if p, ok := exp.paths[seq]; ok {
		return p
	}
	return format.MessagePath(seq)
}

// checkSource runs every single-volume check on src. exp, when given,
// replaces the journal lookup.
func checkSource(ctx context.Context, src string, opts VerifyOptions, exp *expectation) *VolumeReport {
	vr := &VolumeReport{Source: src, Method: "hash"}
	add := func(f format.Finding) {
		if f.Volume == "" {
			f.Volume = src
		}
		vr.Findings = append(vr.Findings, f)
	}
	// the whole-image hash is only compared with the journal's record; a
	// hash-only check without --data reads each file once instead
	path, device := devicePath(src)
	fi, statErr := os.Stat(path)
	isImage := statErr == nil && !fi.IsDir()
	wantHash := opts.Journal != nil || exp != nil || opts.ImageHash
	r, err := OpenVolume(src)
	if err != nil {
		if isImage && wantHash {
			if f, ok := hashImage(path, device, vr, opts.Progress); !ok {
				add(f)
			}
		}
		add(format.Finding{Check: format.CheckOpen, Detail: err.Error()})
		// still name the volume from its descriptor, so the failure is recorded
		if label := pvdLabel(path); label != "" && opts.Journal != nil {
			if _, err := opts.Journal.Volume(ctx, label); err == nil {
				vr.Label, vr.journalVol = label, true
			}
		}
		return vr
	}
	defer r.Close()
	m := r.Manifest()
	vr.setManifest(m)
	if r.im != nil {
		size := int64(-1)
		if !device {
			size = fi.Size()
		}
		vr.Findings = append(vr.Findings, auditImage(r.im, m, device, size, wantHash, vr, opts.Progress)...)
	}
	vr.seqs = r.vol.MessageSeqs()
	vr.Findings = append(vr.Findings, checkSignature(r, opts.Signer)...)
	vr.SumsSHA256, _ = r.vol.SumsSHA256() // the signature check's read; a read error is CheckSumsList's "sums" finding
	bar := newBar(opts.Progress, sumSizes(r.vol), "hashing "+m.Label)
	vr.Findings = append(vr.Findings, r.vol.CheckSumsList(bar.add)...)
	bar.done()
	if exp == nil && opts.Journal != nil {
		exp = journalExpectation(ctx, opts.Journal, m.Label, vr)
	}
	keys := opts.Keys
	if exp != nil {
		vr.Findings = append(vr.Findings, compareRecord(m, vr.SumsSHA256, exp.vol, len(exp.placed))...)
		if vr.ImageSHA256 != ([32]byte{}) && exp.vol.ImageSHA256 != ([32]byte{}) && vr.ImageSHA256 != exp.vol.ImageSHA256 {
			add(format.Finding{Check: format.CheckImage, Volume: m.Label,
				Detail: fmt.Sprintf("image SHA-256 %x; the journal recorded %x at sealing", vr.ImageSHA256, exp.vol.ImageSHA256)})
		}
		keys = append(append(openpgp.EntityList(nil), keys...), exp.keys...)
	}
	if len(keys) > 0 {
		vr.Method = "deep"
		vr.Findings = append(vr.Findings, checkMessages(r, keys, exp, opts.Progress)...)
	}
	if exp != nil && !exp.vol.Released.IsZero() {
		vr.Released = exp.vol.Released
		if vr.Method != "deep" {
			vr.Note = fmt.Sprintf("released on %s: deep verification is no longer possible (the verification key was wiped at release); "+
				"checked the image hash, signature and SHA256SUMS only (give --key SECRET.asc to decrypt every message)",
				exp.vol.Released.UTC().Format(time.RFC3339))
		}
	}
	return vr
}

// sumSizes is the bytes of v's files that SHA256SUMS lists (all but
// SHA256SUMS and its signature): the total of the hashing step.
func sumSizes(v *format.Volume) int64 {
	var n int64
	for i := range v.NumFiles() {
		if f := v.FileAt(i); f.Path != format.SumsFile && f.Path != format.SumsSigFile {
			n += f.Size
		}
	}
	return n
}

// auditImage checks every sector of the image (media.Image.Audit: the
// system area, descriptors, path tables, both directory trees, padding and
// file slack; FORMAT.md §2.1), the descriptor fields against the manifest,
// and what lies beyond the volume space: bytes after it in an image file
// are a finding, a drive is read exactly to the volume size. With hash it
// reads the image in one pass and sets vr.ImageSHA256 to the SHA-256 of
// the bytes read: the whole file, or the volume space of a drive.
func auditImage(im *media.Image, m *format.Manifest, device bool, size int64, hash bool, vr *VolumeReport, progress Progress) []format.Finding {
	o := media.AuditOptions{Device: device, Size: size}
	total := size
	if total < 0 {
		total = 0
	}
	h := sha256.New()
	if hash {
		o.Hash = h
		b := newBar(progress, total, "reading image "+m.Label)
		o.Progress = b.add
		defer b.done()
	}
	a, err := im.Audit(o)
	f := func(check, d string, args ...any) format.Finding {
		return format.Finding{Check: check, Volume: m.Label, Detail: fmt.Sprintf(d, args...)}
	}
	if err != nil {
		return []format.Finding{f(format.CheckImage, "%v", err)}
	}
	var out []format.Finding
	if hash {
		copy(vr.ImageSHA256[:], h.Sum(nil))
		vr.ImageBytes = a.Read
	}
	for _, d := range a.Faults {
		out = append(out, f(format.CheckStructure, "%s", d))
	}
	if n := a.FaultCount - len(a.Faults); n > 0 {
		out = append(out, f(format.CheckStructure, "and %d more structure faults", n))
	}
	switch {
	case a.Beyond > 0:
		out = append(out, f(format.CheckImage, "%d bytes beyond the volume size (%d sectors)", a.Beyond, a.Sectors))
	case a.Beyond < 0:
		out = append(out, f(format.CheckImage, "bytes beyond the volume size (%d sectors)", a.Sectors))
	}
	switch {
	case a.Missing > 0:
		out = append(out, f(format.CheckImage, "truncated: %d bytes missing; its volume descriptor says %d sectors", a.Missing, a.Sectors))
	case a.Missing < 0:
		out = append(out, f(format.CheckImage, "truncated: the image ends before its %d sectors", a.Sectors))
	}
	i := a.Info
	return append(out, format.CheckDescriptor(m, format.Descriptor{VolumeID: i.VolumeID, SetID: i.VolumeSetID,
		SetSize: i.SetSize, SeqNum: i.SeqNum, Publisher: i.Publisher, Preparer: i.Preparer,
		Application: i.Application, Created: i.Recorded})...)
}

// hashImage hashes an image the reader cannot open: an image file whole,
// a drive exactly its volume space (ECMA-119 §8.4.8), and reports a
// truncated image and bytes beyond the volume space of an image file.
func hashImage(src string, device bool, vr *VolumeReport, progress Progress) (format.Finding, bool) {
	bad := func(d string, a ...any) (format.Finding, bool) {
		return format.Finding{Check: format.CheckImage, Detail: fmt.Sprintf(d, a...)}, false
	}
	f, err := os.Open(src)
	if err != nil {
		return bad("%v", err)
	}
	defer f.Close()
	want, err := imageBytes(f)
	if err != nil {
		return bad("%v", err)
	}
	bar := newBar(progress, want, "reading image")
	defer bar.done()
	h := sha256.New()
	var rd io.Reader = f
	if device {
		rd = io.LimitReader(f, want)
	}
	n, err := io.Copy(io.MultiWriter(h, barWriter{bar}), rd)
	copy(vr.ImageSHA256[:], h.Sum(nil))
	vr.ImageBytes = n
	switch {
	case err != nil:
		return bad("read error after %d bytes: %v", n, err)
	case n < want:
		return bad("truncated: %d bytes, its volume descriptor says %d (%d sectors)", n, want, want/media.SectorSize)
	case n > want:
		return bad("%d bytes beyond the volume size (%d sectors)", n-want, want/media.SectorSize)
	}
	return format.Finding{}, true
}

func checkSignature(r *VolumeReader, signer openpgp.EntityList) []format.Finding {
	m := r.Manifest()
	f := format.Finding{Check: format.CheckSignature, Volume: m.Label, File: format.SumsSigFile}
	if len(signer) == 0 {
		f.Detail = "no trusted signer key (give --signer PUB.asc or --data DIR)"
		return []format.Finding{f}
	}
	fp, err := r.VerifySignature(signer)
	if err != nil {
		f.Detail = err.Error()
		return []format.Finding{f}
	}
	if fp != m.Signer {
		f.Detail = fmt.Sprintf("signed by %s, manifest names %s", fp, m.Signer)
		return []format.Finding{f}
	}
	return nil
}

// journalExpectation loads the journal's record of label and its
// verification key. A label the journal does not know is a finding.
func journalExpectation(ctx context.Context, j *journal.Journal, label string, vr *VolumeReport) *expectation {
	v, err := j.VolumeMeta(ctx, label) // placements are read in pages below
	if err != nil {
		vr.Findings = append(vr.Findings, format.Finding{Check: format.CheckJournal, Volume: label, Detail: "journal has no such volume: " + err.Error()})
		return nil
	}
	vr.journalVol = true
	exp := &expectation{vol: v, unknown: map[uint64]bool{}, paths: map[uint64]string{}}
	if len(v.VerifyKey) > 0 {
		if exp.keys, err = pgp.ReadSecret(v.VerifyKey, nil); err != nil {
			vr.Findings = append(vr.Findings, format.Finding{Check: format.CheckJournal, Volume: label, Detail: "verification key unreadable: " + err.Error()})
		}
	}
	err = j.Placements(ctx, label, func(p journal.Placement) error {
		if p.Path != format.MessagePath(p.Seq) {
			exp.paths[p.Seq] = p.Path
		}
		m, err := j.Message(ctx, v.Tenant, p.Seq)
		if err != nil {
			vr.Findings = append(vr.Findings, format.Finding{Check: format.CheckJournal, Volume: label, Seq: p.Seq, Detail: err.Error()})
			exp.unknown[p.Seq] = true
			exp.placed = append(exp.placed, placed{seq: p.Seq})
			return nil
		}
		exp.placed = append(exp.placed, placed{seq: p.Seq, sha: m.SHA256})
		return nil
	})
	if err != nil {
		vr.Findings = append(vr.Findings, format.Finding{Check: format.CheckJournal, Volume: label, Detail: "placements unreadable: " + err.Error()})
		return nil
	}
	sort.Slice(exp.placed, func(i, k int) bool { return exp.placed[i].seq < exp.placed[k].seq })
	return exp
}

// compareRecord checks the manifest and SHA256SUMS hash against the record
// of a volume on which the journal placed n messages.
func compareRecord(m *format.Manifest, sums [32]byte, v journal.Volume, n int) []format.Finding {
	var out []format.Finding
	bad := func(d string, a ...any) {
		out = append(out, format.Finding{Check: format.CheckManifest, Volume: m.Label, File: format.ManifestFile, Detail: fmt.Sprintf(d, a...)})
	}
	if m.Tenant != v.Tenant || m.SetID != v.SetID || m.Index != v.Index || m.Count != v.Count {
		bad("tenant %s set %s volume %d of %d; journal says tenant %s set %s volume %d of %d",
			m.Tenant, m.SetID, m.Index, m.Count, v.Tenant, v.SetID, v.Index, v.Count)
	}
	if m.FirstSeq != v.FirstSeq || m.LastSeq != v.LastSeq || m.Messages != n {
		bad("seq %d–%d (%d messages); journal says %d–%d (%d)", m.FirstSeq, m.LastSeq, m.Messages, v.FirstSeq, v.LastSeq, n)
	}
	if m.PrevSums != format.Hex(v.PrevSumsSHA256) {
		bad("previous SHA256SUMS %q; journal says %q", m.PrevSums, format.Hex(v.PrevSumsSHA256))
	}
	if sums != v.SumsSHA256 {
		out = append(out, format.Finding{Check: format.CheckManifest, Volume: m.Label, File: format.SumsFile,
			Detail: fmt.Sprintf("SHA-256 %x; journal recorded %x at sealing", sums, v.SumsSHA256)})
	}
	return out
}

// checkMessages decrypts every message and, with exp, compares each with
// the journal's SHA-256 and checks every placed message is present.
func checkMessages(r *VolumeReader, keys openpgp.EntityList, exp *expectation, progress Progress) []format.Finding {
	m := r.Manifest()
	bar := newBar(progress, int64(m.Messages), "decrypting "+m.Label)
	defer bar.done()
	var seen []bool // by index in exp.placed
	if exp != nil {
		seen = make([]bool, len(exp.placed))
	}
	var out []format.Finding
	_, fs := r.vol.CheckMessages(keys, func(res format.MessageResult) {
		bar.add(1)
		if exp == nil {
			return
		}
		i := exp.find(res.Seq)
		if i >= 0 {
			seen[i] = true
		}
		if res.Err != nil {
			return
		}
		switch {
		case i < 0 || exp.unknown[res.Seq]:
			out = append(out, format.Finding{Check: format.CheckJournal, Volume: m.Label, File: res.Path, Seq: res.Seq, Detail: "message not placed on this volume by the journal"})
		case exp.placed[i].sha != res.SHA256:
			out = append(out, format.Finding{Check: format.CheckJournal, Volume: m.Label, File: res.Path, Seq: res.Seq,
				Detail: fmt.Sprintf("decrypted SHA-256 %x, journal says %x", res.SHA256, exp.placed[i].sha)})
		}
	})
	out = append(fs, out...)
	if exp != nil {
		for i, p := range exp.placed {
			if !seen[i] {
				out = append(out, format.Finding{Check: format.CheckJournal, Volume: m.Label, File: exp.path(p.seq), Seq: p.seq, Detail: "journal placed this message here; the volume's index does not list it"})
			}
		}
	}
	return out
}
