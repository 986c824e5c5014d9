package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestVolumeJSONMatchesMarshal: volumeJSON writes the bytes json.Marshal
// writes, for placements nil, empty, plain and needing escapes; and with
// the placements given as JSON text (AddVerification) the same again.
func TestVolumeJSONMatchesMarshal(t *testing.T) {
	base := Volume{Label: `A"B<placements>`, Tenant: "acme", Period: "2026-03", SetID: `"placements":null`, Index: 1, Count: 2,
		FirstSeq: 1, LastSeq: 1 << 40, ImageName: "x.iso", Sealed: time.Date(2026, 3, 1, 0, 0, 0, 5, time.UTC),
		Verifications: []Verification{{Copy: "c", Method: "deep", OK: true, Findings: []string{`"placements":null`}}},
		VerifyKey:     []byte("k")}
	paths := []string{"MSG/0000000001.PGP", "", `a"b\c`, "<&>", "é", "\x7f", "\x01", "\xff", "\u2028"}
	var many []Placement
	for i, p := range paths {
		many = append(many, Placement{Seq: uint64(i) * 1e17, Path: p})
	}
	for i := range 1000 {
		many = append(many, Placement{Seq: uint64(i), Path: fmt.Sprintf("MSG/%010d.PGP", i)})
	}
	for _, ps := range [][]Placement{nil, {}, many} {
		v := base
		v.Placements = ps
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := volumeJSON(v, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || cap(got) != len(got) {
			t.Fatalf("%d placements: len %d cap %d\n got %.300s\nwant %.300s", len(ps), len(got), cap(got), got, want)
		}
		var sv volumeSansPlacements
		if err := json.Unmarshal(want, &sv); err != nil {
			t.Fatal(err)
		}
		if sv.Volume.Placements != nil {
			t.Fatal("placements decoded")
		}
		again, err := volumeJSON(sv.Volume, sv.Placements.b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, want) {
			t.Fatalf("%d placements, re-encoded from text:\n got %.300s\nwant %.300s", len(ps), again, want)
		}
	}
}

// TestPlacementsPageIndented: placementsPage reads any JSON spacing, in
// pages of any size, and stops at the array's end.
func TestPlacementsPageIndented(t *testing.T) {
	// no placements field at all: the text is empty
	if ps, _, end, err := placementsPage(nil, -1, 1); ps != nil || !end || err != nil {
		t.Fatal("placementsPage(nil): ", ps, end, err)
	}
	ps := []Placement{{1, "a"}, {2, `b"}]`}, {3, "c"}}
	for _, text := range [][]byte{mustIndent(t, ps), mustIndent(t, []Placement{}), []byte("null")} {
		text = append(text, `, "image_name": "x"}`...)
		for n := 1; n <= 4; n++ {
			var got []Placement
			pos := -1
			for {
				page, next, end, err := placementsPage(text, pos, n)
				if err != nil {
					t.Fatalf("%s (pages of %d): %v", text, n, err)
				}
				got, pos = append(got, page...), next
				if end {
					break
				}
			}
			want := ps
			if !bytes.HasPrefix(text, []byte("[\n")) || bytes.HasPrefix(text, []byte("[]")) {
				want = nil
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s (pages of %d): %v", text, n, got)
			}
		}
	}
}

func mustIndent(t *testing.T, v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
