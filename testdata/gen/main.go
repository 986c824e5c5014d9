// Command gen writes the sample mail in testdata/: realistic messages for two
// tenants (acme.example, globex.example), written for this project. It is
// deterministic: running it again gives the same bytes.
//
//	go run ./testdata/gen        # from the repository root
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// entry mirrors samples.Sample (testdata/samples.go).
type entry struct {
	File     string   `json:"file"`
	Tenant   string   `json:"tenant"`
	MailFrom string   `json:"mail_from"`
	RcptTo   []string `json:"rcpt_to"`
	Note     string   `json:"note"`
}

var (
	index []entry
	base  = time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
)

func main() {
	dir := "testdata"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	must(os.MkdirAll(filepath.Join(dir, "mail"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "mbox"), 0o755))
	n := 0
	for _, m := range messages() {
		n++
		name := fmt.Sprintf("mail/%02d-%s.eml", n, m.slug)
		must(os.WriteFile(filepath.Join(dir, name), m.raw, 0o644))
		index = append(index, entry{File: name, Tenant: m.tenant, MailFrom: m.from, RcptTo: m.rcpt, Note: m.note})
	}
	must(os.WriteFile(filepath.Join(dir, "mbox/globex-archive.mbox"), mbox(), 0o644))
	b, err := json.MarshalIndent(index, "", "  ")
	must(err)
	must(os.WriteFile(filepath.Join(dir, "index.json"), append(b, '\n'), 0o644))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

type msg struct {
	slug, tenant, from, note string
	rcpt                     []string
	raw                      []byte
}

// crlf converts LF line ends to CRLF, as an MTA transports them.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

func date(i int) string {
	return base.Add(time.Duration(i) * 97 * time.Minute).Format(time.RFC1123Z)
}

func headers(i int, from, to, subject, mid string) string {
	h := fmt.Sprintf("Received: from mx1.example.net (mx1.example.net [192.0.2.%d])\n\tby mail.example.net (Postfix) with ESMTPS id 4X%04dQ\n\tfor <%s>; %s\n",
		10+i, 1000+i, firstAddr(to), date(i))
	h += "Date: " + date(i) + "\nFrom: " + from + "\nTo: " + to + "\nSubject: " + subject + "\n"
	if mid != "" {
		h += "Message-ID: <" + mid + ">\n"
	}
	return h + "MIME-Version: 1.0\n"
}

func firstAddr(s string) string {
	if i := strings.Index(s, "<"); i >= 0 {
		return strings.TrimSuffix(s[i+1:], ">")
	}
	return strings.Split(s, ",")[0]
}

func b64(b []byte) string {
	e := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(e) > 76 {
		out.WriteString(e[:76] + "\n")
		e = e[76:]
	}
	return out.String() + e + "\n"
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// png is a valid 1x1 transparent PNG.
var png, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

type person struct{ name, addr string }

func (p person) String() string { return p.name + " <" + p.addr + ">" }

var acme = []person{{"Alice Archer", "alice@acme.example"}, {"Bob Baker", "bob@acme.example"}, {"Carol Chen", "carol@acme.example"}, {"Dan Duarte", "dan@acme.example"}}
var globex = []person{{"Hank Scorpio", "hank@globex.example"}, {"Frank Grimes", "frank@globex.example"}, {"Mindy Simmons", "mindy@globex.example"}}
var outside = person{"Peter Partner", "peter@partner.example"}

func messages() []msg {
	var ms []msg
	topics := []string{"Project Falcon budget", "Q4 forecast", "Vendor contract renewal", "Board meeting minutes", "Security review", "Offsite planning"}
	bodies := []string{
		"Please find the latest numbers below. We are still within budget,\nbut the Falcon integration work will need another two sprints.\n",
		"Reminder: the forecast is due Friday. Send corrections by Thursday noon.\n",
		"Legal has reviewed the renewal. Clause 7 (liability) still needs a cap.\n",
		"Minutes attached. Action items are listed at the end of the document.\n",
		"The penetration test found two medium issues; both are fixed in staging.\n",
		"We booked the lodge for the 14th. Vegetarian options are confirmed.\n",
	}
	// Plain text, QP and attachments for each tenant.
	for t, people := range [][]person{acme, globex} {
		tenant := []string{"acme", "globex"}[t]
		for i := 0; i < 10; i++ {
			k := t*10 + i
			from, to := people[i%len(people)], people[(i+1)%len(people)]
			subj := topics[i%len(topics)]
			mid := fmt.Sprintf("%d.%04d@mail.%s.example", 20261001+i, k, tenant)
			h := headers(k, from.String(), to.String(), subj, mid)
			var raw string
			slug := tenant + "-plain"
			switch i % 5 {
			case 0, 3:
				raw = h + "Content-Type: text/plain; charset=us-ascii\n\nHi " + strings.Fields(to.name)[0] + ",\n\n" + bodies[i%len(bodies)] + "\nRegards,\n" + from.name + "\n"
			case 1:
				slug = tenant + "-qp"
				raw = h + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
					qp("Grüße aus der Zentrale — the café order for the Falcon kickoff is confirmed.\nTotal: 1 234,50 € incl. déjà-vu surcharge.\n")
			case 2:
				slug = tenant + "-pdf"
				raw = h + "Content-Type: multipart/mixed; boundary=\"=_mix_" + mid + "\"\n\nThis is a multi-part message in MIME format.\n\n--=_mix_" + mid +
					"\nContent-Type: text/plain; charset=utf-8\n\n" + bodies[i%len(bodies)] + "\n--=_mix_" + mid +
					"\nContent-Type: application/pdf; name=\"report-" + tenant + ".pdf\"\nContent-Disposition: attachment; filename=\"report-" + tenant + ".pdf\"\nContent-Transfer-Encoding: base64\n\n" +
					b64(pdf) + "--=_mix_" + mid + "--\n"
			case 4:
				slug = tenant + "-html"
				raw = h + "Content-Type: multipart/alternative; boundary=\"alt-" + fmt.Sprint(k) + "\"\n\n--alt-" + fmt.Sprint(k) +
					"\nContent-Type: text/plain; charset=utf-8\n\n" + bodies[i%len(bodies)] + "\n--alt-" + fmt.Sprint(k) +
					"\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
					qp("<html><body><p>"+strings.TrimSpace(bodies[i%len(bodies)])+"</p><p><b>Quarterly</b> synergy &amp; alignment.</p></body></html>\n") +
					"--alt-" + fmt.Sprint(k) + "--\n"
			}
			ms = append(ms, msg{slug: slug, tenant: tenant, from: from.addr, rcpt: []string{to.addr}, raw: crlf(raw), note: "ordinary message (" + strings.TrimPrefix(slug, tenant+"-") + ")"})
		}
	}
	return append(ms, specials()...)
}

func specials() []msg {
	var ms []msg
	add := func(slug, tenant, from string, rcpt []string, raw []byte, note string) {
		ms = append(ms, msg{slug, tenant, from, note, rcpt, raw})
	}
	h := headers(30, acme[0].String(), outside.String()+", "+acme[2].String(), "=?UTF-8?Q?Caf=C3=A9_Z=C3=BCrich_=E2=80=93_Falcon_kickoff?=", "q-word.30@mail.acme.example")
	add("acme-rfc2047-q", "acme", acme[0].addr, []string{outside.addr, acme[2].addr}, crlf(h+"Content-Type: text/plain; charset=utf-8\n\nSee you at the café.\n"), "RFC 2047 Q-encoded UTF-8 subject")
	h = headers(31, "=?UTF-8?B?Sm9zw6kgw4FsdmFyZXo=?= <jose@globex.example>", globex[1].String(), "=?UTF-8?B?5pyI5qyh5aCx5ZGKIChtb250aGx5IHJlcG9ydCk=?=", "b-word.31@mail.globex.example")
	add("globex-rfc2047-b", "globex", "jose@globex.example", []string{globex[1].addr}, crlf(h+"Content-Type: text/plain; charset=utf-8\n\n月次報告を添付します。\n"), "RFC 2047 B-encoded UTF-8 From name and Japanese subject")
	h = headers(32, "Zoë Åkesson <zoe@acme.example>", acme[1].String(), "Résumé für Ångström — raw UTF-8", "raw-utf8.32@mail.acme.example")
	add("acme-raw-utf8", "acme", "zoe@acme.example", []string{acme[1].addr}, crlf(h+"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nRaw 8-bit UTF-8 in headers and body: naïve coöperation.\n"), "raw 8-bit UTF-8 header bytes (RFC 6532 style)")
	h = headers(33, globex[2].String(), globex[0].String(), "Quote of the day: \x93synergy\x94 costs \x80 5", "cp1252.33@mail.globex.example")
	add("globex-cp1252", "globex", globex[2].addr, []string{globex[0].addr}, crlf(h+"Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: 8bit\n\nSmart quotes \x93like these\x94 and a euro sign \x80.\n"), "raw Windows-1252 bytes in Subject (0x93, 0x94, 0x80)")
	h = headers(34, acme[3].String(), acme[0].String(), "Logo for the Falcon deck", "png.34@mail.acme.example")
	add("acme-png", "acme", acme[3].addr, []string{acme[0].addr}, crlf(h+"Content-Type: multipart/mixed; boundary=\"b34\"\n\n--b34\nContent-Type: text/plain\n\nLogo attached.\n--b34\nContent-Type: image/png\nContent-Disposition: attachment; filename*=UTF-8''falcon-log%C3%B6.png\nContent-Transfer-Encoding: base64\n\n"+b64(png)+"--b34--\n"), "PNG attachment with an RFC 2231 UTF-8 file name")
	h = headers(35, globex[0].String(), globex[2].String(), "No Message-ID on this one", "")
	add("globex-no-message-id", "globex", globex[0].addr, []string{globex[2].addr}, crlf(h+"Content-Type: text/plain\n\nThis message has no Message-ID header.\n"), "no Message-ID header")
	// Malformed: broken MIME (boundary never closed), a bare LF, a NUL byte and a header line without a colon.
	mal := "Date: not a date\r\nFrom: broken@acme.example\r\nTo: bob@acme.example\r\nSubject: malformed sample\r\nThis header line has no colon\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\nbare LF here:\nand a NUL byte: \x00 end\r\n"
	add("acme-malformed", "acme", "broken@acme.example", []string{acme[1].addr}, []byte(mal), "malformed: invalid Date, header line without colon, unclosed MIME boundary, bare LF, NUL byte")
	add("acme-journal-report", "acme", "journaling@acme.example", []string{"journal@acme.example"}, journalReport(), "Exchange envelope journal report; its Bcc ombudsman@acme.example appears nowhere else")
	return ms
}

func journalReport() []byte {
	orig := crlf(headers(36, acme[1].String(), outside.String(), "Falcon pricing (confidential)", "orig.36@mail.acme.example") +
		"Content-Type: text/plain; charset=utf-8\n\nPeter, our floor price for Falcon is 1.2M. Please keep this between us.\nBob\n")
	env := "Sender: bob@acme.example\nSubject: Falcon pricing (confidential)\nMessage-Id: <orig.36@mail.acme.example>\nTo: peter@partner.example\nCc: carol@acme.example\nBcc: ombudsman@acme.example\nTo: sales-team@acme.example, Expanded: dan@acme.example\nTo: carol@acme.example, Forwarded: alice@acme.example\n"
	h := "Date: " + date(36) + "\nFrom: Microsoft Exchange Journaling <journaling@acme.example>\nTo: journal@acme.example\nSubject: Falcon pricing (confidential)\nMessage-ID: <jr.36.a1b2c3@exch.acme.example>\nX-MS-Journal-Report:\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"jr-boundary\"\n\n"
	body := "--jr-boundary\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n" + env + "\n--jr-boundary\nContent-Type: message/rfc822\n\n"
	out := crlf(h + body)
	out = append(out, orig...)
	return append(out, crlf("\n--jr-boundary--\n")...)
}

// mbox returns an mboxrd file (LF line ends, as mbox files on disk have):
// one body line starts with "From " (escaped as ">From ") and one with
// ">From " (escaped as ">>From ").
func mbox() []byte {
	var b strings.Builder
	for i := 0; i < 4; i++ {
		p, q := globex[i%3], globex[(i+1)%3]
		fmt.Fprintf(&b, "From %s %s\n", p.addr, base.Add(time.Duration(40+i)*time.Hour).Format("Mon Jan _2 15:04:05 2006"))
		b.WriteString(strings.ReplaceAll(headers(40+i, p.String(), q.String(), fmt.Sprintf("Archived thread part %d", i+1), fmt.Sprintf("mbox.%d@mail.globex.example", 40+i)), "\r\n", "\n"))
		b.WriteString("Content-Type: text/plain\n\n")
		switch i {
		case 1:
			b.WriteString("As quoted in the contract:\n>From the effective date, fees apply monthly.\n")
		case 2:
			b.WriteString("A line that was already quoted:\n>>From here on, mboxrd adds one more '>'.\n")
		default:
			b.WriteString("Old mail imported from the previous system.\n")
		}
		b.WriteString("\n")
	}
	index = append(index, entry{File: "mbox/globex-archive.mbox", Tenant: "globex", Note: "mboxrd, 4 messages; body lines \">From \" (unescapes to \"From \") and \">>From \" (unescapes to \">From \")"})
	return []byte(b.String())
}
