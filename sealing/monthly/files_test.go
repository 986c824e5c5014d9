package monthly

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A rerun of the same period writes run-P-2.*, run-P-3.*; the first
// report's bytes stay as they were.
func TestWriteFilesNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	first := &Report{Period: "2026-11", OK: true, Signer: "FIRST"}
	txt1, js1, err := first.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(txt1) != "run-2026-11.txt" || filepath.Base(js1) != "run-2026-11.json" {
		t.Fatalf("first report written as %s, %s", txt1, js1)
	}
	before, _ := os.ReadFile(js1)
	for n, want := range []string{"run-2026-11-2", "run-2026-11-3"} {
		r := &Report{Period: "2026-11", Signer: "RERUN"}
		txt, js, err := r.WriteFiles(dir)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(txt) != want+".txt" || filepath.Base(js) != want+".json" {
			t.Errorf("rerun %d written as %s, %s; want %s.*", n+2, txt, js, want)
		}
		var got Report
		b, _ := os.ReadFile(js)
		if err := json.Unmarshal(b, &got); err != nil || got.Signer != "RERUN" {
			t.Errorf("%s: %v %+v", js, err, got)
		}
	}
	after, _ := os.ReadFile(js1)
	if !bytes.Equal(before, after) {
		t.Errorf("first report changed:\n%s\n---\n%s", before, after)
	}
	// a stray .json alone also keeps its name taken
	os.WriteFile(filepath.Join(dir, "run-2026-12.json"), []byte("{}"), 0o644)
	txt, _, err := (&Report{Period: "2026-12"}).WriteFiles(dir)
	if err != nil || filepath.Base(txt) != "run-2026-12-2.txt" {
		t.Errorf("got %s, %v; want run-2026-12-2.txt", txt, err)
	}
}
