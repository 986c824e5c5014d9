package journal_test

import (
	"testing"

	"github.com/archiver/archiver/journal"
)

// Gap 5 of the hardening pass: serve audits forwarded commands under the
// client's user via WithActor, not under Options.Actor ("service").
func TestWithActorAuditsForwardedUser(t *testing.T) {
	j := newJ(t) // Options.Actor is the test's
	c := journal.WithActor(ctx, "alice via service")
	if err := j.AddTenant(c, journal.Tenant{Name: "initech", Domains: []string{"initech.example"}}); err != nil {
		t.Fatal(err)
	}
	if err := j.AddHold(c, journal.Hold{Name: "h"}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Audit(c, "", "note", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Audit(c, "bob", "note", "explicit"); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveHold(ctx, "h"); err != nil { // no WithActor: Options.Actor
		t.Fatal(err)
	}
	got := map[string]string{}
	j.AuditEvents(ctx, func(e journal.Event) error { got[e.Action+" "+e.Detail] = e.Actor; return nil })
	holds, _ := j.Holds(ctx)
	for k, want := range map[string]string{
		"tenant add tenant initech domains initech.example": "alice via service",
		"note x":        "alice via service",
		"note explicit": "bob",
	} {
		if got[k] != want {
			t.Errorf("%q audited as %q, want %q (all: %v)", k, got[k], want, got)
		}
	}
	if len(holds) != 0 {
		t.Fatalf("holds %v", holds)
	}
	for k, a := range got {
		if k == "hold remove hold h" && a == "alice via service" {
			t.Errorf("a call without WithActor took the forwarded actor")
		}
	}
}
