package main

import (
	"runtime/debug"
	"testing"
)

// TestLowerGC: seal and verify lower the GC target of their own process
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
