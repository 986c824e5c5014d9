package sealing

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// The index work file gives back exactly the bytes written, across more
// than one buffer's worth, and Len counts them.
func TestIndexSpoolRoundTrip(t *testing.T) {
	x, err := newIndexSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var want bytes.Buffer
	for i := range 5000 {
		line := []byte(fmt.Sprintf(`{"seq":%d,"path":"MSG/%08d.EML.PGP"}`+"\n", i, i))
		want.Write(line)
		if _, err := x.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if x.Len() != int64(want.Len()) {
		t.Fatalf("Len = %d, want %d", x.Len(), want.Len())
	}
	r, err := x.Reader()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("read back %d bytes, differ from the %d written", len(got), want.Len())
	}
}
