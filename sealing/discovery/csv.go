package discovery

import (
	"encoding/csv"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/archiver/archiver/journal"
)

// CSVHeader is production.csv's first row. The first eight columns are the
// ones issue 2 and 5 require, in that order. from is the From header as
// archived (empty when the message has none); envelope_from is the SMTP
// MAIL FROM of the first receipt (RFC 5321 §4.1.1.2; empty for the null
// reverse-path "<>"), so a message without From still names its sender.
var CSVHeader = []string{
	"production_number", "sha256", "message_id", "date", "from", "to", "subject", "source",
	"envelope_from", "tenant", "seq", "received", "size", "file",
}

// csvRow describes one produced message. Text cells that a spreadsheet
// would run as a formula (first character = + - @ TAB or CR) get a
// leading apostrophe (OWASP "CSV injection"); the sha256 column always
// holds the exact hash, so the check against the file is unaffected.
func csvRow(n int, m journal.Message, source, file string) []string {
	date := ""
	if !m.Summary.Date.IsZero() {
		date = m.Summary.Date.UTC().Format(time.RFC3339)
	}
	return []string{
		strconv.Itoa(n),
		hex.EncodeToString(m.SHA256[:]),
		cell(m.Summary.MessageID),
		date,
		cell(m.Summary.From),
		cell(m.Summary.To),
		cell(m.Summary.Subject),
		cell(source),
		cell(envelopeFrom(m)),
		cell(m.Tenant),
		strconv.FormatUint(m.Seq, 10),
		m.Received.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(m.Size, 10),
		file,
	}
}

// envelopeFrom is the MAIL FROM of m's first receipt ("" when none).
func envelopeFrom(m journal.Message) string {
	if len(m.Receipts) == 0 {
		return ""
	}
	return m.Receipts[0].Envelope.MailFrom
}

func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvWriter writes RFC 4180 CSV with CRLF line ends.
func newCSV(w io.Writer) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return cw
}
