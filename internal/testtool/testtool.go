// Package testtool gates tests that need an external program or the shared
// corpus, in one way for the whole project: outside CI a missing tool or
// corpus skips the test with a message; under CI=true it fails, so CI can
// never pass by skipping (restic's RESTIC_TEST_DISALLOW_SKIP, here CI=true).
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// InCI reports whether skipping is forbidden (the environment has CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Require returns the absolute path of the named program, skipping the test
// when it is missing, or failing it under CI=true.
func Require(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, "external tool %q not found in PATH (install it; .ci/run does)", name)
	}
	return p
}

// Corpus returns the absolute path of ../shared/corpus relative to the
// repository root. Tests only read it; they never modify it.
func Corpus(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared", "corpus")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		unavailable(t, "shared corpus not found at %s (it exists only inside the workplace)", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testtool: cannot locate source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Long skips a long-running test under -short; under CI=true it always runs.
func Long(t testing.TB) {
	t.Helper()
	if testing.Short() && !InCI() {
		t.Skip("long test; skipped with -short")
	}
}

// Unavailable skips the test because something it needs from the
// platform is missing (a /proc file, a listening address), or fails it
// under CI=true. Tool and corpus gates use Require and Corpus.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	unavailable(t, format, args...)
}

func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true forbids skipping: "+format, args...)
	}
	t.Skipf(format, args...)
}
