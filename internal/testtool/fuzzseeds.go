package testtool

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)

// FuzzSeeds fails unless every fuzz target declared in the *_test.go files
// of the current directory (the package under test) has a non-empty seed
// corpus in testdata/fuzz/<FuzzName>/, so that `go test` replays checked-in
// inputs and a moved or emptied folder cannot pass silently. It returns
// the targets found, and fails when there are none.
func FuzzSeeds(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fuzzFunc.FindAllSubmatch(b, -1) {
			names = append(names, string(m[1]))
		}
	}
	if len(names) == 0 {
		t.Fatal("testtool: no fuzz targets in this package's test files")
	}
	for _, n := range names {
		es, err := os.ReadDir(filepath.Join("testdata", "fuzz", n))
		if err != nil || len(es) == 0 {
			t.Errorf("%s: no seed corpus in testdata/fuzz/%s (%v); grow one with go test -fuzz=%s -fuzztime=60s and check in a few inputs", n, n, err, n)
		}
	}
	return names
}
