package format

import (
	"fmt"
	"strings"
	"testing"
)

// link is a ChainVolume with SHA256SUMS hash byte sums naming prev (0:
// the tenant's first volume).
func link(label string, sums, prev byte, seqs ...uint64) ChainVolume {
	v := ChainVolume{Source: label + ".iso", Label: label, Tenant: "acme", SetID: label, Index: 1, Messages: len(seqs), Seqs: seqs,
		FirstSeq: seqs[0], LastSeq: seqs[len(seqs)-1]}
	v.SumsSHA256[0] = sums
	if prev != 0 {
		var p [32]byte
		p[0] = prev
		v.PrevSums = Hex(p)
	}
	return v
}

// The chain is walked by its links: the order returned is seal order, not
// sequence order, and FromFirst wants the tenant's first volume.
func TestCheckVolumeChainOrderAndStart(t *testing.T) {
	nov := link("NOV", 1, 0, 1, 2, 3)
	late := link("LATE", 2, 1, 7, 8)
	dec := link("DEC", 3, 2, 4, 5, 6, 9, 10)
	other := link("GLOBEX", 9, 0, 1)
	other.Tenant = "globex"
	cases := []struct {
		name  string
		vols  []ChainVolume
		opts  ChainOptions
		order string // labels in the order returned
		want  string // "" = no finding
	}{
		{"linked, given out of order", []ChainVolume{dec, other, late, nov}, ChainOptions{FromFirst: true}, "[NOV LATE DEC GLOBEX]", ""},
		{"later part without start", []ChainVolume{dec, late}, ChainOptions{}, "[LATE DEC]", ""},
		{"later part, start wanted", []ChainVolume{dec, late}, ChainOptions{FromFirst: true}, "[LATE DEC]", "the tenant's first volume (the one naming no previous volume) is not among the volumes given, which start at LATE"},
		{"gap", []ChainVolume{nov, dec}, ChainOptions{FromFirst: true}, "[NOV DEC]", "broken chain: the volume before DEC"},
		{"two starts", []ChainVolume{nov, link("NEW", 5, 0, 11)}, ChainOptions{}, "[NOV NEW]", "two chain starts: NOV and NEW both name no previous volume"},
		{"fork", []ChainVolume{nov, late, link("FORK", 4, 1, 11)}, ChainOptions{}, "[NOV LATE FORK]", "fork: LATE and FORK both follow NOV"},
		{"overlap", []ChainVolume{nov, late, link("DEC", 3, 2, 4, 8)}, ChainOptions{}, "[NOV LATE DEC]", "overlap: tenant acme sequence 8"},
		{"cycle", []ChainVolume{link("A", 1, 2, 1), link("B", 2, 1, 2)}, ChainOptions{}, "[A B]", "link in a cycle"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idx, fs := CheckVolumeChain(tc.vols, tc.opts)
			var labels []string
			for _, i := range idx {
				labels = append(labels, tc.vols[i].Label)
			}
			if got := fmt.Sprint(labels); got != tc.order {
				t.Errorf("order %s, want %s", got, tc.order)
			}
			got := fmt.Sprint(fs)
			if tc.want == "" && len(fs) > 0 || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("findings %s, want %q", got, tc.want)
			}
		})
	}
}
