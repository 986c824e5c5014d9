package smtpd

import (
	"github.com/archiver/archiver/journal"
)

// body is the message being received into a journal Delivery. As a
// writer it never fails, so the DATA or BDAT reader always consumes the
// whole body from the client: past the size limit, or after the journal
// refused a write, it keeps counting and drops the bytes, and err says
// why the message will be refused.
type body struct {
	d     Delivery
	env   journal.Envelope
	limit int64 // Config.MaxSize, bytes
	n     int64 // bytes received (after unstuffing)
	err   error // errOversize or the Delivery's write error
}

func (b *body) Write(p []byte) (int, error) {
	b.n += int64(len(p))
	if b.err == nil && b.n > b.limit {
		b.err = errOversize
	}
	if b.err == nil {
		if _, err := b.d.Write(p); err != nil {
			b.err = err
		}
	}
	return len(p), nil
}
