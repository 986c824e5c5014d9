package journal

import (
	"io"

	"github.com/archiver/archiver/journal/mailparse"
)

// summarize and parseReport wrap package mailparse. They are variables so
// that tests can substitute them. Neither ever fails an ingest.
var (
	summarize   = func(r io.Reader) Summary { return Summary(mailparse.Summarize(r)) }
	parseReport = realParseReport
)

// realParseReport converts a mailparse.Report; nil when r is not an
// X-MS-Journal-Report with an embedded original.
func realParseReport(r io.Reader) *JournalReport {
	rep, ok := mailparse.ParseJournalReport(r)
	if !ok || rep == nil {
		return nil
	}
	out := &JournalReport{Sender: rep.Sender, OriginalSHA256: rep.OriginalSHA256}
	for _, rc := range rep.Recipients {
		out.Recipients = append(out.Recipients, ReportedRecipient{Address: rc.Address, Kind: rc.Kind, Via: rc.Via})
	}
	return out
}
