package journal

import (
	"io"

	"github.com/archiver/archiver/journal/mailparse"
)

// realSummarize and realParseReport wrap package mailparse; a journal
// calls them through its hooks (tests substitute them). Neither ever
// fails an ingest.
func realSummarize(r io.Reader) Summary { return Summary(mailparse.Summarize(r)) }

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
