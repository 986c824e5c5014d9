package catalog

import (
	"regexp"
	"strings"

	"github.com/archiver/archiver/journal"
)

// reAddr finds addr-spec-like tokens (RFC 5322 §3.4.1) in decoded header
// text such as `"Doe, Jane" <jane@example.com>, bob@example.org`. It is
// deliberately lax: display names, comments and group syntax are ignored.
var reAddr = regexp.MustCompile(`[^\s<>"',;:()\[\]]+@[^\s<>"',;:()\[\]]+`)

// addresses returns the lower-cased addresses found in header text.
func addresses(s string) []string {
	var out []string
	for _, a := range reAddr.FindAllString(s, -1) {
		if a = normAddr(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// normAddr lower-cases an address and strips angle brackets and trailing
// dots; "" when it has no "@".
func normAddr(a string) string {
	a = strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>."))
	if !strings.Contains(a, "@") {
		return ""
	}
	return a
}

// domainOf returns the part after the last "@".
func domainOf(a string) string {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		return a[i+1:]
	}
	return ""
}

// senders are the header From addresses, every receipt's MAIL FROM and
// every journal report's sender.
func senders(m journal.Message) []string {
	set := newSet()
	set.add(addresses(m.Summary.From)...)
	for _, r := range m.Receipts {
		set.add(normAddr(r.Envelope.MailFrom))
		if r.Report != nil {
			set.add(normAddr(r.Report.Sender))
		}
	}
	return set.list()
}

// recipients are the To and Cc header addresses, every RCPT TO and every
// recipient a journal report lists (To, Cc, Bcc, Recipient, Expanded,
// Forwarded, and the list each came through).
func recipients(m journal.Message) []string {
	set := newSet()
	set.add(addresses(m.Summary.To)...)
	set.add(addresses(m.Summary.Cc)...)
	for _, r := range m.Receipts {
		for _, a := range r.Envelope.RcptTo {
			set.add(normAddr(a))
		}
		if r.Report != nil {
			for _, rr := range r.Report.Recipients {
				set.add(normAddr(rr.Address), normAddr(rr.Via))
			}
		}
	}
	return set.list()
}

func domains(addrs []string) []string {
	set := newSet()
	for _, a := range addrs {
		set.add(domainOf(a))
	}
	return set.list()
}

type strset struct {
	seen map[string]bool
	out  []string
}

func newSet() *strset { return &strset{seen: map[string]bool{}} }

func (s *strset) add(vs ...string) {
	for _, v := range vs {
		if v != "" && !s.seen[v] {
			s.seen[v] = true
			s.out = append(s.out, v)
		}
	}
}

func (s *strset) list() []string { return s.out }
