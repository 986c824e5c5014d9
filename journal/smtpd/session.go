package smtpd

import (
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"time"

	smtp "github.com/archiver/archiver/journal/smtpd/internal/gosmtp"

	"github.com/archiver/archiver/journal"
)

// session is one SMTP/LMTP connection's transaction state. It holds only
// the envelope; DATA streams straight into a journal Delivery.
type session struct {
	srv        *Server
	conn       *smtp.Conn
	requireTLS bool
	env        journal.Envelope
}

func (s *session) Reset()        { s.env.MailFrom, s.env.RcptTo = "", nil }
func (s *session) Logout() error { return nil }

// Mail starts a transaction. A declared SIZE over the limit is refused
// with 452 4.3.4 and an alarm (RFC 1870 §6.1 allows 452 for this).
func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if _, isTLS := s.conn.TLSConnectionState(); s.requireTLS && !isTLS {
		s.srv.metrics.Refused(errNeedTLS.Code)
		return errNeedTLS
	}
	s.Reset()
	s.env.MailFrom = from
	if opts != nil && opts.Size > s.srv.cfg.MaxSize {
		env := s.envelope()
		s.srv.store.RaiseAlarm(oversizeAlarm(opts.Size, s.srv.cfg.MaxSize, true, env))
		return s.refuse(errOversize, env, opts.Size)
	}
	return nil
}

// Rcpt records a recipient. There is no recipient cap.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.env.RcptTo = append(s.env.RcptTo, to)
	return nil
}

// Data stores one message and answers for all its recipients (SMTP).
func (s *session) Data(r io.Reader) error {
	_, err := s.deliver(r)
	return err
}

// LMTPData stores one message and gives each recipient its status
// (RFC 2033 §4.2). The journal commits the message for all recipients in
// one transaction, so every recipient gets the same outcome.
func (s *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	_, err := s.deliver(r)
	for _, rcpt := range s.env.RcptTo {
		status.SetStatus(rcpt, err)
	}
	return err
}

// envelope completes the transaction's envelope with connection facts.
func (s *session) envelope() journal.Envelope {
	env := s.env
	env.RcptTo = append([]string(nil), s.env.RcptTo...)
	env.ClientAddr = s.conn.Conn().RemoteAddr().String()
	env.Helo = s.conn.Hostname()
	_, env.TLS = s.conn.TLSConnectionState()
	env.Protocol = "smtp"
	if s.srv.cfg.LMTP {
		env.Protocol = "lmtp"
	}
	return env
}

// deliver streams r into a journal delivery and commits it. It always
// consumes r. A nil error means the message is durable.
func (s *session) deliver(r io.Reader) ([]journal.Stored, error) {
	if len(s.env.RcptTo) == 0 {
		return nil, errNoRecipients
	}
	env := s.envelope()
	ctx := s.srv.ctx
	d, err := s.srv.store.Begin(ctx, env)
	if err != nil {
		n, _ := io.Copy(io.Discard, r)
		return nil, s.refuse(err, env, n)
	}
	n, err := s.copyBody(d, r)
	if err != nil {
		_ = d.Abort()
		if errors.Is(err, errOversize) {
			s.srv.store.RaiseAlarm(oversizeAlarm(n, s.srv.cfg.MaxSize, false, env))
		}
		return nil, s.refuse(err, env, n)
	}
	start := time.Now()
	stored, err := d.Commit(ctx)
	s.srv.metrics.Committed(time.Since(start))
	if err != nil {
		return nil, s.refuse(err, env, n)
	}
	s.accepted(stored, env, n)
	return stored, nil
}

// copyBody copies the DATA stream into d. Past MaxSize it stops writing,
// drains the rest (counting it) and returns errOversize; after a journal
// write error it drains and returns that error. n is the bytes read.
func (s *session) copyBody(d Delivery, r io.Reader) (n int64, err error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		k, rerr := r.Read(buf)
		n += int64(k)
		if err == nil && n > s.srv.cfg.MaxSize {
			err = errOversize
		}
		if err == nil && k > 0 {
			if _, werr := d.Write(buf[:k]); werr != nil {
				err = werr
			}
		}
		if rerr == io.EOF {
			return n, err
		}
		if rerr != nil {
			return n, errors.Join(err, journal.ErrTransient, rerr)
		}
	}
}

// copyBufs pools copyBody's 32 KiB buffers (one per delivery otherwise).
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

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
func (s *session) refuse(err error, env journal.Envelope, n int64) error {
	rep := reply(err)
	s.srv.metrics.Refused(rep.Code)
	s.srv.log.Warn("refused", "code", rep.Code, "error", err, "size", n,
		"client", env.ClientAddr, "from", env.MailFrom, "rcpts", len(env.RcptTo))
	return rep
}

var _ smtp.LMTPSession = (*session)(nil)
