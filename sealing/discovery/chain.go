package discovery

import (
	"fmt"
	"sort"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// checkDiscs verifies every volume and each tenant's chain, and returns
// the volumes in chain order (tenant, then sequence). Findings go to res;
// any finding is ErrRebuildRefused.
func checkDiscs(vs *volumes, signers openpgp.EntityList, res *RebuildResult) ([]*format.Volume, error) {
	var all []*format.Volume
	for _, l := range vs.labels() {
		v := vs.byLabel[l]
		res.Findings = append(res.Findings, checkSignature(v, signers, res)...)
		res.Findings = append(res.Findings, v.CheckSumsList(nil)...)
		all = append(all, v)
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i].Manifest(), all[j].Manifest()
		if a.Tenant != b.Tenant {
			return a.Tenant < b.Tenant
		}
		return a.FirstSeq < b.FirstSeq || a.FirstSeq == b.FirstSeq && a.Index < b.Index
	})
	res.Findings = append(res.Findings, checkSets(all)...)
	res.Findings = append(res.Findings, checkChain(all)...)
	if len(res.Findings) > 0 {
		return nil, fmt.Errorf("%w: %d finding(s), first: %s", ErrRebuildRefused, len(res.Findings), res.Findings[0])
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: no media given", ErrRebuildRefused)
	}
	return all, nil
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

// checkChain walks each tenant's volumes in sequence order: the first must
// start the chain (no previous SHA256SUMS, seq 1), each next one must link
// to its predecessor's SHA256SUMS and continue its sequence without a gap.
func checkChain(all []*format.Volume) []format.Finding {
	var out []format.Finding
	var prev *format.Volume
	for _, v := range all {
		m := v.Manifest()
		if prev == nil || prev.Manifest().Tenant != m.Tenant {
			if m.PrevSums != "" || (m.Messages > 0 && m.FirstSeq != 1) {
				out = append(out, format.Finding{Check: format.CheckChain, Volume: m.Label,
					Detail: fmt.Sprintf("first volume of tenant %s given starts at seq %d after another volume: an earlier volume is missing", m.Tenant, m.FirstSeq)})
			}
			prev = v
			continue
		}
		pm := prev.Manifest()
		if sum, err := prev.SumsSHA256(); err != nil {
			out = append(out, format.Finding{Check: format.CheckChain, Volume: m.Label,
				Detail: fmt.Sprintf("previous volume %s: %s unreadable: %v", pm.Label, format.SumsFile, err)})
		} else if want := fmt.Sprintf("%x", sum); m.PrevSums != want {
			out = append(out, format.Finding{Check: format.CheckChain, Volume: m.Label,
				Detail: fmt.Sprintf("links to SHA256SUMS %s, previous volume %s has %s", m.PrevSums, pm.Label, want)})
		}
		if m.Messages > 0 && pm.Messages > 0 && m.FirstSeq != pm.LastSeq+1 {
			out = append(out, format.Finding{Check: format.CheckChain, Volume: m.Label,
				Detail: fmt.Sprintf("starts at seq %d, previous volume %s ends at %d", m.FirstSeq, pm.Label, pm.LastSeq)})
		}
		prev = v
	}
	return out
}
