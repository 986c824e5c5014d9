package journal_test

import (
	"crypto/sha256"
	"strings"
	"testing"
)

// exchangeReport builds an Exchange envelope journal report by hand
// (X-MS-Journal-Report, a text part listing the envelope, the original as
// message/rfc822).
func exchangeReport(orig []byte, lines ...string) []byte {
	return []byte("From: Microsoft Exchange <exchange@provider.example>\r\n" +
		"To: journal@archive.provider.example\r\nSubject: journal report\r\n" +
		"X-MS-Journal-Report:\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\n" +
		"Sender: boss@acme.example\r\nSubject: plans\r\nMessage-ID: <o@x>\r\n" +
		strings.Join(lines, "\r\n") + "\r\n" +
		"--b1\r\nContent-Type: message/rfc822\r\n\r\n" + string(orig) +
		"\r\n--b1--\r\n")
}

func TestExchangeJournalReportsWithMailparse(t *testing.T) {
	j := newJ(t)
	orig := mail("Message-ID: <o@x>\r\n", "the original")
	box := env("exchange@provider.example", "journal@archive.provider.example")
	a := ingest(t, j, box, exchangeReport(orig, "To: alice@acme.example", "Bcc: secret@acme.example"))
	b := ingest(t, j, box, exchangeReport(orig, "To: carol@globex.example, Expanded: team@acme.example", "To: alice@acme.example"))
	if len(a) != 1 || a[0].Tenant != "acme" || a[0].Duplicate {
		t.Fatalf("first report stored as %+v", a)
	}
	// the second report also lists a globex recipient: new for globex, duplicate for acme
	if len(b) != 2 || b[0].Tenant != "acme" || !b[0].Duplicate || b[1].Tenant != "globex" || b[1].Duplicate {
		t.Fatalf("second report stored as %+v", b)
	}
	m, _ := j.Message(ctx, "acme", a[0].Seq)
	if m.Identity != sha256.Sum256(orig) {
		t.Fatalf("identity %x, want the original's sha256 %x", m.Identity, sha256.Sum256(orig))
	}
	var got []string
	for _, r := range m.ReportedRecipients() {
		got = append(got, r.Kind+":"+r.Address+":"+r.Via)
	}
	want := "To:alice@acme.example: Bcc:secret@acme.example: Expanded:carol@globex.example:team@acme.example"
	if strings.Join(got, " ") != want {
		t.Fatalf("merged recipients\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if m.Summary.MessageID != "o@x" || m.Summary.From != "a@acme.example" {
		t.Fatalf("summary %+v, want the embedded original's headers", m.Summary)
	}
	if m.Receipts[0].Report.Sender != "boss@acme.example" {
		t.Fatalf("report sender %q", m.Receipts[0].Report.Sender)
	}
}
