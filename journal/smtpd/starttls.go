package smtpd

import (
	"context"
	"crypto/tls"
	"fmt"
)

// startTLS answers STARTTLS (RFC 3207 §4) and runs the TLS handshake. Any
// plaintext the client pipelined after the command is discarded, never
// read as commands under TLS (§4.2; the command-injection flaw of 2011).
// After the handshake the connection starts over: HELO and any
// transaction are forgotten (§4.2). A failed handshake ends the
// connection: there is no channel left to answer on.
func (c *conn) startTLS(arg string) error {
	switch {
	case c.srv.cfg.TLS == nil:
		c.reply(errNoTLS)
		return nil
	case c.sess.tls:
		c.reply(errTLSActive)
		return nil
	case arg != "":
		c.reply(syntaxError("STARTTLS takes no parameters"))
		return nil
	}
	c.reply(replyStartTLS)
	if err := c.bw.Flush(); err != nil {
		return err
	}
	tc := tls.Server(c.wire.nc, c.srv.cfg.TLS)
	ctx, cancel := context.WithTimeout(c.srv.ctx, c.srv.cfg.CommandTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.wire.setConn(tc)
	c.br.Reset(c.wire)
	c.bw.Reset(deadlineWriter{c.wire})
	c.sess.reset()
	c.sess.helo, c.sess.tls = "", true
	return nil
}
