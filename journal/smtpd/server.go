package smtpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"

	smtp "github.com/archiver/archiver/journal/smtpd/internal/gosmtp"

	"github.com/archiver/archiver/journal"
)

// Server is the journaling SMTP/LMTP service. One Server may Serve several
// listeners; Close stops them all.
type Server struct {
	cfg     Config
	store   Store
	log     *slog.Logger
	metrics Metrics
	ctx     context.Context // base context of deliveries; cancelled by Close
	cancel  context.CancelFunc

	mu      sync.Mutex
	servers []*smtp.Server
	closed  bool
}

// New returns a server that journals into j.
func New(j *journal.Journal, cfg Config) (*Server, error) {
	if j == nil {
		return nil, errors.New("smtpd: nil journal")
	}
	return NewWithStore(journalStore{j}, cfg)
}

// NewWithStore returns a server over any Store (fault injection, tests).
func NewWithStore(st Store, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{cfg: cfg, store: st, log: cfg.Logger, metrics: cfg.Metrics, ctx: ctx, cancel: cancel}, nil
}

// ListenAndServe listens on Config.Addr (TCP) and serves until ctx is done
// or Close is called.
func (s *Server) ListenAndServe(ctx context.Context) error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtpd: %w", err)
	}
	return s.Serve(ctx, l)
}

// Serve accepts connections on l until ctx is done or Close is called, and
// then returns nil. A listener not bound to a loopback address requires
// Config.TLS (STARTTLS becomes mandatory before MAIL); without it Serve
// fails at once.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	requireTLS := s.cfg.RequireTLS || !isLoopback(l.Addr())
	if requireTLS && s.cfg.TLS == nil {
		l.Close()
		return fmt.Errorf("smtpd: listener %s is not on loopback (or RequireTLS is set): STARTTLS is required, configure a TLS certificate", l.Addr())
	}
	srv := s.newSMTPServer(requireTLS)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	s.log.Info("listening", "addr", l.Addr().String(), "lmtp", s.cfg.LMTP, "starttls", s.cfg.TLS != nil,
		"require_tls", requireTLS, "max_size", s.cfg.MaxSize)
	err := srv.Serve(&allowListener{Listener: l, s: s})
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
		return nil
	}
	return err
}

// newSMTPServer configures go-smtp for one listener.
func (s *Server) newSMTPServer(requireTLS bool) *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c, requireTLS: requireTLS}, nil
	}))
	srv.Domain = s.cfg.Hostname
	srv.LMTP = s.cfg.LMTP
	srv.TLSConfig = s.cfg.TLS
	srv.MaxRecipients = 0   // no cap: every RCPT is part of the evidence
	srv.MaxMessageBytes = 0 // enforced by the session with 452, never go-smtp's 552
	srv.MaxLineLength = s.cfg.lineLimit()
	srv.ReadTimeout = ReadTimeout
	srv.WriteTimeout = WriteTimeout
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = slogPrinter{s.log}
	return srv
}

// Close stops every listener and closes open connections. In-flight
// deliveries see a cancelled context and answer 4xx.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	s.cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Close(); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// slogPrinter adapts slog to go-smtp's Logger.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) { p.l.Warn(fmt.Sprintf(format, v...)) }
func (p slogPrinter) Println(v ...any)               { p.l.Warn(fmt.Sprint(v...)) }
