package discovery

import (
	"fmt"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// checkDiscs verifies every volume and each tenant's chain, and returns
// the volumes in chain order (tenants by name, each from its first volume
// along the links). Findings go to res; any finding is ErrRebuildRefused.
func checkDiscs(vs *volumes, signers openpgp.EntityList, res *RebuildResult) ([]*format.Volume, error) {
	var all []*format.Volume
	for _, l := range vs.labels() {
		v := vs.byLabel[l]
		res.Findings = append(res.Findings, checkSignature(v, signers, res)...)
		res.Findings = append(res.Findings, v.CheckSumsList(nil)...)
		all = append(all, v)
	}
	res.Findings = append(res.Findings, checkSets(all)...)
	order, fs := checkChain(all, vs)
	res.Findings = append(res.Findings, fs...)
	if len(res.Findings) > 0 {
		return nil, fmt.Errorf("%w: %d finding(s), first: %s", ErrRebuildRefused, len(res.Findings), res.Findings[0])
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: no media given", ErrRebuildRefused)
	}
	return order, nil
}

// checkSignature verifies SHA256SUMS.ASC with the trusted signers, or
// with the disc's own SIGNER.ASC when none are given; every disc must be
// signed by the same key, which must be the manifest's Signer.
func checkSignature(v *format.Volume, signers openpgp.EntityList, res *RebuildResult) []format.Finding {
	m := v.Manifest()
	bad := func(detail string) []format.Finding {
		return []format.Finding{{Check: format.CheckSignature, Volume: m.Label, File: format.SumsSigFile, Detail: detail}}
	}
	keys := signers
	if len(keys) == 0 {
		own, err := v.Signer()
		if err != nil {
			return bad("no trusted key given and SIGNER.ASC unreadable: " + err.Error())
		}
		keys = own
	}
	fp, err := v.VerifySignature(keys)
	switch {
	case err != nil:
		return bad(err.Error())
	case fp != m.Signer:
		return bad(fmt.Sprintf("signed by %s, manifest names %s", fp, m.Signer))
	case res.Signer != "" && fp != res.Signer:
		return bad(fmt.Sprintf("signed by %s, other discs by %s", fp, res.Signer))
	}
	res.Signer = fp
	if res.SignerKey == nil {
		for _, e := range keys {
			if pgp.Fingerprint(e) == fp {
				res.SignerKey, _ = pgp.ArmorPublic(e)
			}
		}
	}
	return nil
}

// checkSets requires every volume set to be complete (1..Count present).
func checkSets(all []*format.Volume) []format.Finding {
	type set struct {
		count int
		have  map[int]bool
		label string
	}
	sets := map[string]*set{}
	for _, v := range all {
		m := v.Manifest()
		s := sets[m.SetID]
		if s == nil {
			s = &set{count: m.Count, have: map[int]bool{}, label: m.Label}
			sets[m.SetID] = s
		}
		s.have[m.Index] = true
	}
	var out []format.Finding
	for id, s := range sets {
		for k := 1; k <= s.count; k++ {
			if !s.have[k] {
				out = append(out, format.Finding{Check: format.CheckSet, Volume: s.label,
					Detail: fmt.Sprintf("volume %d of %d of set %s not among the media", k, s.count, id)})
			}
		}
	}
	return out
}

// checkChain checks each tenant's chain by its links, from the tenant's
// first volume (format.CheckVolumeChain, the check verify shares): a
// rebuild needs the whole history, so the first volume must be given.
// It returns the volumes in chain order.
func checkChain(all []*format.Volume, vs *volumes) ([]*format.Volume, []format.Finding) {
	var out []format.Finding
	cv := make([]format.ChainVolume, len(all))
	for i, v := range all {
		m := v.Manifest()
		sum, err := v.SumsSHA256()
		if err != nil {
			out = append(out, format.Finding{Check: format.CheckChain, Volume: m.Label, File: format.SumsFile,
				Detail: fmt.Sprintf("%s unreadable, so no volume can be linked to it: %v", format.SumsFile, err)})
		}
		cv[i] = format.ChainVolume{Source: vs.source[m.Label], Label: m.Label, Tenant: m.Tenant, SetID: m.SetID, Index: m.Index,
			SumsSHA256: sum, PrevSums: m.PrevSums, FirstSeq: m.FirstSeq, LastSeq: m.LastSeq, Messages: m.Messages,
			Seqs: v.MessageSeqs()}
	}
	idx, fs := format.CheckVolumeChain(cv, format.ChainOptions{FromFirst: true})
	order := make([]*format.Volume, len(idx))
	for i, k := range idx {
		order[i] = all[k]
	}
	return order, append(out, fs...)
}
