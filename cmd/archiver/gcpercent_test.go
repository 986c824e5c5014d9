package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestLowerGC: seal, verify and run lower the GC target of their own process
// to sealGCPercent, but not inside serve, not against $GOGC, and never
// raise a lower target or enable a disabled collector.
func TestLowerGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	for _, tc := range []struct {
		name   string
		e      *env
		gogc   string
		before int
		want   int
	}{
		{"command", &env{}, "", 100, sealGCPercent},
		{"inside serve", &env{shared: &shared{}}, "", 100, 100},
		{"GOGC set", &env{}, "200", 100, 100},
		{"lower already", &env{}, "", 20, 20},
		{"collector off", &env{}, "", -1, -1},
	} {
		t.Setenv("GOGC", tc.gogc)
		debug.SetGCPercent(tc.before)
		lowerGC(tc.e)
		if got := debug.SetGCPercent(100); got != tc.want {
			t.Errorf("%s: GC percent %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestRunLowersGC: run seals and verifies like seal and verify, so it
// lowers the GC target of its process too (before it fails here, on a
// usage error after the flags are read).
func TestRunLowersGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, cwd: t.TempDir(), vars: map[string]string{}, now: time.Now, user: "test"}
	err := newApp(e).Run([]string{"archiver", "run", "--data", e.cwd, "--period", "2026-01", "--out", e.cwd, "--queue", "--device", "stdio:x.iso"})
	if err == nil || !strings.Contains(err.Error(), "--queue burns nothing") {
		t.Fatalf("run: %v, want the --queue usage error\nstderr: %s", err, errb.String())
	}
	if got := debug.SetGCPercent(100); got != sealGCPercent {
		t.Errorf("after run: GC percent %d, want %d", got, sealGCPercent)
	}
}
