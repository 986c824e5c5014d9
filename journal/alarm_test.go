package journal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
)

// Gap 7 of the hardening pass: status dropped stored alarms it could not
// read (a damaged alarm record, a torn alarms.log line), so it exited 0
// with an alarm raised. Each must show as an alarm.
func TestStatusShowsUnreadableAlarms(t *testing.T) {
	j := newJ(t)
	if st := status(t, j); len(st.Alarms) != 0 {
		t.Fatalf("fresh journal has alarms %+v", st.Alarms)
	}
	err := j.RawUpdate(func(tx journal.Tx) error {
		return tx.Put(journal.BucketAlarms, journal.TenantKey("oversize", []byte("acme")), []byte("{torn"))
	})
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(j.Dir(), "alarms.log")
	if err := os.WriteFile(log, []byte(`{"kind":"write-failure","message":"disk full","time":"2026-03-01T00:00:00Z"}`+"\n"+`{"kind":"wri`), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range status(t, j).Alarms {
		got = append(got, a.Kind+"/"+a.Tenant+": "+a.Message)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"oversize/acme: alarm record unreadable", "write-failure/: disk full", "write-failure/: alarms.log line 2 unreadable"} {
		if !strings.Contains(all, want) {
			t.Errorf("alarms lack %q:\n%s", want, all)
		}
	}
	// acknowledging the kinds clears them, the damaged record included
	if err := j.ClearAlarms(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if st := status(t, j); len(st.Alarms) != 0 {
		t.Fatalf("after clear: %+v", st.Alarms)
	}
}
