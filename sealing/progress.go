package sealing

import (
	"io"

	"github.com/schollz/progressbar/v3"
)

// bar is a progress bar that does nothing when w is nil (not a terminal).
type bar struct{ pb *progressbar.ProgressBar }

func newBar(w io.Writer, total int64, desc string) bar {
	if w == nil {
		return bar{}
	}
	return bar{progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100e6))}
}

func (b bar) add(n int64) {
	if b.pb != nil {
		b.pb.Add64(n)
	}
}

func (b bar) done() {
	if b.pb != nil {
		b.pb.Finish()
	}
}
