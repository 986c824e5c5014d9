package main

import (
	"os"
	"runtime/debug"
)

// sealGCPercent is the garbage collector's target in the process of
// `seal`, `verify` and `run`: the heap may grow to 1.5× the live data instead of
// 2×. On the 1 GiB benchmark (docs/sealing.md) this lowered the peak Go
// heap by about a quarter for a few per cent more time. The commands set
// it, not the sealing package, so that `serve`, where seals run beside
// ingest, keeps the runtime's default.
const sealGCPercent = 50

// lowerGC sets sealGCPercent for this process, except inside serve (a
// forwarded command, e.shared set), when $GOGC is set (the operator's
// choice wins), or when the collector already runs at a lower target or
// is off.
func lowerGC(e *env) {
	if e.shared != nil || os.Getenv("GOGC") != "" {
		return
	}
	if old := debug.SetGCPercent(sealGCPercent); old < sealGCPercent {
		debug.SetGCPercent(old)
	}
}
