package sealing

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// staged is one message encrypted into the work directory.
type staged struct {
	msg    journal.Message
	path   string // disc path
	file   string // work file
	sealed format.Sealed
	entry  format.IndexEntry
}

// volPlan is one volume being packed.
type volPlan struct {
	verifyPub    openpgp.EntityList // the volume verification key
	verifySecret []byte             // its armored secret
	to           openpgp.EntityList // tenant recipients + verification key
	planner      *media.Planner
	msgs         []staged
	indexBytes   int64 // plaintext JSON Lines bytes so far
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
	return &volPlan{verifyPub: vp, verifySecret: sec, to: to, planner: media.NewPlanner(media.VolumeInfo{VolumeID: "PLANNING", VolumeSetID: "PLANNING", SetSize: 1, SeqNum: 1, Recorded: s.now})}, nil
}

// stage encrypts every message, packing volumes greedily in seq order.
// A message that overflows the current volume is encrypted again to the
// next volume's verification key.
func (s *sealer) stage(ctx context.Context, msgs []journal.Message) error {
	bar := newBar(s.opts.Progress, int64(len(msgs)), "encrypting")
	defer bar.done()
	vol, err := s.newVolume()
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := s.encrypt(ctx, m, vol)
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
			if st, err = s.encrypt(ctx, m, vol); err != nil {
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
		vol.msgs = append(vol.msgs, st)
		vol.indexBytes += entryBytes(st.entry)
		bar.add(1)
	}
	s.vols = append(s.vols, vol)
	return nil
}

// encrypt streams the journal body of m into a work file encrypted to vol,
// and checks the plaintext against the journal's SHA-256.
func (s *sealer) encrypt(ctx context.Context, m journal.Message, vol *volPlan) (staged, error) {
	st := staged{msg: m, path: format.MessagePath(m.Seq), file: filepath.Join(s.work, strconv.FormatUint(m.Seq, 10)+".pgp")}
	body, err := s.j.OpenBody(ctx, m.Tenant, m.Seq)
	if err != nil {
		return st, fmt.Errorf("sealing: %s/%d: %w", m.Tenant, m.Seq, err)
	}
	defer body.Close()
	f, err := os.Create(st.file)
	if err != nil {
		return st, fmt.Errorf("sealing: %w", err)
	}
	st.sealed, err = format.EncryptMessage(f, body, vol.to, true)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, fmt.Errorf("sealing: %s/%d: %w", m.Tenant, m.Seq, err)
	}
	if st.sealed.PlainSHA256 != m.SHA256 || st.sealed.PlainSize != m.Size {
		return st, fmt.Errorf("sealing: %s/%d: journal body (%d bytes, SHA-256 %x) differs from its record (%d bytes, %x); run journal check",
			m.Tenant, m.Seq, st.sealed.PlainSize, st.sealed.PlainSHA256, m.Size, m.SHA256)
	}
	st.entry = indexEntry(m, st)
	return st, nil
}

// fits reports whether vol can take st, counting upper bounds for the
// metadata files still to come. need is the sectors it would take.
func (s *sealer) fits(vol *volPlan, st staged) (bool, int64, error) {
	sec, err := vol.planner.With(st.path, st.sealed.CipherSize)
	if err != nil {
		return false, 0, err
	}
	need := sec + s.metaSectors(len(vol.msgs)+1, vol.indexBytes+entryBytes(st.entry), len(vol.to))
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
	e := &TooLargeError{Tenant: st.msg.Tenant, Seq: st.msg.Seq, Bytes: st.sealed.CipherSize, Need: need,
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

func entryBytes(e format.IndexEntry) int64 {
	b, _ := json.Marshal(e)
	return int64(len(b)) + 1
}
