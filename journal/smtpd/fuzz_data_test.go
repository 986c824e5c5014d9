package smtpd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/archiver/archiver/journal"
)

// FuzzDATA compares the bytes stored for a DATA text with refUnstuff
// (RFC 5321 §4.5.2, line by line). The text is the fuzz input, mapped onto
// the alphabet {CR, LF, ".", "a"} when alphabet is true (where the
// unstuffing rules live) or taken as random bytes, followed by
// "\r\n.\r\n" so that it always ends. It checks two paths:
//
//   - copyDotData alone, fed one byte per read through a 16-byte buffer,
//     so every rule meets a buffer boundary;
//   - the whole server over TCP, the text written in pieces of split+1
//     bytes, the stored message taken from the Delivery.
//
// Seeds are in testdata/fuzz/FuzzDATA (TestFuzzDATASeedsPresent).
//
//	go test -run XXX -fuzz FuzzDATA ./journal/smtpd/
func FuzzDATA(f *testing.F) {
	for _, s := range []string{
		"\r\n.\ra\r", "a\r\r\n", ".\r\n", "..", "a\n.\nb", ".\r", "\r\n..\r\n", "a\r\n.\r\r\nb",
	} {
		f.Add([]byte(s), false, uint8(0))
	}
	addr, m := startMem(f, Config{})
	var runs atomic.Int64
	f.Fuzz(func(t *testing.T, in []byte, alphabet bool, split uint8) {
		text := mapText(in, alphabet)
		want, rest, ok := refUnstuff(text)
		if !ok {
			t.Fatalf("reference found no end in %q", text)
		}

		var got bytes.Buffer
		r := bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(text)), 16)
		if _, err := copyDotData(&got, r); err != nil {
			t.Fatalf("copyDotData(%q): %v", text, err)
		}
		left, _ := io.ReadAll(r)
		if !bytes.Equal(got.Bytes(), want) || !bytes.Equal(left, rest) {
			t.Fatalf("copyDotData(%q) = %q, left %q; want %q, left %q", text, got.Bytes(), left, want, rest)
		}

		// A fresh sender names this run's message: the text may go on
		// after its end with commands of its own, and ports are reused.
		from := fmt.Sprintf("fuzz-%d@x.example", runs.Add(1))
		c := hello(t, addr, "EHLO")
		for _, cmd := range []string{"MAIL FROM:<" + from + ">\r\n", "RCPT TO:<b@y.example>\r\n", "DATA\r\n"} {
			if r := c.cmd("%s", cmd); r[0] != '2' && r[0] != '3' {
				t.Fatalf("%q: %s", cmd, r)
			}
		}
		for p := text; len(p) > 0; {
			k := min(int(split)+1, len(p))
			if _, err := c.c.Write(p[:k]); err != nil {
				break // the text held a QUIT after its end; the reply is in
			}
			p = p[k:]
		}
		if r := c.reply(); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("end of data %q: %s", text, r)
		}
		stored := m.where(func(env journal.Envelope) bool { return env.MailFrom == from })
		if len(stored) == 0 || !bytes.Equal(stored[0], want) {
			t.Fatalf("server stored %q for %q; want %q", stored, text, want)
		}
	})
}

// mapText turns a fuzz input into a DATA text ending in CRLF "." CRLF.
func mapText(in []byte, alphabet bool) []byte {
	out := bytes.Clone(in)
	if alphabet {
		for i, b := range out {
			out[i] = "\r\n.a"[b&3]
		}
	}
	return append(out, "\r\n.\r\n"...)
}

// TestFuzzDATASeedsPresent: the checked-in seed corpus is where go test
// finds it; a moved or emptied folder would make the fuzz target run only
// its few f.Add seeds without anyone noticing.
func TestFuzzDATASeedsPresent(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzDATA", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("testdata/fuzz/FuzzDATA holds %d seed files, want at least 5", len(files))
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(b), "go test fuzz v1\n") {
			t.Errorf("%s: not a fuzz seed file (%v)", p, err)
		}
	}
}
