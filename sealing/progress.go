package sealing

// Progress receives how far the long steps of Seal and Verify have come,
// for a progress bar (cmd/archiver draws one on a terminal). It is called
// as a step starts, with the step's name ("encrypting", "writing
// LABEL.iso", "reading image LABEL", "hashing LABEL", "decrypting LABEL")
// and its total: messages for encrypting and decrypting, bytes otherwise.
// add then receives each increment, possibly from several goroutines at
// once; end runs once when the step stops, finished or not. Steps of one
// Seal or Verify do not overlap. nil reports nothing.
type Progress func(step string, total int64) (add func(n int64), end func())

// bar is one step reported to a Progress; it does nothing when there is
// none.
type bar struct {
	addFn func(int64)
	endFn func()
}

func newBar(p Progress, total int64, step string) bar {
	if p == nil {
		return bar{}
	}
	add, end := p(step, total)
	return bar{add, end}
}

func (b bar) add(n int64) {
	if b.addFn != nil {
		b.addFn(n)
	}
}

func (b bar) done() {
	if b.endFn != nil {
		b.endFn()
	}
}
