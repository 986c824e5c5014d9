package monthly

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Gap 6 of the hardening pass: a run that stopped at a later tenant
// (cancelled, a drive error that cancels) returned no report at all,
// although earlier tenants had been sealed and released. The report of
// what was done must come back with the error.
func TestRunStoppedMidwayReportsWhatWasReleased(t *testing.T) {
	j, o, d := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o.Burn = func(c context.Context, dev, image string) error {
		if strings.HasPrefix(filepath.Base(image), "globex") {
			cancel() // the operator pressed ^C while globex burned
			return c.Err()
		}
		return d.burn(c, dev, image)
	}
	rep, err := Run(ctx, j, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	if rep == nil || rep.OK || !strings.Contains(rep.Error, "stopped at tenant globex") {
		t.Fatalf("report %+v, want one that says it stopped at globex", rep)
	}
	if len(rep.Tenants) != 2 || rep.Tenants[0].Tenant != "acme" || rep.Tenants[0].Released != 6 {
		t.Fatalf("tenants in the report: %+v, want acme released (6) and empty", rep.Tenants)
	}
	if n := withBody(t, j); n != 6 {
		t.Fatalf("%d bodies left, want globex's 6", n)
	}
	txt, _, err := rep.WriteFiles(o.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(txt)
	if !strings.Contains(string(b), "result: STOPPED, stopped at tenant globex") || !strings.Contains(string(b), "TENANT acme: 6 messages sealed, 6 released") {
		t.Fatalf("text report:\n%s", b)
	}
}
