package mailparse

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"strings"
)

// Recipient is one envelope recipient listed in a journal report. Its
// fields match journal.ReportedRecipient.
type Recipient struct {
	Address string // SMTP address of the journaled recipient
	Kind    string // "To", "Cc", "Bcc", "Recipient", "Expanded" or "Forwarded"
	Via     string // Expanded/Forwarded: the list or address redirected to Address
}

// Report is what an Exchange envelope journal report says about the
// original message it carries. Its fields match journal.JournalReport.
type Report struct {
	Sender         string      // envelope sender ("Sender:" line)
	Recipients     []Recipient // in report order, duplicates kept
	OriginalSHA256 [32]byte    // SHA-256 of the embedded original's bytes after transfer decoding
}

// ParseJournalReport reads an Exchange envelope journal report from r to
// EOF. ok is false, and the report nil, unless the message has an
// X-MS-Journal-Report header, a multipart body, and a message/rfc822 part
// holding the original. The report body is the first text part, one field
// per line (Microsoft "Journal Report Format in Exchange 2007" ABNF):
//
//	Sender: <smtp-address>
//	Subject: ...
//	Message-ID: ...
//	("To" | "Cc" | "Bcc" | "Recipient") ": " <address> [", " ("Expanded" | "Forwarded") ": " <source-address>]
//
// A recipient line with a redirection gets Kind "Expanded" or "Forwarded"
// and Via = the source address (the list, or the address forwarded from).
// OriginalSHA256 hashes the original part's content exactly as it sits
// between the MIME boundaries (RFC 2046 §5.1.1: the CRLF before a boundary
// belongs to the boundary), after base64 or quoted-printable decoding when
// the part declares one. It never panics.
func ParseJournalReport(r io.Reader) (*Report, bool) { return parseJournalReport(r, nil) }

// parseJournalReport is ParseJournalReport calling onPanic (when not nil)
// with every panic it recovers from.
func parseJournalReport(r io.Reader, onPanic func(any)) (rep *Report, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if onPanic != nil {
				onPanic(p)
			}
			rep, ok = nil, false
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	br := getReader(r)
	defer putReader(br) // runs before the drain above; rep holds only copies
	h := readHeader(br, MaxHeaderBytes)
	if _, has := h.get("x-ms-journal-report"); !has {
		return nil, false
	}
	ct, _ := h.get("content-type")
	mt, params := mediaType(string(unfold(ct)))
	if !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return nil, false
	}
	rep = &Report{}
	found, listed := false, false
	mr := multipart.NewReader(br, params["boundary"])
	for !found {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		pmt, _ := mediaType(p.Header.Get("Content-Type"))
		body := transferDecode(p, p.Header.Get("Content-Transfer-Encoding"))
		switch {
		case pmt == "message/rfc822":
			hash := sha256.New()
			if _, err := io.Copy(hash, body); err != nil {
				return nil, false
			}
			copy(rep.OriginalSHA256[:], hash.Sum(nil))
			found = true
		case !listed && (pmt == "" || strings.HasPrefix(pmt, "text/")):
			parseReportBody(body, rep)
			listed = true
		}
	}
	if !found {
		return nil, false
	}
	return rep, true
}

// transferDecode undoes base64 or quoted-printable (RFC 2045 §6); 7bit,
// 8bit, binary and unknown encodings pass through unchanged.
func transferDecode(r io.Reader, cte string) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, newlineStripper{r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// newlineStripper drops CR and LF so base64 lines decode as one stream.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// parseReportBody reads the report lines into rep.
func parseReportBody(r io.Reader, rep *Report) {
	br := bufio.NewReaderSize(r, 16<<10)
	for {
		budget := 64 << 10
		line, eof := readLine(br, &budget)
		parseReportLine(DecodeHeader(line), rep)
		if eof {
			return
		}
	}
}

var recipientKinds = map[string]string{
	"to": "To", "cc": "Cc", "bcc": "Bcc", "recipient": "Recipient",
}

// parseReportLine handles one "Key: value" line of a report body.
func parseReportLine(line string, rep *Report) {
	key, value, ok := strings.Cut(line, ":")
	if !ok {
		return
	}
	key = strings.ToLower(strings.TrimSpace(key))
	if key == "sender" {
		if rep.Sender == "" {
			rep.Sender = address(value)
		}
		return
	}
	kind, isRcpt := recipientKinds[key]
	if !isRcpt {
		return
	}
	addr, redirect, _ := strings.Cut(value, ",")
	rc := Recipient{Address: address(addr), Kind: kind}
	if rk, src, ok := strings.Cut(redirect, ":"); ok {
		switch strings.ToLower(strings.TrimSpace(rk)) {
		case "expanded":
			rc.Kind, rc.Via = "Expanded", address(src)
		case "forwarded":
			rc.Kind, rc.Via = "Forwarded", address(src)
		}
	}
	if rc.Address != "" {
		rep.Recipients = append(rep.Recipients, rc)
	}
}

// address trims white space and one pair of angle brackets.
func address(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	return strings.TrimSpace(s)
}
