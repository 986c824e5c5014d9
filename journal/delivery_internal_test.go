package journal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDeliveryBuffers: up to 64 KiB a delivery lives in memory, beyond it
// in one spool file; after Commit or Abort it holds neither.
func TestDeliveryBuffers(t *testing.T) {
	j, err := Open(t.TempDir(), Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	spooled := func() int {
		ents, _ := os.ReadDir(filepath.Join(j.Dir(), "spool"))
		return len(ents)
	}
	ctx := context.Background()
	for _, size := range []int{memSpool, memSpool + 1, 3 << 20} {
		for _, commit := range []bool{true, false} {
			d, err := j.Begin(ctx, Envelope{MailFrom: "a@x", RcptTo: []string{"b@x"}})
			if err != nil {
				t.Fatal(err)
			}
			if d.mem != nil || d.file != nil {
				t.Fatal("fresh delivery holds a buffer")
			}
			d.Write(bytes.Repeat([]byte{byte(size), byte(len(t.Name()))}, size/2))
			d.Write(bytes.Repeat([]byte{1}, size%2))
			inFile := size > memSpool
			if (d.file != nil) != inFile || (d.mem != nil) == inFile || spooled() != map[bool]int{true: 1}[inFile] {
				t.Fatalf("%d bytes: file %v mem %d bytes, %d spool files", size, d.file != nil, len(d.mem), spooled())
			}
			if commit {
				_, err = d.Commit(ctx)
			} else {
				err = d.Abort()
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.mem != nil || d.file != nil || spooled() != 0 {
				t.Fatalf("%d bytes after commit=%v: still holds mem %d bytes / file %v, %d spool files", size, commit, len(d.mem), d.file != nil, spooled())
			}
		}
	}
}
