package sealing

import (
	"context"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// record returns the journal record of a written image.
func (s *sealer) record(img *volumeImage) journal.Volume {
	m := img.manifest
	v := journal.Volume{Label: m.Label, Tenant: m.Tenant, Period: s.period, SetID: m.SetID, Index: m.Index, Count: m.Count,
		FirstSeq: m.FirstSeq, LastSeq: m.LastSeq, ImageName: format.ImageName(s.opts.Tenant, s.tag, m.Index, m.Count),
		ImageSHA256: img.sha, ImageBytes: img.bytes, SumsSHA256: img.sumsSHA, Signer: m.Signer, Sealed: s.now,
		VerifyKey: img.vol.verifySecret}
	if len(s.built) > 0 {
		v.PrevSumsSHA256 = s.prev
		for _, b := range s.built {
			if b.manifest.Index == m.Index-1 {
				v.PrevSumsSHA256 = b.sumsSHA
			}
		}
	}
	v.Placements = make([]journal.Placement, 0, len(img.vol.msgs))
	for _, st := range img.vol.msgs {
		v.Placements = append(v.Placements, journal.Placement{Seq: st.seq, Path: format.MessagePath(st.seq)})
	}
	return v
}

// verifyImages re-reads every written image with the independent reader
// and checks it deeply against what was planned (the journal's SHA-256 of
// every message) before anything is recorded.
func (s *sealer) verifyImages(ctx context.Context) ([]journal.Volume, []journal.Verification, error) {
	signer := openpgp.EntityList{s.opts.Signer}
	var vols []journal.Volume
	var vers []journal.Verification
	for _, img := range s.built {
		v := s.record(img)
		keys, err := pgp.ReadSecret(img.vol.verifySecret, nil)
		if err != nil {
			return nil, nil, err
		}
		exp := &expectation{vol: v, keys: keys, sha: map[uint64][32]byte{}}
		for _, st := range img.vol.msgs {
			exp.sha[st.seq] = st.sha
		}
		vr := checkSource(ctx, img.path, VerifyOptions{Signer: signer, Progress: s.opts.Progress}, exp)
		if len(vr.Findings) > 0 || vr.Method != "deep" {
			return nil, nil, &VerifyError{Image: img.path, Findings: vr.Findings}
		}
		vols = append(vols, v)
		vers = append(vers, vr.verification(s.now))
		s.res.Images = append(s.res.Images, SealedImage{Path: img.path, Label: v.Label, SHA256: img.sha, Bytes: img.bytes,
			Messages: len(v.Placements), FirstSeq: v.FirstSeq, LastSeq: v.LastSeq})
	}
	return vols, vers, nil
}
