package sealing

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

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

// checkChain checks each tenant's volumes given together (docs/FORMAT.md
// §7 step 5). The chain is followed in seal order, by its links
// (PrevSums = SHA-256 of the previous volume's SHA256SUMS), not by
// sequence: backfilled old mail sealed with seal --until after a month was
// sealed holds higher sequence numbers than later volumes, and a month
// sealed later may hold sequences on both sides of it. So:
//   - a sequence number on two different volumes is an overlap;
//   - the volumes must form one unbroken chain: a volume whose previous
//     volume is not among those given, when another given volume starts
//     the chain, means a volume is missing (or its link is wrong), which is
//     also where a gap in the sequence shows;
//   - two volumes naming the same previous volume are a fork.
//
// Sequence numbers not on any volume given are not faults by themselves:
// they may not be sealed yet. Copies of one volume (same set and k) are
// checked once.
func checkChain(vols []*VolumeReport) []format.Finding {
	byTenant := map[string][]*VolumeReport{}
	for _, v := range vols {
		if v.hasManifest {
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
		vs, f := distinctVolumes(byTenant[t])
		out = append(out, f...)
		out = append(out, checkOverlaps(t, vs)...)
		out = append(out, checkLinks(vs)...)
	}
	return out
}

// distinctVolumes keeps one report per volume (set id and k): copies of a
// volume count once. Copies whose SHA256SUMS differ are a finding.
func distinctVolumes(vs []*VolumeReport) ([]*VolumeReport, []format.Finding) {
	type key struct {
		set   string
		index int
	}
	seen := map[key]*VolumeReport{}
	var out []*VolumeReport
	var fs []format.Finding
	for _, v := range vs {
		k := key{v.SetID, v.Index}
		first, dup := seen[k]
		switch {
		case !dup:
			seen[k] = v
			out = append(out, v)
		case first.SumsSHA256 != v.SumsSHA256:
			fs = append(fs, format.Finding{Check: format.CheckChain, Volume: v.Label, File: format.SumsFile,
				Detail: fmt.Sprintf("%s and %s are both volume %d of set %s but their SHA256SUMS differ (%x, %x)",
					first.Source, v.Source, v.Index, v.SetID, first.SumsSHA256, v.SumsSHA256)})
		}
	}
	return out, fs
}

// checkOverlaps reports each pair of volumes holding a common sequence.
func checkOverlaps(tenant string, vs []*VolumeReport) []format.Finding {
	type pair struct{ a, b *VolumeReport }
	owner := map[uint64]*VolumeReport{}
	common := map[pair][]uint64{}
	var pairs []pair
	for _, v := range vs {
		for _, seq := range v.seqList() {
			w, ok := owner[seq]
			if !ok {
				owner[seq] = v
				continue
			}
			p := pair{w, v}
			if common[p] == nil {
				pairs = append(pairs, p)
			}
			common[p] = append(common[p], seq)
		}
	}
	var out []format.Finding
	for _, p := range pairs {
		seqs := common[p]
		out = append(out, format.Finding{Check: format.CheckChain, Volume: p.b.Label, Seq: seqs[0],
			Detail: fmt.Sprintf("overlap: tenant %s sequence %d (%d messages in all) is on both %s and %s",
				tenant, seqs[0], len(seqs), p.a.Label, p.b.Label)})
	}
	return out
}

// checkLinks follows the chain links among vs: one start, no fork.
func checkLinks(vs []*VolumeReport) []format.Finding {
	bySums := map[string]*VolumeReport{}
	for _, v := range vs {
		if h := format.Hex(v.SumsSHA256); h != "" {
			bySums[h] = v
		}
	}
	var heads []*VolumeReport
	next := map[string]*VolumeReport{}
	var out []format.Finding
	for _, v := range vs {
		if isFirst(v) || bySums[v.PrevSums] == nil {
			heads = append(heads, v)
			continue
		}
		if w := next[v.PrevSums]; w != nil {
			out = append(out, format.Finding{Check: format.CheckChain, Volume: v.Label, File: format.ManifestFile,
				Detail: fmt.Sprintf("fork: %s and %s both follow %s", w.Label, v.Label, bySums[v.PrevSums].Label)})
		}
		next[v.PrevSums] = v
	}
	// the chain starts at the tenant's first volume if given, else at the
	// lowest sequence; every other head lacks its previous volume
	sort.SliceStable(heads, func(i, j int) bool {
		fi, fj := isFirst(heads[i]), isFirst(heads[j])
		if fi != fj {
			return fi
		}
		return heads[i].FirstSeq < heads[j].FirstSeq
	})
	for _, h := range heads[min(1, len(heads)):] {
		out = append(out, format.Finding{Check: format.CheckChain, Volume: h.Label, File: format.ManifestFile, Seq: h.FirstSeq,
			Detail: fmt.Sprintf("broken chain: the volume before %s (SHA256SUMS SHA-256 %s) is not among the volumes given, which start at %s: a volume is missing (a gap), or this link is wrong",
				h.Label, orNone(h.PrevSums), heads[0].Label)})
	}
	return out
}

// isFirst: the volume names no previous volume (the tenant's first).
func isFirst(v *VolumeReport) bool { return v.PrevSums == "" }

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// seqList is the tenant sequences on the volume, from its message file
// names (format.MessagePath); the manifest range when none were read.
func (v *VolumeReport) seqList() []uint64 {
	if v.seqs != nil || v.Messages == 0 {
		return v.seqs
	}
	var out []uint64
	for s := v.FirstSeq; s <= v.LastSeq && s-v.FirstSeq < 1<<24; s++ {
		out = append(out, s)
	}
	return out
}

// messageSeqs parses the sequence numbers of the message files of v
// (paths exactly as format.MessagePath writes them).
func messageSeqs(v *format.Volume) []uint64 {
	var out []uint64
	for i := range v.NumFiles() {
		f := v.FileAt(i)
		name, ok := strings.CutPrefix(f.Path, format.MsgDir+"/")
		if !ok || !strings.HasSuffix(name, ".PGP") {
			continue
		}
		i := strings.LastIndexByte(name, '/')
		seq, err := strconv.ParseUint(strings.TrimSuffix(name[i+1:], ".PGP"), 10, 64)
		if err == nil && format.MessagePath(seq) == f.Path {
			out = append(out, seq)
		}
	}
	return out
}
