package mailparse

import (
	"crypto/sha256"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
)

const original = "From: a@x.example\r\nTo: list@y.example\r\nSubject: hi\r\n\r\nbody\r\n"

func journalReport(origPart string, cte string) string {
	return "X-MS-Journal-Report:\r\nFrom: journal@y.example\r\n" +
		"Content-Type: multipart/mixed; boundary=\"JR\"\r\n\r\n" +
		"--JR\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"Sender: a@x.example\r\nSubject: hi\r\nMessage-Id: <m1@x.example>\r\n" +
		"To: b@y.example\r\nCc: <c@y.example>\r\nBcc: d@y.example\r\nRecipient: e@y.example\r\n" +
		"To: member@y.example, Expanded: list@y.example\r\n" +
		"Cc: fwd@y.example, Forwarded: orig@y.example\r\nOn-Behalf-Of: z@y.example\r\n" +
		"--JR\r\nContent-Type: message/rfc822\r\n" + cte + "\r\n" + origPart + "\r\n--JR--\r\n"
}

func TestParseJournalReport(t *testing.T) {
	want := &Report{
		Sender: "a@x.example",
		Recipients: []Recipient{
			{"b@y.example", "To", ""}, {"c@y.example", "Cc", ""}, {"d@y.example", "Bcc", ""},
			{"e@y.example", "Recipient", ""}, {"member@y.example", "Expanded", "list@y.example"},
			{"fwd@y.example", "Forwarded", "orig@y.example"},
		},
		OriginalSHA256: sha256.Sum256([]byte(original)),
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(original))
	b64 = b64[:20] + "\r\n" + b64[20:]
	for name, in := range map[string]string{
		"7bit":   journalReport(original, ""),
		"base64": journalReport(b64, "Content-Transfer-Encoding: base64\r\n"),
	} {
		got, ok := ParseJournalReport(strings.NewReader(in))
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, %v\nwant %#v", name, got, ok, want)
		}
	}
}

func TestParseJournalReportRejects(t *testing.T) {
	for name, in := range map[string]string{
		"no header":   strings.TrimPrefix(journalReport(original, ""), "X-MS-Journal-Report:\r\n"),
		"no original": strings.Replace(journalReport(original, ""), "message/rfc822", "text/plain", 1),
		"not mime":    "X-MS-Journal-Report:\r\n\r\nSender: a@b\r\n",
		"empty":       "",
	} {
		if r, ok := ParseJournalReport(strings.NewReader(in)); ok || r != nil {
			t.Errorf("%s: got %#v, %v; want nil, false", name, r, ok)
		}
	}
}
