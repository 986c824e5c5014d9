package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysImportNameOutsideKeys (bug: keys import took NAME as a path
// fragment, so `keys import '../../x/name' FILE` wrote x/name.pub.asc
// beside the data directory). A key name is validated like a tenant name:
// exit 1 with a hint, and no file written anywhere.
func TestKeysImportNameOutsideKeys(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	archiver(t, 0, "init", "--data", data)
	archiver(t, 0, "keys", "generate", filepath.Join(root, "k"))
	if err := os.Mkdir(filepath.Join(root, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../../x/name", "../escape", "a/b", "/abs", "..", ".", "", "Upper", strings.Repeat("a", 33)} {
		out := archiverErr(t, 1, "keys", "import", "--data", data, name, filepath.Join(root, "k.pub.asc"))
		if !strings.Contains(out, "hint: ") || !strings.Contains(out, "key name") {
			t.Errorf("keys import %q: stderr lacks the reason or a hint:\n%s", name, out)
		}
	}
	var written []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasPrefix(filepath.Base(p), "name") || strings.Contains(p, "escape") || strings.Contains(p, "abs.pub")) {
			written = append(written, p)
		}
		return nil
	})
	if len(written) > 0 {
		t.Fatalf("keys import with a bad name wrote %v", written)
	}
	keys, _ := os.ReadDir(filepath.Join(data, "keys"))
	for _, k := range keys {
		if !strings.HasPrefix(k.Name(), "archive.") {
			t.Errorf("unexpected file in DATA/keys: %s", k.Name())
		}
	}
	// a valid name still imports
	archiver(t, 0, "keys", "import", "--data", data, "partner-2", filepath.Join(root, "k.pub.asc"))
	if _, err := os.Stat(filepath.Join(data, "keys", "partner-2.pub.asc")); err != nil {
		t.Fatal(err)
	}
}
