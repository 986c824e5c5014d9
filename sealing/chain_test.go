package sealing

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/format"
)

// backfill stores n old messages dated date the way backfill
// --date-from-header does (Received = the Date header).
func (f *fixture) backfill(n int, date time.Time) {
	f.t.Helper()
	for i := 0; i < n; i++ {
		raw := fmt.Appendf(nil, "From: bob@other.example\r\nTo: alice@acme.example\r\nSubject: old %d\r\nMessage-ID: <old.%d.%d@x>\r\nDate: %s\r\n\r\nold mail %d\r\n",
			i, i, time.Now().UnixNano(), date.Format(time.RFC1123Z), i)
		st, err := f.j.IngestWith(f.ctx, journal.Envelope{MailFrom: "bob@other.example", RcptTo: []string{"alice@acme.example"}, Protocol: "backfill"},
			journal.DeliveryOptions{DateFromHeader: true}, bytes.NewReader(raw))
		if err != nil {
			f.t.Fatal(err)
		}
		f.raw[st[0].Seq] = raw
	}
}

// Gap 4 of the hardening pass: the chain check sorted a tenant's volumes
// by first sequence, so old mail backfilled with --date-from-header after
// a month was sealed, then sealed with seal --until, was reported as a gap
// (live mail of the current month not sealed yet) and, once that month
// was sealed, as an overlap. The chain is now followed by its links.
func TestChainBackfillSealedOutOfOrderIsNotOverlap(t *testing.T) {
	f := newFixture(t)
	f.ingest(3, 500) // seq 1–3, November
	nov := f.seal("dvd5")

	f.setClock(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC))
	f.ingest(3, 500)                                            // seq 4–6, December, live
	f.backfill(2, time.Date(2026, 10, 7, 8, 0, 0, 0, time.UTC)) // seq 7–8, received October
	f.ingest(2, 500)                                            // seq 9–10, December, live

	o := f.opts("dvd5")
	o.Period, o.Until = "", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	late, err := Seal(f.ctx, f.j, o)
	if err != nil || len(late.Images) != 1 || late.Images[0].FirstSeq != 7 || late.Images[0].LastSeq != 8 {
		t.Fatalf("seal --until: %+v %v", late, err)
	}
	if rep := f.verify(true, nov.Images[0].Path, late.Images[0].Path); !rep.OK {
		t.Fatalf("November + backfill (December not sealed yet): %s", checks(rep))
	}

	o = f.opts("dvd5")
	o.Period = "2026-12"
	o.Now = func() time.Time { return time.Date(2027, 1, 1, 2, 0, 0, 0, time.UTC) }
	dec, err := Seal(f.ctx, f.j, o)
	if err != nil || dec.Images[0].FirstSeq != 4 || dec.Images[0].LastSeq != 10 || dec.Images[0].Messages != 5 {
		t.Fatalf("seal December: %+v %v", dec, err)
	}
	all := []string{nov.Images[0].Path, late.Images[0].Path, dec.Images[0].Path}
	for _, srcs := range [][]string{all, {all[2], all[0], all[1]}, {all[1], all[2]}} {
		if rep := f.verify(true, srcs...); !rep.OK {
			t.Fatalf("verify %v: %s", srcs, checks(rep))
		}
	}
	// the backfill volume between them missing: a broken chain
	rep := f.verify(false, all[0], all[2])
	if rep.OK || !strings.Contains(checks(rep), "chain ") || !strings.Contains(fmt.Sprint(rep.Findings), "broken chain") {
		t.Fatalf("November + December without the backfill volume: %s", checks(rep))
	}
}

// chainVol is a VolumeReport as read from a disc, for the chain checks.
func chainVol(label string, sums byte, prev byte, seqs ...uint64) *VolumeReport {
	v := &VolumeReport{Source: label + ".iso", Label: label, Tenant: "acme", SetID: label, Index: 1, Count: 1,
		Messages: len(seqs), hasManifest: true, seqs: seqs}
	v.FirstSeq, v.LastSeq = seqs[0], seqs[0]
	for _, s := range seqs {
		v.FirstSeq, v.LastSeq = min(v.FirstSeq, s), max(v.LastSeq, s)
	}
	v.SumsSHA256[0] = sums
	if prev != 0 {
		var p [32]byte
		p[0] = prev
		v.PrevSums = format.Hex(p)
	}
	return v
}

// The chain check still fails real faults: overlaps, missing volumes
// (gaps), forks and differing copies; interleaved sequences pass.
func TestChainStillFailsOverlapGapAndMissingVolume(t *testing.T) {
	a := chainVol("A", 1, 0, 1, 2, 3)
	b := chainVol("B", 2, 1, 7, 8)
	c := chainVol("C", 3, 2, 4, 5, 6, 9, 10)
	cases := []struct {
		name string
		vols []*VolumeReport
		want string // "" = no finding
	}{
		{"interleaved, linked", []*VolumeReport{c, a, b}, ""},
		{"a copy given twice", []*VolumeReport{a, b, b, c}, ""},
		{"later segment only", []*VolumeReport{b, c}, ""},
		{"overlap", []*VolumeReport{a, b, chainVol("C", 3, 2, 4, 5, 8, 9)}, "overlap: tenant acme sequence 8 (1 messages in all) is on both B and C"},
		{"volume missing (gap)", []*VolumeReport{a, c}, "broken chain: the volume before C"},
		{"wrong link", []*VolumeReport{a, b, chainVol("C", 3, 9, 4, 5, 6)}, "broken chain: the volume before C"},
		{"fork", []*VolumeReport{a, b, chainVol("D", 4, 1, 11)}, "fork: B and D both follow A"},
		{"copies differ", []*VolumeReport{a, b, chainVol("B", 5, 1, 7, 8)}, "are both volume 1 of set B but their SHA256SUMS differ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := checkChain(tc.vols)
			got := fmt.Sprint(fs)
			if tc.want == "" && len(fs) > 0 || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("findings %s, want %q", got, tc.want)
			}
		})
	}
}
