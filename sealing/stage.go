package sealing

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
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
	index *indexSpool // plaintext INDEX.PGP JSON Lines so far
	sums  *indexSpool // SHA256SUMS lines of the messages so far
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
	ix, err := newIndexSpool(s.work)
	if err != nil {
		return nil, err
	}
	s.spools = append(s.spools, ix)
	sums, err := newSpool(s.work, "sums-*.txt")
	if err != nil {
		return nil, err
	}
	s.spools = append(s.spools, sums)
	return &volPlan{verifyPub: vp, verifySecret: sec, to: to, enc: enc, index: ix, sums: sums, planner: media.NewPlanner(media.VolumeInfo{VolumeID: "PLANNING", VolumeSetID: "PLANNING", SetSize: 1, SeqNum: 1, Recorded: s.now})}, nil
}

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

// fits reports whether vol can take st, counting upper bounds for the
// metadata files still to come. need is the sectors it would take.
func (s *sealer) fits(vol *volPlan, st staged) (bool, int64, error) {
	sec, err := vol.planner.With(st.path, st.sealed.CipherSize)
	if err != nil {
		return false, 0, err
	}
	need := sec + s.metaSectors(len(vol.msgs)+1, vol.index.Len()+int64(len(st.line)), len(vol.to))
	return need <= s.opts.Profile.Sectors, need, nil
}

// metaSectors bounds the sectors of the six metadata files of a volume
// with n messages, idx bytes of plain index and r recipient keys, plus two
// sectors for root directory growth (primary and Joliet).
func (s *sealer) metaSectors(n int, idx int64, r int) int64 {
	sizes := []int64{
		int64(n+6) * 100,                    // SHA256SUMS: 64 hex + 2 + path (≤ 30) + newline
		idx + idx/100 + 1024 + int64(r)*700, // INDEX.PGP: zlib worst case + PKESK packets (RSA-4096 ≤ 530 bytes each)
		8192 + int64(r)*48,                  // README.TXT
		4096 + int64(r)*48,                  // MANIFEST.JSON
		int64(len(s.signerPub)),             // SIGNER.ASC
		2048,                                // SHA256SUMS.ASC (RSA-4096 armored ≈ 900 bytes)
	}
	total := int64(2)
	for _, b := range sizes {
		total += (b + media.SectorSize - 1) / media.SectorSize
	}
	return total
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
