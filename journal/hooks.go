package journal

import "io"

// hooks are one journal's seams for tests, set through export_test.go and
// never by production code: the transaction size of RecordSealed and
// finishSealing and of Release, simulated crashes in them, and the
// header parsers. They
// live in the Journal, not in package variables, so that two journals (or
// two tests) never share them.
type hooks struct {
	sealChunk      int                            // messages per RecordSealed mark and finishSealing transaction
	sealChunkFault func(n int) error              // before finishSealing's transaction n (from 1): an error stops it as a crash would
	sealFault      func(step string, n int) error // at each step of RecordSealed (see SetSealFault in export_test.go)
	releaseChunk   int                            // messages per Release transaction
	releaseFault   func(n int) error              // before Release's transaction n (from 1): an error stops it as a crash would
	summarize      func(io.Reader) Summary        // header summary of a message
	parseReport    func(io.Reader) *JournalReport // Exchange journal report; nil when not one
}

func defaultHooks() hooks {
	return hooks{sealChunk: defaultSealChunk, releaseChunk: defaultReleaseChunk, summarize: realSummarize, parseReport: realParseReport}
}
