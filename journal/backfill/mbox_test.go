package backfill

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
)

// writeMboxrd is the reference mboxrd writer: a postmark line, the message
// with every ^>*From line escaped by one more '>', and a blank line.
// Messages must be empty or end with "\n".
func writeMboxrd(msgs [][]byte) []byte {
	var b bytes.Buffer
	esc := regexp.MustCompile(`(?m)^(>*From )`)
	for _, m := range msgs {
		b.WriteString("From fuzz@example.org Thu Jan  1 00:00:00 1970\n")
		b.Write(esc.ReplaceAll(m, []byte(">$1")))
		b.WriteString("\n")
	}
	return b.Bytes()
}

func split(t testing.TB, in []byte) ([][]byte, []int64) {
	var msgs [][]byte
	var offs []int64
	err := SplitMbox(bytes.NewReader(in), func(m []byte, off int64) error {
		msgs = append(msgs, bytes.Clone(m))
		offs = append(offs, off)
		return nil
	})
	if err != nil {
		t.Fatalf("SplitMbox: %v", err)
	}
	return msgs, offs
}

func TestSplitMboxRoundTrip(t *testing.T) {
	msgs := [][]byte{
		[]byte("Subject: a\n\nFrom the start\n>From quoted\n>>From twice\n"),
		{},
		[]byte("\n"),
		[]byte("Subject: crlf\r\n\r\nbody\r\n\r\n"),
		[]byte("no header\n\nFrom Russia with love\n"),
	}
	in := writeMboxrd(msgs)
	got, offs := split(t, in)
	if len(got) != len(msgs) {
		t.Fatalf("got %d messages, want %d", len(got), len(msgs))
	}
	for i := range msgs {
		if !bytes.Equal(got[i], msgs[i]) {
			t.Errorf("message %d: got %q want %q", i, got[i], msgs[i])
		}
		if !bytes.HasPrefix(in[offs[i]:], []byte("From fuzz@")) {
			t.Errorf("message %d: offset %d is not at its separator", i, offs[i])
		}
	}
}

func TestSplitMboxContentLength(t *testing.T) {
	body := "line\n\nFrom here it is still body\n"
	good := fmt.Sprintf("From - \nContent-Length: %d\n\n%sFrom - \nSubject: 2\n\nx\n", len(body), body)
	got, _ := split(t, []byte(good))
	if len(got) != 2 || string(got[0]) != fmt.Sprintf("Content-Length: %d\n\n%s", len(body), body) {
		t.Errorf("consistent Content-Length: got %q", got)
	}
	// Inconsistent (points into the middle of a line): ignored.
	bad := "From a@b Thu Jan  1 00:00:00 1970\nContent-Length: 3\n\nabcdef\n\nFrom a@b Thu Jan  1 00:00:00 1970\nx\n"
	got, _ = split(t, []byte(bad))
	if len(got) != 2 || string(got[0]) != "Content-Length: 3\n\nabcdef\n" {
		t.Errorf("inconsistent Content-Length: got %q", got)
	}
}

func TestSplitMboxEdges(t *testing.T) {
	if got, _ := split(t, nil); len(got) != 0 {
		t.Errorf("empty input gave %d messages", len(got))
	}
	got, offs := split(t, []byte("\xEF\xBB\xBFFrom - \nA: b\n"))
	if len(got) != 1 || string(got[0]) != "A: b\n" || offs[0] != 3 {
		t.Errorf("BOM: got %q at %v", got, offs)
	}
	err := SplitMbox(strings.NewReader("Subject: not mbox\n"), func([]byte, int64) error { return nil })
	if !errors.Is(err, ErrNotMbox) {
		t.Errorf("non-mbox: err = %v", err)
	}
	stop := errors.New("stop")
	err = SplitMbox(bytes.NewReader(writeMboxrd([][]byte{[]byte("a\n"), []byte("b\n")})),
		func([]byte, int64) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}

// TestSplitMboxCorpus checks message counts against the counts SOURCES.md
// states for each corpus mbox file (an independent count).
func TestSplitMboxCorpus(t *testing.T) {
	root := filepath.Join(testtool.Corpus(t), "mbox")
	want := map[string]int{
		"mime4j/mbox.rlug": 5, "mimekit/content-length.mbox.txt": 29, "mimekit/issue1189.mbox.txt": 4,
		"mimekit/simple.mbox.txt": 3, "mimekit/unmunged.mbox.txt": 2, "rubymail/mbox.odd": 2,
		"rubymail/mbox.simple": 3,
	}
	total := 0
	for name, n := range want {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := split(t, b)
		total += len(got)
		if len(got) != n {
			t.Errorf("%s: %d messages, want %d", name, len(got), n)
		}
		for i, m := range got {
			if bytes.HasPrefix(m, []byte("From ")) {
				t.Errorf("%s #%d starts with a separator line", name, i+1)
			}
		}
	}
	if total != 48 {
		t.Errorf("total %d messages, want 48 (corpus README)", total)
	}
}

func FuzzSplitMbox(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.mbox")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("seed glob testdata/*.mbox found no files (%v)", err)
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// No panic on arbitrary input.
		_ = SplitMbox(bytes.NewReader(in), func([]byte, int64) error { return nil })
		// No byte lost: messages cut from the input at 0xFF survive a
		// mboxrd write and split exactly.
		var msgs [][]byte
		for _, m := range bytes.Split(in, []byte{0xFF}) {
			if len(m) > 0 && m[len(m)-1] != '\n' {
				m = append(m, '\n')
			}
			msgs = append(msgs, m)
		}
		got, _ := split(t, writeMboxrd(msgs))
		if len(got) != len(msgs) {
			t.Fatalf("got %d messages, want %d", len(got), len(msgs))
		}
		for i := range msgs {
			if !bytes.Equal(got[i], msgs[i]) {
				t.Fatalf("message %d: got %q want %q", i, got[i], msgs[i])
			}
		}
	})
}
