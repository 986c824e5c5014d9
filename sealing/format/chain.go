package format

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ChainVolume is one volume as the chain check (CheckVolumeChain,
// docs/FORMAT.md §7 step 5) sees it: its identity, its own SHA256SUMS
// hash, the link it names and the tenant sequences it holds.
type ChainVolume struct {
	Source     string   // where it was read (path), named when two copies differ
	Label      string   // ISO volume identifier / manifest label
	Tenant     string   // manifest tenant
	SetID      string   // manifest set_id
	Index      int      // k of the set, 1-based
	SumsSHA256 [32]byte // SHA-256 of its SHA256SUMS as read; zero when unreadable
	PrevSums   string   // manifest prev_sha256sums: 64 lower-case hex, "" for the tenant's first volume
	FirstSeq   uint64   // manifest first_seq
	LastSeq    uint64   // manifest last_seq
	Messages   int      // manifest messages
	// Seqs are the tenant sequences of its message files (Volume.MessageSeqs);
	// nil means FirstSeq…LastSeq when Messages > 0.
	Seqs []uint64
}

// ChainOptions says what CheckVolumeChain requires beyond one unbroken chain.
type ChainOptions struct {
	// FromFirst requires each tenant's chain to start at the tenant's
	// first volume (PrevSums ""): a catalog rebuild needs the whole
	// history, while verifying some discs of it does not.
	FromFirst bool
}

// CheckVolumeChain checks each tenant's volumes given together by their links
// (docs/FORMAT.md §7 step 5), not by sequence: old mail backfilled and
// sealed with seal --until after a month was sealed holds higher sequence
// numbers than volumes sealed after it. Copies of one volume (same set id
// and k) count once; copies whose SHA256SUMS differ are a finding. Then:
//   - a sequence number on two different volumes is an overlap;
//   - the volumes must form one unbroken chain: a volume whose previous
//     volume is not among those given, when another given volume starts
//     the chain, means a volume is missing (a gap) or its link is wrong;
//   - two volumes naming the same previous volume are a fork;
//   - with opts.FromFirst, the chain must start at the tenant's first
//     volume.
//
// Sequence numbers on no volume given are not faults by themselves: they
// may not be sealed yet. Every finding has Check CheckChain.
//
// order lists the distinct volumes (indexes into vols), tenants in name
// order, each tenant's in chain order from its start; volumes the walk
// from the start does not reach (only when there are findings) follow
// their tenant's chain in the order given.
func CheckVolumeChain(vols []ChainVolume, opts ChainOptions) (order []int, findings []Finding) {
	byTenant := map[string][]int{}
	var tenants []string
	for i, v := range vols {
		if byTenant[v.Tenant] == nil {
			tenants = append(tenants, v.Tenant)
		}
		byTenant[v.Tenant] = append(byTenant[v.Tenant], i)
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		c := &chain{vols: vols}
		c.distinct(byTenant[t])
		c.overlaps(t)
		order = append(order, c.links(opts)...)
		findings = append(findings, c.out...)
	}
	return order, findings
}

// chain is one tenant's volumes being checked.
type chain struct {
	vols []ChainVolume
	vs   []int // distinct volumes, indexes into vols
	out  []Finding
}

func (c *chain) add(v *ChainVolume, file string, seq uint64, detail string, a ...any) {
	c.out = append(c.out, Finding{Check: CheckChain, Volume: v.Label, File: file, Seq: seq, Detail: fmt.Sprintf(detail, a...)})
}

// distinct keeps one volume per set id and k.
func (c *chain) distinct(idx []int) {
	type key struct {
		set   string
		index int
	}
	seen := map[key]int{}
	for _, i := range idx {
		v := &c.vols[i]
		k := key{v.SetID, v.Index}
		first, dup := seen[k]
		switch {
		case !dup:
			seen[k] = i
			c.vs = append(c.vs, i)
		case c.vols[first].SumsSHA256 != v.SumsSHA256:
			f := &c.vols[first]
			c.add(v, SumsFile, 0, "%s and %s are both volume %d of set %s but their SHA256SUMS differ (%x, %x)",
				f.Source, v.Source, v.Index, v.SetID, f.SumsSHA256, v.SumsSHA256)
		}
	}
}

// overlaps reports each pair of volumes holding a common sequence.
func (c *chain) overlaps(tenant string) {
	type pair struct{ a, b int }
	owner := map[uint64]int{}
	common := map[pair][]uint64{}
	var pairs []pair
	for _, i := range c.vs {
		for _, seq := range c.vols[i].seqList() {
			w, ok := owner[seq]
			if !ok {
				owner[seq] = i
				continue
			}
			p := pair{w, i}
			if common[p] == nil {
				pairs = append(pairs, p)
			}
			common[p] = append(common[p], seq)
		}
	}
	for _, p := range pairs {
		seqs := common[p]
		a, b := &c.vols[p.a], &c.vols[p.b]
		c.add(b, "", seqs[0], "overlap: tenant %s sequence %d (%d messages in all) is on both %s and %s",
			tenant, seqs[0], len(seqs), a.Label, b.Label)
	}
}

// links follows the links among the distinct volumes: one start, no fork,
// every volume reached. It returns them in chain order.
func (c *chain) links(opts ChainOptions) []int {
	bySums := map[string]int{}
	for _, i := range c.vs {
		if h := Hex(c.vols[i].SumsSHA256); h != "" {
			bySums[h] = i
		}
	}
	var heads []int
	next := map[string]int{}
	for _, i := range c.vs {
		v := &c.vols[i]
		p, linked := bySums[v.PrevSums]
		if v.PrevSums == "" || !linked {
			heads = append(heads, i)
			continue
		}
		if w, fork := next[v.PrevSums]; fork {
			c.add(v, ManifestFile, 0, "fork: %s and %s both follow %s", c.vols[w].Label, v.Label, c.vols[p].Label)
			continue
		}
		next[v.PrevSums] = i
	}
	if len(heads) == 0 { // every volume follows another: a cycle
		heads = append(heads, c.vs[0])
		c.add(&c.vols[c.vs[0]], ManifestFile, 0, "the volumes given link in a cycle: no volume starts the chain")
	}
	// the chain starts at the tenant's first volume if given, else at the
	// lowest sequence; every other head lacks its previous volume
	sort.SliceStable(heads, func(i, j int) bool {
		a, b := &c.vols[heads[i]], &c.vols[heads[j]]
		if fa, fb := a.PrevSums == "", b.PrevSums == ""; fa != fb {
			return fa
		}
		return a.FirstSeq < b.FirstSeq
	})
	start := &c.vols[heads[0]]
	if opts.FromFirst && start.PrevSums != "" {
		c.add(start, ManifestFile, start.FirstSeq, "the tenant's first volume (the one naming no previous volume) is not among the volumes given, which start at %s (previous SHA256SUMS SHA-256 %s): an earlier volume is missing",
			start.Label, start.PrevSums)
	}
	for _, h := range heads[1:] {
		v := &c.vols[h]
		if v.PrevSums == "" {
			c.add(v, ManifestFile, v.FirstSeq, "two chain starts: %s and %s both name no previous volume", start.Label, v.Label)
			continue
		}
		c.add(v, ManifestFile, v.FirstSeq, "broken chain: the volume before %s (SHA256SUMS SHA-256 %s) is not among the volumes given, which start at %s: a volume is missing (a gap), or this link is wrong",
			v.Label, v.PrevSums, start.Label)
	}
	var order []int
	seen := map[int]bool{}
	for i, ok := heads[0], true; ok && !seen[i]; i, ok = next[Hex(c.vols[i].SumsSHA256)] {
		seen[i] = true
		order = append(order, i)
	}
	for _, i := range c.vs {
		if !seen[i] {
			order = append(order, i)
		}
	}
	return order
}

// seqList is the volume's sequences: Seqs, or the manifest range.
func (v *ChainVolume) seqList() []uint64 {
	if v.Seqs != nil || v.Messages == 0 {
		return v.Seqs
	}
	var out []uint64
	for s := v.FirstSeq; s <= v.LastSeq && s-v.FirstSeq < 1<<24; s++ {
		out = append(out, s)
	}
	return out
}

// MessageSeqs returns the tenant sequences of the volume's message files,
// in path (= sequence) order: every file whose path is exactly
// MessagePath(seq).
func (v *Volume) MessageSeqs() []uint64 {
	var out []uint64
	for i := range v.NumFiles() {
		f := v.FileAt(i)
		name, ok := strings.CutPrefix(f.Path, MsgDir+"/")
		if !ok || !strings.HasSuffix(name, ".PGP") {
			continue
		}
		i := strings.LastIndexByte(name, '/')
		seq, err := strconv.ParseUint(strings.TrimSuffix(name[i+1:], ".PGP"), 10, 64)
		if err == nil && MessagePath(seq) == f.Path {
			out = append(out, seq)
		}
	}
	return out
}
