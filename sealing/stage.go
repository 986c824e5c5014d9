package sealing

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// staged is one message encrypted into the spool file, while it is being
// placed.
type staged struct {
	seq    uint64
	sha    [32]byte // journal SHA-256 of the plaintext
	path   string   // disc path
	off    int64    // offset of its ciphertext in the spool file
	sealed format.Sealed
	line   []byte // its INDEX.PGP JSON line, newline included (until placed)
}

// span is where a placed message's ciphertext lies in the spool file.
type span struct {
	off  int64
	size int64
}

// volPlan is one volume being packed.
type volPlan struct {
	verifyPub    openpgp.EntityList   // the volume verification key
	verifySecret []byte               // its armored secret
	to           openpgp.EntityList   // tenant recipients + verification key
	enc          *pgp.VolumeEncrypter // encrypts to `to`: one ephemeral key per Curve25519 recipient and volume
	planner      *media.Planner
	// the placed messages in seq (= path) order: 40 bytes each (the staged
	// form was about 250 with its slice's growth), and 16 more until the
	// image is written. A message's disc path is format.MessagePath(seq);
	// its INDEX.PGP and SHA256SUMS lines are in the work files below.
	msgs  []placed
	spans []span      // parallel to msgs until the image is written
	index *indexPGP   // INDEX.PGP of the messages so far
	sums  *indexSpool // SHA256SUMS lines of the messages so far
	meta  metaSizes   // MANIFEST.JSON and README.TXT sizes for the digits cached
}

func (s *sealer) newVolume() (*volPlan, error) {
	pub, sec, err := pgp.GenerateKey("archiver volume verification key", "", pgp.KeyOptions{})
	if err != nil {
		return nil, err
	}
	vp, err := pgp.ReadRecipients([][]byte{pub})
	if err != nil {
		return nil, err
	}
	to := append(append(openpgp.EntityList(nil), s.recipients...), vp...)
	enc, err := pgp.NewVolumeEncrypter(to, pgp.EncryptOptions{Compress: true})
	if err != nil {
		return nil, err
	}
	ix, err := newIndexPGP(s.work, to)
	if err != nil {
		return nil, err
	}
	s.spools = append(s.spools, ix.spool)
	sums, err := newSpool(s.work, "sums-*.txt")
	if err != nil {
		return nil, err
	}
	s.spools = append(s.spools, sums)
	pl := media.NewPlanner(media.VolumeInfo{VolumeID: "PLANNING", VolumeSetID: "PLANNING", SetSize: 1, SeqNum: 1, Recorded: s.now})
	for _, name := range metaFiles { // their records now, their extents in fits
		if err := pl.Add(name, 0); err != nil {
			return nil, err
		}
	}
	return &volPlan{verifyPub: vp, verifySecret: sec, to: to, enc: enc, index: ix, sums: sums, planner: pl}, nil
}

// metaFiles are the metadata files of every volume (docs/FORMAT.md §4).
var metaFiles = []string{format.IndexFile, format.ManifestFile, format.ReadmeFile, format.SignerFile, format.SumsFile, format.SumsSigFile}

// bufferMax is the largest message encrypted ahead into memory by the
// parallel workers (bytes); larger ones are encrypted in turn straight into
// the spool, which bounds memory to about 2×GOMAXPROCS×bufferMax.
const bufferMax = 8 << 20

// ahead is one message being encrypted ahead of packing.
type ahead struct {
	m      journal.Message
	vol    *volPlan
	buf    *bytes.Buffer // from aheadBufs
	sealed format.Sealed
	err    error
	done   chan struct{}
}

// aheadBufs pools the ciphertext buffers of messages encrypted ahead; one
// per message otherwise, grown from empty each time.
var aheadBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putAheadBuf recycles b unless it grew past 1 MiB (a rare large message
// should not pin its buffer).
func putAheadBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		b.Reset()
		aheadBufs.Put(b)
	}
}

// stage encrypts every message, packing volumes greedily in seq order.
// Workers (one per core) encrypt the next messages into memory for the
// current volume's keys; a message that overflows the volume, and any
// encrypted ahead for it, is encrypted again for the next volume.
//
// seqs are the messages (UnsealedSeqs); each record is read from the
// journal as it enters the look-ahead queue, so records are held for 2×
// GOMAXPROCS messages, not for the whole period.
func (s *sealer) stage(ctx context.Context, seqs []uint64) error {
	bar := newBar(s.opts.Progress, int64(len(seqs)), "encrypting")
	defer bar.done()
	vol, err := s.newVolume()
	if err != nil {
		return err
	}
	p := runtime.GOMAXPROCS(0)
	sem := make(chan struct{}, p)
	start := func(m journal.Message, vol *volPlan) *ahead {
		a := &ahead{m: m, vol: vol, done: make(chan struct{})}
		if m.Size > bufferMax {
			close(a.done) // encrypted in turn, into the spool
			return a
		}
		a.buf = aheadBufs.Get().(*bytes.Buffer)
		go func() {
			defer close(a.done)
			sem <- struct{}{}
			defer func() { <-sem }()
			a.sealed, a.err = s.encryptTo(ctx, a.buf, m, vol)
		}()
		return a
	}
	var q []*ahead
	next := 0
	defer func() { // never leave workers running after return
		for _, a := range q {
			<-a.done
		}
	}()
	for i := range seqs {
		if err := ctx.Err(); err != nil {
			return err
		}
		for ; next < len(seqs) && next < i+2*p; next++ {
			m, err := s.j.Message(ctx, s.opts.Tenant, seqs[next])
			if err != nil {
				return fmt.Errorf("sealing: message %d: %w", seqs[next], err)
			}
			q = append(q, start(m, vol))
		}
		a := q[0]
		q = q[1:]
		<-a.done
		m := a.m
		st, err := s.place(ctx, a, vol)
		if err != nil {
			return err
		}
		ok, need, err := s.fits(vol, st)
		if err != nil {
			return err
		}
		if !ok && len(vol.msgs) > 0 {
			if _, err := vol.index.msg.Finish(); err != nil { // frees its compressor now
				return fmt.Errorf("sealing: index work file: %w", err)
			}
			s.vols = append(s.vols, vol)
			if vol, err = s.newVolume(); err != nil {
				return err
			}
			for k, b := range q { // encrypted ahead for the full volume: redo
				<-b.done
				q[k] = start(b.m, vol)
			}
			if st, err = s.place(ctx, &ahead{m: m}, vol); err != nil {
				return err
			}
			if ok, need, err = s.fits(vol, st); err != nil {
				return err
			}
		}
		if !ok {
			return s.tooLarge(st, need)
		}
		if err := vol.planner.Add(st.path, st.sealed.CipherSize); err != nil {
			return err
		}
		if _, err := vol.index.Write(st.line); err != nil {
			return fmt.Errorf("sealing: index work file: %w", err)
		}
		if _, err := vol.sums.Write(sumsLine(st.sealed.CipherSHA256, st.path)); err != nil {
			return fmt.Errorf("sealing: sums work file: %w", err)
		}
		vol.msgs = append(vol.msgs, placed{seq: st.seq, sha: st.sha})
		vol.spans = append(vol.spans, span{off: st.off, size: st.sealed.CipherSize})
		bar.add(1)
	}
	s.vols = append(s.vols, vol)
	return nil
}

// place appends the ciphertext of a to the spool (encrypting it now if it
// was not encrypted ahead for vol) and returns the staged message.
func (s *sealer) place(ctx context.Context, a *ahead, vol *volPlan) (staged, error) {
	m := a.m
	st := staged{seq: m.Seq, sha: m.SHA256, path: format.MessagePath(m.Seq), off: s.spoolEnd}
	var err error
	switch {
	case a.vol == vol && a.err != nil:
		err = a.err
	case a.vol == vol && m.Size <= bufferMax:
		st.sealed = a.sealed
		_, err = s.spoolW.Write(a.buf.Bytes())
		putAheadBuf(a.buf)
		a.buf = nil
	default:
		st.sealed, err = s.encryptTo(ctx, s.spoolW, m, vol)
	}
	if err == nil {
		err = s.spoolW.Flush()
	}
	if err != nil {
		return st, err
	}
	s.spoolEnd += st.sealed.CipherSize
	st.line = indexLine(indexEntry(m, st))
	return st, nil
}

// encryptTo streams the journal body of m to w encrypted to vol's keys, and
// checks the plaintext against the journal's SHA-256 and size.
func (s *sealer) encryptTo(ctx context.Context, w io.Writer, m journal.Message, vol *volPlan) (format.Sealed, error) {
	body, err := s.j.OpenBody(ctx, m.Tenant, m.Seq)
	if err != nil {
		return format.Sealed{}, fmt.Errorf("sealing: %s/%d: %w", m.Tenant, m.Seq, err)
	}
	defer body.Close()
	sealed, err := format.EncryptMessageWith(w, body, vol.enc)
	if err != nil {
		return sealed, fmt.Errorf("sealing: %s/%d: %w", m.Tenant, m.Seq, err)
	}
	if sealed.PlainSHA256 != m.SHA256 || sealed.PlainSize != m.Size {
		return sealed, fmt.Errorf("sealing: %s/%d: journal body (%d bytes, SHA-256 %x) differs from its record (%d bytes, %x); run journal check",
			m.Tenant, m.Seq, sealed.PlainSize, sealed.PlainSHA256, m.Size, m.SHA256)
	}
	return sealed, nil
}

// fits reports whether vol can take st: the image size with st and every
// metadata file as it would be if the volume closed with st last (each
// exact but MANIFEST.JSON, README.TXT and SHA256SUMS.ASC, bounded within a
// few bytes: metaSizes). need is the sectors it would take. INDEX.PGP is
// compressed as it grows: a bound that costs nothing is tried first, and
// only when it does not fit is the exact size computed (compressing up to
// 64 KiB of the index again), which happens for the last few messages of
// a volume.
func (s *sealer) fits(vol *volPlan, st staged) (bool, int64, error) {
	sec, err := vol.planner.With(st.path, st.sealed.CipherSize)
	if err != nil {
		return false, 0, err
	}
	sec += s.fixedMetaSectors(vol, st)
	need := sec + sectors(vol.index.msg.SizeBound(int64(len(st.line))))
	if need <= s.opts.Profile.Sectors {
		return true, need, nil
	}
	ix, err := vol.index.msg.SizeWith(st.line)
	if err != nil {
		return false, 0, fmt.Errorf("sealing: %s: %w", format.IndexFile, err)
	}
	need = sec + sectors(ix)
	return need <= s.opts.Profile.Sectors, need, nil
}

func sectors(bytes int64) int64 { return (bytes + media.SectorSize - 1) / media.SectorSize }

// fixedMetaSectors is the sectors of the metadata files but INDEX.PGP if
// vol closed with st last: SHA256SUMS and SIGNER.ASC exactly, MANIFEST.JSON
// and README.TXT from the manifest it would get (metaSizes), and
// SHA256SUMS.ASC as measured (sigSize).
func (s *sealer) fixedMetaSectors(vol *volPlan, st staged) int64 {
	sums := vol.sums.Len() + int64(sumsLineLen(st.path))
	for _, name := range []string{format.IndexFile, format.ManifestFile, format.ReadmeFile, format.SignerFile} {
		sums += int64(sumsLineLen(name))
	}
	first := st.seq
	if len(vol.msgs) > 0 {
		first = vol.msgs[0].seq
	}
	man, readme := s.metaSizes(vol, len(vol.msgs)+1, first, st.seq)
	return sectors(sums) + sectors(man) + sectors(readme) + sectors(int64(len(s.signerPub))) + sectors(s.sigSize())
}

// sumsLineLen is the length of path's SHA256SUMS line (sumsLine).
func sumsLineLen(path string) int { return 64 + 2 + len(path) + 1 }

// metaSizes are the sizes of MANIFEST.JSON and README.TXT of one volume
// for given decimal lengths of its message count and sequence range (the
// only fields that change while it is packed), cached until one changes.
type metaSizes struct {
	digits           [3]int
	manifest, readme int64
}

// metaSlack covers what is not known while packing: the set's volume
// count (taken as 99, or k if more: "count" and "k of n" one digit longer
// than for n < 10, the label as long as for any n < 100), so that a count
// of up to 999 still fits.
const metaSlack = 4

// metaSizes returns the sizes MANIFEST.JSON and README.TXT would have if
// vol closed with n messages first…last, plus metaSlack.
func (s *sealer) metaSizes(vol *volPlan, n int, first, last uint64) (manifest, readme int64) {
	d := [3]int{len(strconv.Itoa(n)), len(strconv.FormatUint(first, 10)), len(strconv.FormatUint(last, 10))}
	if vol.meta.digits != d {
		k := len(s.vols) + 1
		prev := s.prev
		if k > 1 {
			prev = [32]byte{1} // a previous volume of this set: 64 hex digits, whatever its hash
		}
		// the manifest as s.manifest makes it, with this message placed
		// last (taken off again: it is not placed yet)
		vol.msgs = append(vol.msgs, placed{seq: last})
		m := s.manifest(vol, k, max(k, 99), prev)
		vol.msgs = vol.msgs[:len(vol.msgs)-1]
		m.FirstSeq, m.Messages, m.Format = first, n, format.Version
		vol.meta = metaSizes{digits: d, manifest: int64(len(m.Marshal())) + metaSlack, readme: int64(len(format.Readme(m))) + metaSlack}
	}
	return vol.meta.manifest, vol.meta.readme
}

// sigSize bounds SHA256SUMS.ASC: an armored signature by the archive key
// as measured once, plus 16 bytes (its MPIs may be a byte longer than the
// one measured, and the armor a line).
func (s *sealer) sigSize() int64 {
	if s.sigBytes == 0 {
		var b bytes.Buffer
		if err := pgp.SignDetached(&b, s.opts.Signer, bytes.NewReader(nil)); err != nil || b.Len() == 0 {
			s.sigBytes = 4096 // signing fails again, loudly, when the volume is written
		} else {
			s.sigBytes = int64(b.Len()) + 16
		}
	}
	return s.sigBytes
}

func (s *sealer) tooLarge(st staged, need int64) error {
	e := &TooLargeError{Tenant: s.opts.Tenant, Seq: st.seq, Bytes: st.sealed.CipherSize, Need: need,
		Have: s.opts.Profile.Sectors, Profile: s.opts.Profile.Name}
	for _, p := range media.Profiles() {
		if p.Sectors >= need {
			e.Fits = p.Name
			break
		}
	}
	return e
}

func indexEntry(m journal.Message, st staged) format.IndexEntry {
	e := format.IndexEntry{Seq: m.Seq, JSeq: m.JSeq, Received: m.Received.UTC(), From: m.Summary.From, To: m.Summary.To,
		Cc: m.Summary.Cc, Subject: m.Summary.Subject, MessageID: m.Summary.MessageID, Size: m.Size,
		SHA256: format.Hex(m.SHA256), Path: st.path}
	if !m.Summary.Date.IsZero() {
		e.Date = m.Summary.Date.UTC().Format(time.RFC3339)
	}
	seen := map[string]bool{}
	for i, r := range m.Receipts {
		if i == 0 {
			e.Envelope.MailFrom = r.Envelope.MailFrom
		}
		for _, rc := range r.Envelope.RcptTo {
			if !seen[rc] {
				seen[rc] = true
				e.Envelope.RcptTo = append(e.Envelope.RcptTo, rc)
			}
		}
		if r.Report != nil {
			for _, rr := range r.Report.Recipients {
				e.Envelope.Reported = append(e.Envelope.Reported, rr.Address)
			}
		}
	}
	if e.Envelope.RcptTo == nil {
		e.Envelope.RcptTo = []string{}
	}
	return e
}

// indexLine is e as one JSON Lines record (format.WriteIndex encoding).
func indexLine(e format.IndexEntry) []byte {
	var b bytes.Buffer
	format.WriteIndex(&b, []format.IndexEntry{e})
	return b.Bytes()
}
