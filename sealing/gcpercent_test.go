package sealing

import (
	"runtime/debug"
	"testing"
)

func TestLowerGCRestores(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	a := lowerGC()
	b := lowerGC()
	if got := debug.SetGCPercent(sealGCPercent); got != sealGCPercent {
		t.Fatalf("during: GC percent %d, want %d", got, sealGCPercent)
	}
	a()
	a() // idempotent
	if got := debug.SetGCPercent(sealGCPercent); got != sealGCPercent {
		t.Fatalf("one still running: GC percent %d, want %d", got, sealGCPercent)
	}
	b()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("after: GC percent %d, want 100 restored", got)
	}
	debug.SetGCPercent(20)
	c := lowerGC()
	if got := debug.SetGCPercent(20); got != 20 {
		t.Fatalf("a lower setting was raised to %d", got)
	}
	c()
}
