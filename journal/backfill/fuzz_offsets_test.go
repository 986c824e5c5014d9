package backfill

import (
	"bytes"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
)

// FuzzSplitMboxOffsets: on any input SplitMbox reports each message with
// the offset of its own "From " separator line: offsets strictly increase,
// each one starts a "From " line of the input (at 0, after the optional
// byte order mark, or after an LF), and the messages together are no
// longer than the input (unescaping only removes octets).
func FuzzSplitMboxOffsets(f *testing.F) {
	f.Add([]byte("From a@b Thu Jan  1 00:00:00 1970\nSubject: x\n\n>From y\n\nFrom c@d Thu Jan  1 00:00:00 1970\n\n"))
	f.Add([]byte("\xEF\xBB\xBFFrom -\nContent-Length: 3\n\nabc\nFrom -\n"))
	f.Add([]byte("From \n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		last, total := int64(-1), 0
		SplitMbox(bytes.NewReader(in), func(m []byte, off int64) error {
			if off <= last || off >= int64(len(in)) {
				t.Fatalf("offset %d after %d, input of %d", off, last, len(in))
			}
			if !bytes.HasPrefix(in[off:], []byte("From ")) {
				t.Fatalf("offset %d is not a From line: %q", off, in[off:min(len(in), int(off)+10)])
			}
			if off > 0 && in[off-1] != '\n' && !(off == 3 && bytes.HasPrefix(in, bom)) {
				t.Fatalf("offset %d is not at a line start", off)
			}
			last, total = off, total+len(m)
			return nil
		})
		if total > len(in) {
			t.Fatalf("%d octets of messages from %d of input", total, len(in))
		}
	})
}

// TestFuzzSeeds: every fuzz target here has a checked-in seed corpus.
func TestFuzzSeeds(t *testing.T) { testtool.FuzzSeeds(t) }
