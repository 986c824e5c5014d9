package journal_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
)

func TestSetRecipients(t *testing.T) {
	j := newJ(t) // tenants acme and globex
	key := [][]byte{[]byte("KEY-A"), []byte("KEY-B")}
	if err := j.SetRecipients(ctx, "acme", key, "FPR-A, FPR-B"); err != nil {
		t.Fatal(err)
	}
	got, err := j.Tenant(ctx, "acme")
	if err != nil || len(got.Recipients) != 2 || !bytes.Equal(got.Recipients[1], []byte("KEY-B")) || len(got.Domains) == 0 {
		t.Fatalf("acme after SetRecipients: %+v, %v", got, err)
	}
	// the default tenant is created on demand, so unrouted mail can be sealed
	if err := j.SetRecipients(ctx, journal.DefaultTenant, key[:1], "FPR-A"); err != nil {
		t.Fatal(err)
	}
	if d, err := j.Tenant(ctx, journal.DefaultTenant); err != nil || len(d.Recipients) != 1 {
		t.Fatalf("default: %+v, %v", d, err)
	}
	// unrouted mail still lands in it, and keeps the key
	ingest(t, j, env("x@nowhere.example", "y@nowhere.example"), []byte("Subject: stray\r\n\r\nhi\r\n"))
	if d, _ := j.Tenant(ctx, journal.DefaultTenant); len(d.Recipients) != 1 {
		t.Fatalf("default lost its key after unrouted mail: %+v", d)
	}
	if err := j.SetRecipients(ctx, "nosuch", key, ""); !errors.Is(err, journal.ErrNotFound) {
		t.Errorf("unknown tenant: %v, want ErrNotFound", err)
	}
	if err := j.SetRecipients(ctx, "acme", nil, ""); err == nil {
		t.Error("empty key list accepted")
	}
	var details []string
	j.AuditEvents(ctx, func(e journal.Event) error {
		if e.Action == "tenant" && strings.HasPrefix(e.Detail, "set recipient keys") {
			details = append(details, e.Detail)
		}
		return nil
	})
	if len(details) != 2 || !strings.Contains(details[0], "acme: FPR-A, FPR-B") || !strings.Contains(details[1], "default: FPR-A") {
		t.Errorf("audit: %q", details)
	}
	if _, err := j.AuditVerify(ctx); err != nil {
		t.Error(err)
	}
}
