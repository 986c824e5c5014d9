package backfill

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/mailparse"
)

// maxEnvelopeHeader is how much of a message's start (bytes) is read to
// reconstruct its envelope.
const maxEnvelopeHeader = 1 << 20

var addrRE = regexp.MustCompile(`[^\s<>,;:"()\[\]\\]+@[^\s<>,;:"()\[\]\\]+`)

// envelopeOf reconstructs a backfill envelope from the start of a message:
// MAIL FROM from Return-Path (RFC 5322 §3.6.7; "<>" is the null sender),
// else From; RCPT TO from Delivered-To and X-Original-To, else To and Cc.
func envelopeOf(head []byte, source string) journal.Envelope {
	h := headerFields(head)
	env := journal.Envelope{Protocol: "ingest", Source: source}
	if rp, ok := h["return-path"]; ok {
		if a := addresses(rp); len(a) > 0 {
			env.MailFrom = a[0]
		}
	} else if a := addresses(h["from"]); len(a) > 0 {
		env.MailFrom = a[0]
	}
	rcpts := addresses(h["delivered-to"] + "," + h["x-original-to"])
	if len(rcpts) == 0 {
		rcpts = addresses(h["to"] + "," + h["cc"])
	}
	env.RcptTo = rcpts
	return env
}

// addresses returns the distinct addr-specs in a decoded header value.
func addresses(v string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range addrRE.FindAllString(v, -1) {
		a = strings.Trim(a, ".")
		if k := strings.ToLower(a); !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out
}

// headerFields reads the header block at the start of head into a map of
// lower-cased names to decoded values; repeated fields are joined by ",".
func headerFields(head []byte) map[string]string {
	h := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Buffer(make([]byte, 0, 64<<10), maxEnvelopeHeader)
	var name string
	var value []byte
	flush := func() {
		if name != "" {
			v := mailparse.DecodeHeader(value)
			if old, ok := h[name]; ok {
				v = old + "," + v
			}
			h[name] = v
		}
		name, value = "", nil
	}
	first := true
	for sc.Scan() {
		l := sc.Bytes()
		if first && bytes.HasPrefix(l, []byte("From ")) {
			first = false
			continue
		}
		first = false
		if len(bytes.TrimRight(l, "\r")) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			value = append(append(value, ' '), l...)
			continue
		}
		flush()
		n, v, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			break
		}
		name, value = strings.ToLower(strings.TrimSpace(string(n))), append([]byte(nil), v...)
	}
	flush()
	return h
}
