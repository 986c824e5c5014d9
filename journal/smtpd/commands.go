package smtpd

import (
	"strconv"
)

// dispatch runs one command. A non-nil error ends the connection.
func (c *conn) dispatch(cmd command) error {
	switch cmd.verb {
	case "EHLO", "HELO":
		if c.srv.cfg.LMTP {
			c.reply(&Reply{Code: 500, Enhanced: "5.5.1", Text: "This is LMTP: use LHLO (RFC 2033 §4.1)"})
			return nil
		}
		c.hello(cmd)
	case "LHLO":
		if !c.srv.cfg.LMTP {
			c.reply(errUnknown)
			return nil
		}
		c.hello(cmd)
	case "MAIL":
		c.mail(cmd.arg)
	case "RCPT":
		c.rcpt(cmd.arg)
	case "DATA":
		return c.data(cmd.arg)
	case "BDAT":
		return c.bdat(cmd.arg)
	case "RSET":
		c.sess.reset()
		c.reply(replyOK)
	case "NOOP":
		c.reply(replyOK)
	case "VRFY":
		c.reply(replyVRFY)
	case "HELP":
		c.reply(replyHelp)
	case "STARTTLS":
		return c.startTLS(cmd.arg)
	case "QUIT":
		c.reply(&Reply{Code: 221, Enhanced: "2.0.0", Text: c.srv.cfg.Hostname + " closing connection"})
		return errQuit
	case "EXPN", "TURN", "ETRN", "ATRN", "AUTH":
		c.reply(errNotImpl)
	default:
		c.reply(errUnknown)
	}
	return nil
}

// hello answers HELO, EHLO or LHLO (RFC 5321 §4.1.1.1, RFC 2033 §4.1). It
// resets any transaction. EHLO and LHLO list the extensions; SIZE names
// Config.MaxSize only with Config.AnnounceSize (RFC 1870 §4).
func (c *conn) hello(cmd command) {
	if cmd.arg == "" {
		c.reply(syntaxError("Syntax: %s <domain>", cmd.verb))
		return
	}
	c.sess.reset()
	c.sess.helo = cmd.arg
	if cmd.verb == "HELO" {
		c.reply(&Reply{Code: 250, Text: c.srv.cfg.Hostname})
		return
	}
	text := c.srv.cfg.Hostname + "\nPIPELINING\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES\nCHUNKING\nDSN\nSIZE"
	if c.srv.cfg.AnnounceSize {
		text += " " + strconv.FormatInt(c.srv.cfg.MaxSize, 10)
	}
	if c.srv.cfg.TLS != nil && !c.sess.tls {
		text += "\nSTARTTLS"
	}
	c.reply(&Reply{Code: 250, Text: text})
}

// mail answers MAIL FROM (RFC 5321 §4.1.1.2). Without a preceding HELO it
// is accepted and logged: Postfix accepts it too, and refusing it would
// only let a misconfigured journal feed lose mail.
func (c *conn) mail(arg string) {
	if c.requireTLS && !c.sess.tls {
		c.srv.metrics.Refused(errNeedTLS.Code)
		c.reply(errNeedTLS)
		return
	}
	if c.sess.inMail {
		c.reply(errNestedMail)
		return
	}
	from, ps, rerr := parsePathArg(arg, "FROM:")
	if rerr != nil {
		c.reply(rerr)
		return
	}
	p, rerr := parseMailParams(ps)
	if rerr != nil {
		c.reply(rerr)
		return
	}
	if c.sess.helo == "" {
		c.srv.log.Warn("MAIL without HELO/EHLO/LHLO, accepted", "client", c.sess.client, "from", from)
	}
	if err := c.sess.mail(from, p); err != nil {
		c.replyErr(err)
		return
	}
	c.reply(replySender)
}

// rcpt answers RCPT TO (RFC 5321 §4.1.1.3).
func (c *conn) rcpt(arg string) {
	if !c.sess.inMail {
		c.reply(errNoMail)
		return
	}
	to, ps, rerr := parsePathArg(arg, "TO:")
	if rerr == nil && to == "" {
		rerr = syntaxError("RCPT TO needs an address")
	}
	if rerr == nil {
		rerr = parseRcptParams(ps)
	}
	if rerr != nil {
		c.reply(rerr)
		return
	}
	if err := c.sess.rcpt(to); err != nil {
		c.replyErr(err)
		return
	}
	c.reply(replyRecipient)
}

// replyDelivery answers the end of a message: one reply for SMTP, one per
// recipient, in RCPT order, for LMTP (RFC 2033 §4.2). The journal commits
// the message for all recipients at once, so they share the outcome.
func (c *conn) replyDelivery(err error, rcpts int) {
	n := 1
	if c.srv.cfg.LMTP && rcpts > 0 { // no recipients (a refused BDAT): one reply
		n = rcpts
	}
	for range n {
		if err != nil {
			c.replyErr(err)
		} else {
			c.reply(replyStored)
		}
	}
}
