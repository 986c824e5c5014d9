package sealing

import (
	"fmt"
	"sort"

	"github.com/archiver/archiver/sealing/format"
)

// checkSets checks the volumes given together: each volume set complete
// (all k of n), one tenant and count per set, the chain linked and tenant
// sequences contiguous within a set and between the volumes given.
func checkSets(vols []*VolumeReport, complete bool) []format.Finding {
	var out []format.Finding
	sets := map[string][]*VolumeReport{}
	var ids []string
	for _, v := range vols {
		if !v.hasManifest {
			continue
		}
		if sets[v.SetID] == nil {
			ids = append(ids, v.SetID)
		}
		sets[v.SetID] = append(sets[v.SetID], v)
	}
	sort.Strings(ids)
	for _, id := range ids {
		out = append(out, checkSet(id, sets[id], complete)...)
	}
	return append(out, checkChain(vols)...)
}

func checkSet(id string, vs []*VolumeReport, complete bool) []format.Finding {
	var out []format.Finding
	bad := func(d string, a ...any) {
		out = append(out, format.Finding{Check: format.CheckSet, Volume: id, Detail: fmt.Sprintf(d, a...)})
	}
	first := vs[0]
	have := map[int]bool{}
	for _, v := range vs {
		if v.Tenant != first.Tenant || v.Count != first.Count {
			bad("%s says tenant %s, %d volumes; %s says tenant %s, %d volumes", v.Source, v.Tenant, v.Count, first.Source, first.Tenant, first.Count)
		}
		have[v.Index] = true
	}
	for k := 1; k <= first.Count; k++ {
		if complete && !have[k] {
			bad("volume %d of %d (%s) missing", k, first.Count, format.Label(first.Tenant, periodTag(first), k, first.Count))
		}
	}
	return out
}

// periodTag recovers the label's period tag for a message about a missing
// volume (best effort: the label of a present volume minus its suffix).
func periodTag(v *VolumeReport) string { return v.Period }

// checkChain orders each tenant's volumes by sequence and checks each link
// to the next: contiguous sequence and PrevSums = SHA-256 of the previous
// volume's SHA256SUMS.
func checkChain(vols []*VolumeReport) []format.Finding {
	byTenant := map[string][]*VolumeReport{}
	for _, v := range vols {
		if v.hasManifest && v.Messages > 0 {
			byTenant[v.Tenant] = append(byTenant[v.Tenant], v)
		}
	}
	var out []format.Finding
	var tenants []string
	for t := range byTenant {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		vs := byTenant[t]
		sort.SliceStable(vs, func(i, j int) bool { return vs[i].FirstSeq < vs[j].FirstSeq })
		for i := 1; i < len(vs); i++ {
			a, b := vs[i-1], vs[i]
			switch {
			case b.FirstSeq == a.FirstSeq && b.SetID == a.SetID && b.Index == a.Index:
				// two copies of one volume
			case b.FirstSeq <= a.LastSeq:
				out = append(out, format.Finding{Check: format.CheckChain, Volume: b.Label, Seq: b.FirstSeq,
					Detail: fmt.Sprintf("sequence %d–%d overlaps %s (%d–%d)", b.FirstSeq, b.LastSeq, a.Label, a.FirstSeq, a.LastSeq)})
			case b.FirstSeq != a.LastSeq+1:
				out = append(out, format.Finding{Check: format.CheckChain, Volume: b.Label, Seq: a.LastSeq + 1,
					Detail: fmt.Sprintf("gap: tenant %s sequence %d–%d is on no volume given (between %s and %s)", t, a.LastSeq+1, b.FirstSeq-1, a.Label, b.Label)})
			case b.PrevSums != format.Hex(a.SumsSHA256):
				out = append(out, format.Finding{Check: format.CheckChain, Volume: b.Label, File: format.ManifestFile,
					Detail: fmt.Sprintf("previous SHA256SUMS %q, but %s's SHA256SUMS has SHA-256 %x", b.PrevSums, a.Label, a.SumsSHA256)})
			}
		}
	}
	return out
}
