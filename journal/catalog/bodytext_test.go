package catalog

import (
	"strings"
	"testing"
)

func TestBodyText(t *testing.T) {
	cases := []struct {
		name, raw string
		want      []string // substrings that must appear
		not       []string // substrings that must not appear
	}{
		{"plain", "Subject: x\r\n\r\nHello plain world\r\n", []string{"Hello plain world"}, nil},
		{"quoted-printable latin1",
			"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nR=E9union =E0 Z=FCrich soft=\r\nbreak\r\n",
			[]string{"Réunion à Zürich softbreak"}, nil},
		{"base64 utf8",
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nw4dhIHZhIGJpZW4=\r\n",
			[]string{"Ça va bien"}, nil},
		{"html",
			"Content-Type: text/html\r\n\r\n<html><head><title>T</title><style>p{x:1}</style></head><body><p>Caf&eacute; &amp; <b>tea</b></p><script>var secret=1</script><!-- hidden --></body></html>",
			[]string{"Café & tea"}, []string{"secret", "hidden", "<b>", "x:1"}},
		{"multipart skips binary attachment",
			"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nc2VjcmV0Ymlu\r\n--B--\r\n",
			[]string{"first part"}, []string{"secretbin"}},
		{"journal report original",
			"Content-Type: multipart/mixed; boundary=J\r\n\r\n--J\r\nContent-Type: text/plain\r\n\r\nSender: a@x\r\n--J\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner subject\r\nFrom: inner@x.example\r\n\r\ninner body words\r\n--J--\r\n",
			[]string{"inner subject", "inner@x.example", "inner body words"}, nil},
		{"no header block", "just some text without headers at all", []string{"just some text"}, nil},
		{"unknown charset", "Content-Type: text/plain; charset=x-unknown-zz\r\n\r\nstill readable\r\n", []string{"still readable"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := BodyText(strings.NewReader(c.raw), 0)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("BodyText = %q, missing %q", got, w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(got, n) {
					t.Errorf("BodyText = %q, must not contain %q", got, n)
				}
			}
		})
	}
}

func TestBodyTextLimit(t *testing.T) {
	raw := "Subject: big\r\n\r\n" + strings.Repeat("abcdefgh ", 100000)
	got := BodyText(strings.NewReader(raw), 1000)
	if len(got) != 1000 {
		t.Fatalf("len = %d, want 1000", len(got))
	}
	if !strings.HasPrefix(got, "abcdefgh abcdefgh") {
		t.Fatalf("prefix = %q", got[:20])
	}
}

func TestExtractAttachmentNames(t *testing.T) {
	raw := "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
		"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf\r\n\r\n%PDF\r\n" +
		"--B\r\nContent-Type: application/zip; name=\"=?UTF-8?B?w6lsw6h2ZS56aXA=?=\"\r\n\r\nPK\r\n--B--\r\n"
	text, names := extract(strings.NewReader(raw), 0)
	if want := []string{"Résumé.pdf", "élève.zip"}; strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("names = %q, want %q", names, want)
	}
	if strings.Contains(text, "%PDF") || strings.Contains(text, "PK") {
		t.Errorf("binary attachment content in text: %q", text)
	}
}
