package mailparse

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func summarizeString(s string) Summary { return Summarize(strings.NewReader(s)) }

func TestSummarizeMalformed(t *testing.T) {
	longLine := "X-Long: " + strings.Repeat("a", 1<<20) + "\r\n"
	cases := []struct {
		name, in string
		want     Summary
	}{
		{"empty", "", Summary{}},
		{"no header block", "just a body line\r\nSubject: not a header\r\n", Summary{}},
		{"bare LF", "Subject: hi\nMessage-ID: <a@b>\n\nbody", Summary{Subject: "hi", MessageID: "a@b"}},
		{"bare CR inside value", "Subject: a\rb\r\n\r\n", Summary{Subject: "ab"}},
		{"NUL bytes", "Subject: x\x00y\r\n\r\n\x00\x00", Summary{Subject: "xy"}},
		{"1 MiB header line", longLine + "Subject: after\r\n\r\n", Summary{Subject: "after"}},
		{"folded subject", "Subject: one\r\n two\r\n\tthree\r\n\r\n", Summary{Subject: "one two\tthree"}},
		{"mbox postmark first", "From a@b Thu Jan  1 00:00:00 1970\nSubject: s\n\n", Summary{Subject: "s"}},
		{"message-id without brackets", "Message-ID: abc@def\r\n\r\n", Summary{MessageID: "abc@def"}},
		{"empty message-id", "Message-ID: <>\r\n\r\n", Summary{}},
		{"rfc2047 unknown charset kept", "Subject: =?x-nope?Q?abc?= =?utf-8?Q?caf=C3=A9?=\r\n\r\n",
			Summary{Subject: "=?x-nope?Q?abc?= café"}},
		{"windows-1252", "Subject: \x93quoted\x94 \x80\r\n\r\n", Summary{Subject: "\u201cquoted\u201d \u20ac"}},
		{"unparseable date", "Date: yesterday-ish\r\n\r\n", Summary{DateRaw: "yesterday-ish"}},
		{"asctime date", "Date: Thu Jan  1 12:00:00 2015\r\n\r\n",
			Summary{DateRaw: "Thu Jan  1 12:00:00 2015", Date: time.Date(2015, 1, 1, 12, 0, 0, 0, time.UTC)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := summarizeString(c.in); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestAttachmentNames(t *testing.T) {
	msg := "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--b1\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment;\r\n filename*0*=utf-8''R%C3%A9sum;\r\n filename*1=\"e.pdf\"\r\n\r\nxx\r\n" +
		"--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n" +
		"--b2\r\nContent-Type: image/png; name=\"=?utf-8?B?0YTQvtGC0L4ucG5n?=\"\r\n\r\n..\r\n--b2--\r\n" +
		"--b1\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"bro\"ken.txt\"; x\r\n\r\nz\r\n" +
		"--b1--\r\n"
	got := summarizeString(msg).Attachments
	want := []string{"Résume.pdf", "фото.png", "bro"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
}

// TestSummarizeStreams feeds 64 MiB of body after a multipart header and
// checks that Summarize consumes it all and still finds the attachment.
func TestSummarizeStreams(t *testing.T) {
	head := "Subject: big\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n" +
		"Content-Disposition: attachment; filename=big.bin\r\n\r\n"
	body := io.LimitReader(repeatReader('x'), 64<<20)
	tail := "\r\n--zz--\r\n"
	cr := &countReader{r: io.MultiReader(strings.NewReader(head), body, strings.NewReader(tail))}
	s := Summarize(cr)
	if s.Subject != "big" || !reflect.DeepEqual(s.Attachments, []string{"big.bin"}) {
		t.Errorf("got %#v", s)
	}
	if want := int64(len(head)+len(tail)) + 64<<20; cr.n != want {
		t.Errorf("read %d bytes, want %d", cr.n, want)
	}
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestDecodeHeader(t *testing.T) {
	for in, want := range map[string]string{
		"=?ISO-8859-1?Q?Andr=E9?= Pirard":            "André Pirard",
		"=?iso-2022-jp?B?GyRCJDMkcyRLJEEkTxsoQg==?=": "こんにちは",
		"  plain  ":   "plain",
		"caf\xc3\xa9": "café",
		"caf\xe9":     "café",
		"a\r\n b":     "a b",
	} {
		if got := DecodeHeader([]byte(in)); got != want {
			t.Errorf("DecodeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkSummarize20KB(b *testing.B) {
	msg := []byte("Subject: =?utf-8?Q?caf=C3=A9?=\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\nMessage-ID: <a@b>\r\n\r\n" +
		strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n", 320))
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		Summarize(bytes.NewReader(msg))
	}
}
