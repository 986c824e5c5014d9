package smtpd

import (
	"io"
	"strconv"
	"strings"
)

// chunked is a BDAT transaction in progress (RFC 3030 §2): the body
// collects the chunks until BDAT LAST commits it. After a failure the
// remaining chunks of the transaction are read and discarded, each
// answered with the failure's reply, until LAST ends the transaction.
type chunked struct {
	b      *body  // nil after a failure
	failed *Reply // the failure's reply, repeated for later chunks
}

func (ch *chunked) abort() {
	if ch.b != nil {
		_ = ch.b.d.Abort()
		ch.b = nil
	}
}

// bdat answers BDAT size [LAST]. The chunk's size octets follow the
// command line at once and are always read, whatever the reply, so the
// command stream stays in step. A malformed size leaves no way to find the
// next command: 501 and the connection ends.
func (c *conn) bdat(arg string) error {
	size, last, ok := parseBDAT(arg)
	if !ok {
		c.reply(errBadBDAT)
		return errQuit
	}
	c.wire.readTimeout = c.srv.cfg.DataBlockTimeout
	ch, rerr := c.chunkTarget()
	if rerr != nil {
		if _, err := io.CopyN(io.Discard, c.br, size); err != nil {
			return unexpectedEOF(err)
		}
		c.reply(rerr)
		return nil
	}
	var w io.Writer = io.Discard
	if ch.b != nil {
		w = ch.b
	}
	if _, err := io.CopyN(w, c.br, size); err != nil {
		if ch.b != nil {
			c.sess.lost(ch.b, err)
			ch.b = nil
		}
		return unexpectedEOF(err)
	}
	if ch.failed == nil && ch.b.err != nil && !last {
		// Fail early (RFC 3030 §2: the client stops sending chunks).
		ch.failed = c.sess.refuseBody(ch.b)
		ch.b = nil
	}
	switch {
	case ch.failed != nil && last:
		rcpts := len(c.sess.env.RcptTo)
		c.sess.reset()
		c.replyDelivery(ch.failed, rcpts)
	case ch.failed != nil:
		c.reply(ch.failed)
	case last:
		rcpts := len(c.sess.env.RcptTo)
		err := c.sess.finish(ch.b)
		ch.b = nil
		c.sess.reset()
		c.replyDelivery(err, rcpts)
	default:
		c.reply(&Reply{Code: 250, Enhanced: "2.0.0", Text: strconv.FormatInt(size, 10) + " octets received"})
	}
	return nil
}

// chunkTarget returns the transaction's BDAT state, opening the delivery
// with the first chunk, or the reply refusing the chunk.
func (c *conn) chunkTarget() (*chunked, *Reply) {
	if c.sess.chunks != nil {
		return c.sess.chunks, nil
	}
	if !c.sess.inMail {
		return nil, errNoMail
	}
	b, err := c.sess.begin()
	ch := &chunked{b: b}
	if err != nil {
		ch.b = nil
		ch.failed = asReply(err)
	}
	c.sess.chunks = ch
	return ch, nil
}

// parseBDAT parses "size [LAST]" (RFC 3030 §3: chunk-size is 1*DIGIT).
func parseBDAT(arg string) (size int64, last, ok bool) {
	f := strings.Fields(arg)
	if len(f) == 0 || len(f) > 2 || !allDigits(f[0]) {
		return 0, false, false
	}
	size, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, false, false
	}
	if len(f) == 2 {
		if !strings.EqualFold(f[1], "LAST") {
			return 0, false, false
		}
		last = true
	}
	return size, last, true
}
