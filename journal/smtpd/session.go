package smtpd

import (
	"context"
	"encoding/hex"
	"errors"
	"time"

	"github.com/archiver/archiver/journal"
)

// session is one connection's mail transaction (RFC 5321 §3.3) over the
// journal's two-phase delivery: MAIL and RCPT build the envelope, the body
// streams into a Delivery, and Commit decides the reply. It holds only the
// envelope; the body goes straight into the Delivery.
type session struct {
	srv    *Server
	client string // remote "ip:port"
	helo   string // HELO/EHLO/LHLO argument, "" if none was given
	tls    bool   // STARTTLS done

	inMail bool             // MAIL accepted, transaction open
	env    journal.Envelope // MailFrom and RcptTo of the open transaction
	chunks *chunked         // BDAT transaction in progress (RFC 3030), or nil
}

// reset ends the transaction (RSET, HELO, end of data, close), aborting
// an unfinished BDAT delivery.
func (s *session) reset() {
	if s.chunks != nil {
		s.chunks.abort()
		s.chunks = nil
	}
	s.inMail, s.env.MailFrom, s.env.RcptTo = false, "", nil
}

// mail starts a transaction. A declared SIZE over the limit is refused
// with 452 4.3.4 and an alarm (RFC 1870 §6.1 allows 452 for this).
func (s *session) mail(from string, p mailParams) error {
	s.reset()
	s.env.MailFrom = from
	if p.size > s.srv.cfg.MaxSize {
		env := s.envelope()
		s.srv.store.RaiseAlarm(oversizeAlarm(p.size, s.srv.cfg.MaxSize, true, env))
		s.reset()
		return s.refuse(errOversize, env, p.size)
	}
	s.inMail = true
	return nil
}

// rcpt adds a recipient, up to Config.MaxRecipients.
func (s *session) rcpt(to string) error {
	if len(s.env.RcptTo) >= s.srv.cfg.MaxRecipients {
		return errTooManyRcpts
	}
	s.env.RcptTo = append(s.env.RcptTo, to)
	return nil
}

// envelope completes the transaction's envelope with connection facts.
func (s *session) envelope() journal.Envelope {
	env := s.env
	env.RcptTo = append([]string(nil), s.env.RcptTo...)
	env.ClientAddr = s.client
	env.Helo = s.helo
	env.TLS = s.tls
	env.Protocol = "smtp"
	if s.srv.cfg.LMTP {
		env.Protocol = "lmtp"
	}
	return env
}

// begin opens the journal delivery for the transaction's body. It fails
// with a Reply: 503 without recipients, 4xx if the journal cannot take
// the message now.
func (s *session) begin() (*body, error) {
	if len(s.env.RcptTo) == 0 {
		return nil, errNoRecipients
	}
	env := s.envelope()
	d, err := s.srv.store.Begin(s.srv.ctx, env)
	if err != nil {
		return nil, s.refuse(err, env, 0)
	}
	return &body{d: d, env: env, limit: s.srv.cfg.MaxSize}, nil
}

// finish commits b, or aborts it after a failure while receiving. A nil
// error means the message is durable (fsync'd) and may be answered 250.
func (s *session) finish(b *body) error {
	if b.err != nil {
		return s.refuseBody(b)
	}
	ctx, cancel := context.WithTimeout(s.srv.ctx, s.srv.cfg.DataTermination)
	defer cancel()
	start := time.Now()
	stored, err := b.d.Commit(ctx)
	s.srv.metrics.Committed(time.Since(start))
	if err != nil {
		return s.refuse(err, b.env, b.n)
	}
	s.accepted(stored, b.env, b.n)
	return nil
}

// refuseBody aborts b after a failure while receiving it (b.err) and
// returns the reply; an oversize message also raises an alarm.
func (s *session) refuseBody(b *body) *Reply {
	_ = b.d.Abort()
	if errors.Is(b.err, errOversize) {
		s.srv.store.RaiseAlarm(oversizeAlarm(b.n, s.srv.cfg.MaxSize, false, b.env))
	}
	return s.refuse(b.err, b.env, b.n)
}

// lost aborts b after the client went away or timed out mid-body; there
// is nobody to answer, the client still holds the message.
func (s *session) lost(b *body, cause error) {
	_ = b.d.Abort()
	_ = s.refuse(errors.Join(journal.ErrTransient, cause), b.env, b.n)
}

// accepted logs and counts a committed message.
func (s *session) accepted(stored []journal.Stored, env journal.Envelope, n int64) {
	s.srv.metrics.Accepted(n)
	for _, st := range stored {
		s.srv.log.Info("stored", "tenant", st.Tenant, "seq", st.Seq, "jseq", st.JSeq,
			"sha256", hex.EncodeToString(st.SHA256[:]), "size", st.Size, "duplicate", st.Duplicate,
			"client", env.ClientAddr, "from", env.MailFrom, "rcpts", len(env.RcptTo), "tls", env.TLS)
	}
}

// refuse logs, counts and maps a failure to its 4xx reply.
func (s *session) refuse(err error, env journal.Envelope, n int64) *Reply {
	rep := reply(err)
	s.srv.metrics.Refused(rep.Code)
	s.srv.log.Warn("refused", "code", rep.Code, "error", err, "size", n,
		"client", env.ClientAddr, "from", env.MailFrom, "rcpts", len(env.RcptTo))
	return rep
}
