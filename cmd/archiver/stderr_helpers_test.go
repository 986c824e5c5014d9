package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// archiverErr runs the real command like archiver and returns stdout and
// stderr together; it fails the test unless the exit code is want.
func archiverErr(t testing.TB, want int, args ...string) string {
	t.Helper()
	cmd := exec.Command(archiverBin(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("archiver %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out.String())
	}
	return out.String()
}
