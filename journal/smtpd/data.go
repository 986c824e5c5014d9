package smtpd

// data answers DATA (RFC 5321 §4.1.1.4): it opens the journal delivery
// before inviting the text with 354, so a journal that cannot take mail
// now answers 4xx without the client sending it. The text is unstuffed by
// copyDotData straight into the delivery; the reply comes after Commit.
// Losing the client mid-text ends the connection (the error returned).
func (c *conn) data(arg string) error {
	switch {
	case arg != "":
		c.reply(syntaxError("DATA takes no parameters"))
		return nil
	case !c.sess.inMail:
		c.reply(errNoMail)
		return nil
	case c.sess.chunks != nil:
		c.reply(errMixedBody)
		return nil
	}
	b, err := c.sess.begin()
	if err != nil {
		c.replyErr(err)
		return nil
	}
	c.reply(replyStartData)
	c.wire.readTimeout = c.srv.cfg.DataBlockTimeout
	if _, err := copyDotData(b, c.br); err != nil {
		c.sess.lost(b, err)
		return err
	}
	rcpts := len(c.sess.env.RcptTo)
	err = c.sess.finish(b)
	c.sess.reset()
	c.replyDelivery(err, rcpts)
	return nil
}
