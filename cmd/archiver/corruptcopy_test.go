//go:build faultinject

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCorruptCopyEnv: a -tags faultinject build flips one bit in the
// middle of copy N on a stdio: pseudo-drive after burning it, and nothing
// else; a malformed value is an error.
func TestCorruptCopyEnv(t *testing.T) {
	dir := t.TempDir()
	image := filepath.Join(dir, "img.iso")
	orig := bytes.Repeat([]byte{0x11}, 4096)
	if err := os.WriteFile(image, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	disc := filepath.Join(dir, "copy.iso")
	e := &env{vars: map[string]string{"ARCHIVER_TEST_CORRUPT_COPY": "2"}}
	fn, err := corruptCopyFromEnv(e)
	if fn == nil || err != nil {
		t.Fatalf("AfterBurn set %v, error %v; want it set", fn != nil, err)
	}
	for _, c := range []struct {
		dev  string
		copy int
		flip bool
	}{{"stdio:" + disc, 1, false}, {"/dev/sr0", 2, false}, {"stdio:" + disc, 2, true}} {
		if err := os.WriteFile(disc, orig, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := fn(c.dev, image, c.copy); err != nil {
			t.Fatalf("%s copy %d: %v", c.dev, c.copy, err)
		}
		got, _ := os.ReadFile(disc)
		want := bytes.Clone(orig)
		if c.flip {
			want[len(want)/2] ^= 0x40
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s copy %d: disc changed %v, want %v", c.dev, c.copy, !bytes.Equal(got, orig), c.flip)
		}
	}
	if fn, err := corruptCopyFromEnv(&env{vars: map[string]string{}}); fn != nil || err != nil {
		t.Errorf("unset: AfterBurn set %v, error %v; want neither", fn != nil, err)
	}
	if _, err := corruptCopyFromEnv(&env{vars: map[string]string{"ARCHIVER_TEST_CORRUPT_COPY": "x"}}); err == nil {
		t.Error("ARCHIVER_TEST_CORRUPT_COPY=x accepted")
	}
}
