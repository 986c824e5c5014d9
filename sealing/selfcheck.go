package sealing

import (
	"context"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// record returns the journal record of a written image, without its
// Placements (see placements).
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
	return v
}

// placements lists the messages of a written image for the journal.
func placements(img *volumeImage) []journal.Placement {
	ps := make([]journal.Placement, 0, len(img.vol.msgs))
	for _, st := range img.vol.msgs {
		ps = append(ps, journal.Placement{Seq: st.seq, Path: format.MessagePath(st.seq)})
	}
	return ps
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
		exp := &expectation{vol: v, keys: keys, placed: img.vol.msgs}
		vr := checkSource(ctx, img.path, VerifyOptions{Signer: signer, Progress: s.opts.Progress}, exp)
		if len(vr.Findings) > 0 || vr.Method != "deep" {
			return nil, nil, &VerifyError{Image: img.path, Findings: vr.Findings}
		}
		v.Placements = placements(img)
		vols = append(vols, v)
		vers = append(vers, vr.verification(s.now, CopyName{}))
		s.res.Images = append(s.res.Images, SealedImage{Path: img.path, Label: v.Label, SHA256: img.sha, Bytes: img.bytes,
			Messages: len(v.Placements), FirstSeq: v.FirstSeq, LastSeq: v.LastSeq})
	}
	return vols, vers, nil
}
