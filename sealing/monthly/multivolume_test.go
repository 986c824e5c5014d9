package monthly

import (
	"context"
	"testing"

	"github.com/archiver/archiver/media"
)

// A volume set of several volumes: each disc is verified on its own (the
// set's other volumes are on other discs), and every one passes.
func TestRunMultiVolumeSetEachDiscVerified(t *testing.T) {
	j, o, d := setup(t)
	prof, err := media.ParseProfile("38")
	if err != nil {
		t.Fatal(err)
	}
	o.Profile = prof
	rep, err := Run(context.Background(), j, o)
	if err != nil {
		t.Fatal(err)
	}
	vols := 0
	for _, tr := range rep.Tenants {
		for _, v := range tr.Volumes {
			vols++
			if len(v.Discs) != 2 || v.Discs[0].State != DiscVerified || v.Discs[1].State != DiscVerified || !v.Released {
				t.Errorf("%s: discs %+v released %v", v.Label, v.Discs, v.Released)
			}
		}
		if len(tr.Refusals) > 0 {
			t.Errorf("%s: refusals %+v", tr.Tenant, tr.Refusals)
		}
	}
	if vols < 4 || len(d.burns) != 2*vols {
		t.Fatalf("%d volumes, %d burns; want several volumes per tenant, two discs each", vols, len(d.burns))
	}
}
