package smtpd

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"time"
)

// errClosing is returned by reads on a connection the server is shutting
// down.
var errClosing = errors.New("smtpd: server shutting down")

// wire is a connection's socket side: it gives every read the timeout of
// the current phase (command or data), flushes pending replies before a
// read that would block (so pipelined replies go out together, RFC 2920
// §3), and bounds every write by WriteTimeout.
type wire struct {
	nc          net.Conn
	bw          *bufio.Writer // replies; flushed before blocking reads
	readTimeout time.Duration // of the current phase

	mu      sync.Mutex // orders deadline changes with shutdown
	closing bool
}

// Read reads from the socket with the current phase's deadline, after
// flushing the replies written so far.
func (w *wire) Read(p []byte) (int, error) {
	if w.bw.Buffered() > 0 {
		if err := w.bw.Flush(); err != nil {
			return 0, err
		}
	}
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return 0, errClosing
	}
	err := w.nc.SetReadDeadline(time.Now().Add(w.readTimeout))
	w.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return w.nc.Read(p)
}

// shutdown makes the pending and every later read fail with errClosing.
func (w *wire) shutdown() {
	w.mu.Lock()
	w.closing = true
	_ = w.nc.SetReadDeadline(time.Now())
	w.mu.Unlock()
}

// setConn replaces the socket (STARTTLS).
func (w *wire) setConn(nc net.Conn) {
	w.mu.Lock()
	w.nc = nc
	w.mu.Unlock()
}

func (w *wire) isClosing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closing
}

// deadlineWriter bounds each write to the socket by WriteTimeout.
type deadlineWriter struct{ w *wire }

func (d deadlineWriter) Write(p []byte) (int, error) {
	if err := d.w.nc.SetWriteDeadline(time.Now().Add(WriteTimeout)); err != nil {
		return 0, err
	}
	return d.w.nc.Write(p)
}
