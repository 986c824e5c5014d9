package journal

import (
	"sort"
	"strings"
)

// route chooses the tenants a message belongs to (docs/journal.md,
// "Routing"): every tenant owning the domain of a recipient (the envelope
// RCPT TO, or for a journal report the recipients it lists); if none, the
// tenant owning the sender's domain; if none, DefaultTenant, and unrouted
// is true. Domains match exactly, case-insensitively. The result is sorted.
func (j *Journal) route(env Envelope, rep *JournalReport) (tenants []string, unrouted bool) {
	rcpts, sender := env.RcptTo, env.MailFrom
	if rep != nil {
		rcpts = make([]string, 0, len(rep.Recipients))
		for _, r := range rep.Recipients {
			rcpts = append(rcpts, r.Address)
		}
		sender = rep.Sender
	}
	j.tmu.RLock()
	byDomain := make(map[string]string)
	for _, t := range j.tenants {
		for _, d := range t.Domains {
			byDomain[d] = t.Name
		}
	}
	j.tmu.RUnlock()
	set := map[string]bool{}
	for _, r := range rcpts {
		if t, ok := byDomain[domainOf(r)]; ok {
			set[t] = true
		}
	}
	if len(set) == 0 {
		if t, ok := byDomain[domainOf(sender)]; ok {
			set[t] = true
		}
	}
	if len(set) == 0 {
		return []string{DefaultTenant}, true
	}
	for t := range set {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	return tenants, false
}

// domainOf returns the lower-cased domain of an address ("<a@B.org>" → "b.org").
func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(addr[i+1:], "."))
}
