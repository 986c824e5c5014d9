package sealing

import (
	"runtime/debug"
	"sync"
)

// sealGCPercent is the garbage collector's target while Seal or Verify
// runs: the heap may grow to 1.5× the live data instead of 2×. On the
// 1 GiB benchmark (docs/sealing.md) this lowered the peak Go heap by about
// a quarter for a few per cent more time.
const sealGCPercent = 50

var (
	gcMu    sync.Mutex
	gcUsers int // Seal and Verify calls running
	gcSaved int // the setting before the first of them
)

// lowerGC sets the GC target to sealGCPercent (never raising a lower one,
// never enabling a disabled collector) until the returned func is called.
// Calls may overlap: the setting found by the first is restored by the
// last.
func lowerGC() (restore func()) {
	gcMu.Lock()
	if gcUsers == 0 {
		gcSaved = debug.SetGCPercent(sealGCPercent)
		if gcSaved < sealGCPercent { // lower already, or off (-1)
			debug.SetGCPercent(gcSaved)
		}
	}
	gcUsers++
	gcMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			gcMu.Lock()
			if gcUsers--; gcUsers == 0 {
				debug.SetGCPercent(gcSaved)
			}
			gcMu.Unlock()
		})
	}
}
