package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/archiver/archiver/journal"
)

// docID is "tenant/seq"; tenant names cannot hold "/".
func docID(tenant string, seq uint64) string { return fmt.Sprintf("%s/%d", tenant, seq) }

// parseDocID is docID's inverse.
func parseDocID(id string) (tenant string, seq uint64, err error) {
	i := strings.LastIndexByte(id, '/')
	if i < 0 {
		return "", 0, fmt.Errorf("catalog: bad document id %q", id)
	}
	if _, err := fmt.Sscan(id[i+1:], &seq); err != nil {
		return "", 0, fmt.Errorf("catalog: bad document id %q: %w", id, err)
	}
	return id[:i], seq, nil
}

// Dates outside this range cannot be indexed (bleve stores Unix
// nanoseconds) and are certainly wrong; such a Date falls back to received.
var (
	minDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// searchDate is the Date header in UTC, or the received time when the
// Date is missing or out of range.
func searchDate(m journal.Message) time.Time {
	d := m.Summary.Date
	if d.IsZero() || d.Before(minDate) || !d.Before(maxDate) {
		return m.Received.UTC()
	}
	return d.UTC()
}

// document is the bleve document for m with extracted body text and the
// attachment names found in the body (added to Summary.Attachments).
func document(m journal.Message, body string, names []string) map[string]interface{} {
	from, to := senders(m), recipients(m)
	an := newSet()
	an.add(m.Summary.Attachments...)
	an.add(names...)
	attach := strings.Join(an.list(), "\n")
	text := m.Summary.Subject + "\n" + attach + "\n" + body
	doc := map[string]interface{}{
		fTenant:   m.Tenant,
		fFrom:     from,
		fTo:       to,
		fFromDom:  domains(from),
		fToDom:    domains(to),
		fSubject:  m.Summary.Subject,
		fText:     text,
		fAttach:   attach,
		fDate:     searchDate(m),
		fReceived: m.Received.UTC(),
	}
	if id := strings.ToLower(strings.Trim(strings.TrimSpace(m.Summary.MessageID), "<>")); id != "" {
		doc[fMsgID] = id
	}
	return doc
}
