package discovery

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/journal/catalog"
)

// A message without a From header still names its sender in
// production.csv: from stays the (empty) header value, envelope_from is
// the MAIL FROM, placed after the eight required columns.
func TestCSVEnvelopeFromWhenNoFromHeader(t *testing.T) {
	e := newEnv(t)
	e.ingest("To: custodian@acme.example\r\nSubject: headless sender\r\n\r\nno From header here\r\n")
	e.ingest("From: Alice <alice@outside.example>\r\nTo: custodian@acme.example\r\nSubject: with sender\r\n\r\nbody\r\n")
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Export(context.Background(), e.j, e.cat, catalog.Query{}, ExportOptions{Out: out, Signer: e.archive.sec[0]}); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, filepath.Join(out, CSVFile))
	if len(rows) != 3 {
		t.Fatalf("production.csv has %d rows, want header + 2", len(rows))
	}
	if got := rows[0][8]; got != "envelope_from" {
		t.Fatalf("column 9 = %q, want envelope_from right after the required columns", got)
	}
	from, env := col(t, rows[0], "from"), col(t, rows[0], "envelope_from")
	if r := rows[1]; r[from] != "" || r[env] != "sender@outside.example" {
		t.Errorf("no-From message: from %q envelope_from %q; want \"\" and sender@outside.example", r[from], r[env])
	}
	if r := rows[2]; r[from] != "Alice <alice@outside.example>" && r[from] != "alice@outside.example" || r[env] != "sender@outside.example" {
		t.Errorf("message with From: from %q envelope_from %q", r[from], r[env])
	}
	for i, r := range rows {
		if len(r) != len(CSVHeader) {
			t.Errorf("row %d has %d cells, header %d", i, len(r), len(CSVHeader))
		}
	}
}
