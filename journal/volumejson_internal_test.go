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
