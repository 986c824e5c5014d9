package journal_test

import (
	"crypto/sha256"
	"testing"

	samples "github.com/archiver/archiver/testdata"
)

// TestSampleMail delivers every sample .eml with its envelope: each lands
// in the tenant index.json names, byte-exact, and the journal report's Bcc
// recipient is recorded.
func TestSampleMail(t *testing.T) {
	j := newJ(t)
	idx, err := samples.Index()
	if err != nil {
		t.Fatal(err)
	}
	n, bcc := 0, false
	for _, s := range idx {
		if s.IsMbox() {
			continue
		}
		raw, err := samples.FS.ReadFile(s.File)
		if err != nil {
			t.Fatal(err)
		}
		st := ingest(t, j, env(s.MailFrom, s.RcptTo...), raw)
		if len(st) != 1 || st[0].Tenant != s.Tenant || st[0].SHA256 != sha256.Sum256(raw) {
			t.Fatalf("%s: stored %+v, want tenant %s", s.File, st, s.Tenant)
		}
		if got, _ := bodySHA(t, j, s.Tenant, st[0].Seq); got != sha256.Sum256(raw) {
			t.Fatalf("%s: body read back differs", s.File)
		}
		m, _ := j.Message(ctx, s.Tenant, st[0].Seq)
		for _, r := range m.ReportedRecipients() {
			bcc = bcc || (r.Kind == "Bcc" && r.Address == "ombudsman@acme.example")
		}
		if m.Receipts[0].Report != nil && m.Summary.MessageID != "orig.36@mail.acme.example" {
			t.Fatalf("%s: journal report summarised as %+v, want the original's Message-ID", s.File, m.Summary)
		}
		n++
	}
	if n != 28 || !bcc {
		t.Fatalf("%d samples delivered (want 28); journal report Bcc recorded: %v", n, bcc)
	}
}
