package main

import (
	"os"

	"github.com/archiver/archiver/sealing"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// sealBars draws each step sealing reports (encrypting, writing, reading,
// hashing, decrypting) as a progress bar on stderr, cleared when the step
// ends; nil, so nothing is drawn, when stdout is not a terminal (logs and
// pipes stay clean).
func sealBars(e *env) sealing.Progress {
	if !e.tty {
		return nil
	}
	w := e.stderr
	return func(step string, total int64) (func(int64), func()) {
		pb := progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(step),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100e6))
		return func(n int64) { _ = pb.Add64(n) }, func() { _ = pb.Finish() }
	}
}

// ingestBar counts ingested messages on a progress bar of unknown length
// on stderr: add is backfill's Progress, finish ends the bar. add is nil,
// so nothing is drawn, unless stdout and stderr are both terminals.
func ingestBar(e *env) (add func(n int), finish func()) {
	f, ok := e.stderr.(*os.File)
	if !e.tty || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	pb := progressbar.NewOptions(-1, progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription("ingesting"), progressbar.OptionShowCount(),
		progressbar.OptionShowIts())
	return func(n int) { _ = pb.Add(n) }, func() { _ = pb.Finish() }
}
