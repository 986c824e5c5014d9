package sealing

import (
	"fmt"
	"sort"

	"github.com/archiver/archiver/sealing/format"
)

// checkSets checks the volumes given together: each volume set complete
// (all k of n), one tenant and count per set, and each tenant's chain
// followed by its links, with no sequence number on two volumes.
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

// checkChain checks each tenant's volumes given together by their links
// (format.CheckVolumeChain, the check catalog rebuild shares), copies of one
// volume counted once.
func checkChain(vols []*VolumeReport) []format.Finding {
	var cv []format.ChainVolume
	for _, v := range vols {
		if v.hasManifest {
			cv = append(cv, format.ChainVolume{Source: v.Source, Label: v.Label, Tenant: v.Tenant, SetID: v.SetID, Index: v.Index,
				SumsSHA256: v.SumsSHA256, PrevSums: v.PrevSums, FirstSeq: v.FirstSeq, LastSeq: v.LastSeq, Messages: v.Messages, Seqs: v.seqs})
		}
	}
	_, out := format.CheckVolumeChain(cv, format.ChainOptions{})
	return out
}
