package journal

import (
	"bufio"
	"io"
	"net/mail"
	"strings"
)

// summarize and parseReport are the header-summary and journal-report
// parsers. They are variables so tests can substitute them; they never fail
// an ingest. Stand-in until package journal/mailparse lands.
var (
	summarize   = standInSummarize
	parseReport = func(r io.Reader) *JournalReport { return nil }
)

// standInSummarize reads at most 1 MiB of header with net/mail.
func standInSummarize(r io.Reader) Summary {
	m, err := mail.ReadMessage(bufio.NewReader(io.LimitReader(r, 1<<20)))
	if err != nil {
		return Summary{}
	}
	h := m.Header
	s := Summary{DateRaw: h.Get("Date"), From: h.Get("From"), To: h.Get("To"), Cc: h.Get("Cc"),
		Subject: h.Get("Subject"), MessageID: strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")}
	if d, err := h.Date(); err == nil {
		s.Date = d.UTC()
	}
	return s
}
