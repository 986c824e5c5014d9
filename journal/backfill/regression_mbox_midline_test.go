package backfill

import (
	"bytes"
	"testing"
)

// TestSplitMboxContentLengthMidLine: a Content-Length that ends the body
// in the middle of a line, just before "From ", is not honoured: that
// "From " is not a separator line, and taking it for one dropped its
// octets from every message (found by FuzzSplitMboxOffsets). The whole
// rest is the one message, byte for byte.
func TestSplitMboxContentLengthMidLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"From -\nContent-Length: 3\n\n000From 0\n", "Content-Length: 3\n\n000From 0\n"},
		{"From -\nContent-Length:3\n\n000From 0", "Content-Length:3\n\n000From 0"},
		{"From -\nContent-Length: 3\n\n000From - x\nbody\n", "Content-Length: 3\n\n000From - x\nbody\n"},
	} {
		msgs, offs := split(t, []byte(tc.in))
		if len(msgs) != 1 || !bytes.Equal(msgs[0], []byte(tc.want)) || offs[0] != 0 {
			t.Errorf("%q: got %q at %v, want one message %q", tc.in, msgs, offs, tc.want)
		}
	}
	// at a line start the Content-Length is still honoured
	msgs, _ := split(t, []byte("From -\nContent-Length: 4\n\n000\nFrom x\nbody\n"))
	if len(msgs) != 2 || string(msgs[0]) != "Content-Length: 4\n\n000\n" || string(msgs[1]) != "body\n" {
		t.Errorf("consistent Content-Length: %q", msgs)
	}
}
