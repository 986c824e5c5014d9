package format

import (
	"bytes"
	"strings"
	"testing"
)

// TestIndexLineTrailingData: an INDEX line holding one valid entry and
// more after it (a second object, text, a CR before the LF) is refused:
// FORMAT.md §4.3 allows exactly one JSON object per line, and one index
// must have one reading. ReadIndex took the first object and ignored the
// rest (found by FuzzIndexRoundTrip).
func TestIndexLineTrailingData(t *testing.T) {
	entry := `{"seq":1,"jseq":1,"received":"2026-11-03T10:00:00Z","envelope":{"mail_from":"","rcpt_to":[]},"size":1,"sha256":"00","path":"MSG/0000000/0000000001.PGP"}`
	if ix, err := ReadIndex(strings.NewReader(entry + "\n")); err != nil || len(ix) != 1 {
		t.Fatalf("the plain line: %v, %d entries", err, len(ix))
	}
	for _, tail := range []string{` {"seq":2}`, ` garbage`, "\r", ` `, `}`} {
		ix, err := ReadIndex(strings.NewReader(entry + tail + "\n"))
		if err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q after the object: %d entries, error %v", tail, len(ix), err)
		}
	}
	var n int
	err := ReadIndexFunc(bytes.NewReader([]byte(entry+" x\n")), func(IndexEntry) error { n++; return nil })
	if err == nil || n != 0 {
		t.Errorf("ReadIndexFunc: %d entries, error %v", n, err)
	}
}
