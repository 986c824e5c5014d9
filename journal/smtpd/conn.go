package smtpd

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
)

// conn is one client connection: it reads command lines, runs each through
// the state machine of RFC 5321 §4.1.4 (or RFC 2033 for LMTP) and writes
// the replies. The transaction itself is the session's.
type conn struct {
	srv        *Server
	wire       *wire
	br         *bufio.Reader
	bw         *bufio.Writer
	requireTLS bool
	line       []byte // command line buffer
	sess       session
}

// Buffer sizes: the reader holds the bytes a DATA copy hands on in one
// write; the writer holds a burst of pipelined replies.
const (
	readBufferSize  = 64 << 10 // bytes
	writeBufferSize = 4 << 10  // bytes
)

func newConn(s *Server, nc net.Conn, requireTLS bool) *conn {
	c := &conn{srv: s, requireTLS: requireTLS}
	c.wire = &wire{nc: nc, readTimeout: s.cfg.CommandTimeout}
	c.bw = bufio.NewWriterSize(deadlineWriter{c.wire}, writeBufferSize)
	c.wire.bw = c.bw
	c.br = bufio.NewReaderSize(c.wire, readBufferSize)
	c.sess = session{srv: s, client: nc.RemoteAddr().String()}
	return c
}

// serve runs the connection until QUIT, a fatal error or shutdown.
func (c *conn) serve() {
	defer func() { _ = c.wire.nc.Close() }() // the TLS conn after STARTTLS
	defer c.sess.reset()
	c.reply(&Reply{Code: 220, Text: c.srv.cfg.Hostname + " " + c.protocol() + " archive journal ready"})
	for {
		c.wire.readTimeout = c.srv.cfg.CommandTimeout
		line, err := c.readLine()
		if errors.Is(err, errLineTooLong) {
			c.reply(errLineTooLong)
			continue
		}
		if err != nil {
			c.hangUp(err)
			return
		}
		if err := c.dispatch(parseCommand(line)); err != nil {
			c.hangUp(err)
			return
		}
	}
}

func (c *conn) protocol() string {
	if c.srv.cfg.LMTP {
		return "LMTP"
	}
	return "ESMTP"
}

// errQuit ends the connection after QUIT's reply.
var errQuit = errors.New("smtpd: quit")

// hangUp ends the connection after err: a 421 if the server shuts down or
// the client timed out (RFC 5321 §3.8, §4.5.3.2), nothing if the client
// left.
func (c *conn) hangUp(err error) {
	switch {
	case errors.Is(err, errQuit):
	case c.wire.isClosing() || errors.Is(err, errClosing):
		c.reply(errShutdown)
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.srv.log.Warn("client timed out", "client", c.sess.client, "timeout", c.wire.readTimeout.String())
		c.reply(errTimeout)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
	default:
		c.srv.log.Warn("connection error", "client", c.sess.client, "error", err)
	}
	_ = c.bw.Flush()
}

// reply queues r; it is sent before the next blocking read or at hang-up.
func (c *conn) reply(r *Reply) { r.writeTo(c.bw) }

// replyErr queues the reply for a session error (a *Reply, else 451).
func (c *conn) replyErr(err error) { c.reply(asReply(err)) }

// errLineTooLong is returned by readLine for a command line over
// Config.MaxLineLength; the line has been consumed.
var errLineTooLong = &Reply{Code: 500, Enhanced: "5.5.2", Text: "Line too long"}

// readLine reads one command line and returns it without its line end
// (CRLF, or a bare LF as Postfix tolerates). Each read from the client
// waits up to the phase's timeout, so an idle client times out; one that
// keeps sending a line never ending does not, but stays bounded in memory.
func (c *conn) readLine() (string, error) {
	c.line = c.line[:0]
	tooLong := false
	for {
		frag, err := c.br.ReadSlice('\n')
		if len(c.line)+len(frag) > c.srv.cfg.MaxLineLength {
			tooLong = true
		} else {
			c.line = append(c.line, frag...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", unexpectedEOF(err)
		}
		break
	}
	if tooLong {
		return "", errLineTooLong
	}
	l := c.line[:len(c.line)-1]
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	return string(l), nil
}
