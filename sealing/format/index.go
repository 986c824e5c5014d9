package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Envelope is the SMTP envelope of an index entry (RFC 5321 §2.3.1): the
// first receipt's reverse-path, every forward-path over all receipts, and
// the recipients an Exchange journal report listed (Bcc included).
type Envelope struct {
	MailFrom string   `json:"mail_from"`
	RcptTo   []string `json:"rcpt_to"`
	Reported []string `json:"reported,omitempty"`
}

// IndexEntry is one line of INDEX.PGP (JSON Lines, one object per message,
// in tenant sequence order).
type IndexEntry struct {
	Seq       uint64    `json:"seq"`      // tenant sequence
	JSeq      uint64    `json:"jseq"`     // journal-wide sequence
	Received  time.Time `json:"received"` // UTC, RFC 3339
	Envelope  Envelope  `json:"envelope"`
	Date      string    `json:"date,omitempty"` // Date header, UTC RFC 3339; "" when missing or unparseable
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	Cc        string    `json:"cc,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
	Size      int64     `json:"size"`   // plaintext bytes
	SHA256    string    `json:"sha256"` // hex SHA-256 of the plaintext (the raw journaled bytes)
	Path      string    `json:"path"`   // e.g. MSG/0000000/0000000042.PGP
}

// WriteIndex writes entries as JSON Lines.
func WriteIndex(w io.Writer, entries []IndexEntry) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range entries {
		if err := enc.Encode(&entries[i]); err != nil {
			return err
		}
	}
	return nil
}

// ReadIndex parses JSON Lines index data strictly (unknown fields are errors)
// and checks that sequences strictly increase and paths are MessagePath(seq).
func ReadIndex(r io.Reader) ([]IndexEntry, error) {
	var out []IndexEntry
	err := ReadIndexFunc(r, func(e IndexEntry) error { out = append(out, e); return nil })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadIndexFunc is ReadIndex calling fn per entry instead of keeping them
// all (a volume's index grows with its messages); an error from fn stops it.
func ReadIndexFunc(r io.Reader, fn func(IndexEntry) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	sc.Split(scanLF)
	var last uint64
	for n := 1; sc.Scan(); n++ {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var e IndexEntry
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("format: index line %d: %w", n, err)
		}
		if dec.InputOffset() != int64(len(sc.Bytes())) { // FORMAT.md §4.3: one object per line
			return fmt.Errorf("format: index line %d: data after the JSON object", n)
		}
		if n > 1 && e.Seq <= last {
			return fmt.Errorf("format: index line %d: seq %d not increasing", n, e.Seq)
		}
		if e.Path != MessagePath(e.Seq) {
			return fmt.Errorf("format: index line %d: path %q for seq %d", n, e.Path, e.Seq)
		}
		last = e.Seq
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("format: index: %w", err)
	}
	return nil
}

// scanLF splits lines at LF only (FORMAT.md §4.3), keeping a CR before it
// as part of the line, where it is data after the object; bufio.ScanLines
// would drop it.
func scanLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
