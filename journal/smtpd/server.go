package smtpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"

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

	mu        sync.Mutex
	listeners map[net.Listener]bool
	conns     map[*conn]net.Listener // open connections and their listener
	closed    bool
	wg        sync.WaitGroup // connection goroutines
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
	return &Server{cfg: cfg, store: st, log: cfg.Logger, metrics: cfg.Metrics, ctx: ctx, cancel: cancel,
		listeners: map[net.Listener]bool{}, conns: map[*conn]net.Listener{}}, nil
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

// Serve accepts connections on l until ctx is done or Close is called,
// then closes l and its connections (open ones get 421 4.3.2) and returns
// nil. A listener not bound to a loopback address requires Config.TLS
// (STARTTLS becomes mandatory before MAIL); without it Serve fails at once.
// Accept errors other than a closed listener (such as running out of file
// descriptors) are logged and retried: they never stop intake.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	requireTLS := s.cfg.RequireTLS || !isLoopback(l.Addr())
	if requireTLS && s.cfg.TLS == nil {
		l.Close()
		return fmt.Errorf("smtpd: listener %s is not on loopback (or RequireTLS is set): STARTTLS is required, configure a TLS certificate", l.Addr())
	}
	if !s.addListener(l) {
		l.Close()
		return nil
	}
	stop := context.AfterFunc(ctx, func() { s.shutdown(l) })
	defer stop()
	s.log.Info("listening", "addr", l.Addr().String(), "lmtp", s.cfg.LMTP, "starttls", s.cfg.TLS != nil,
		"require_tls", requireTLS, "max_size", s.cfg.MaxSize)
	al := &allowListener{Listener: l, s: s}
	backoff := 5 * time.Millisecond
	for {
		nc, err := al.Accept()
		if err != nil {
			if s.stopped(l) || errors.Is(err, net.ErrClosed) {
				s.shutdown(l)
				return nil
			}
			s.log.Error("accept failed, retrying", "addr", l.Addr().String(), "error", err, "retry_in", backoff.String())
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		c := newConn(s, nc, requireTLS)
		if !s.addConn(c, l) {
			nc.Close()
			return nil
		}
		go func() {
			defer s.removeConn(c)
			defer s.recoverConn(c)
			c.serve()
		}()
	}
}

// recoverConn turns a panic in one connection into a closed connection, a
// log line with the stack and a "receiver-panic" alarm: one client must
// not stop intake for all. The client got no 250 for an unfinished
// message and keeps it.
func (s *Server) recoverConn(c *conn) {
	r := recover()
	if r == nil {
		return
	}
	s.log.Error("panic in SMTP connection; connection closed", "client", c.sess.client, "panic", r, "stack", string(debug.Stack()))
	s.store.RaiseAlarm(journal.Alarm{Kind: "receiver-panic", Message: fmt.Sprintf(
		"the SMTP/LMTP receiver recovered from a panic serving %s: %v (stack in the service log); the client was disconnected without a 250 and will retry",
		c.sess.client, r)})
	_ = c.wire.nc.Close()
}

func (s *Server) addListener(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.listeners[l] = true
	return true
}

// stopped reports whether l was shut down by Close or its Serve's ctx.
func (s *Server) stopped(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed || !s.listeners[l]
}

func (s *Server) addConn(c *conn, l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.listeners[l] {
		return false
	}
	s.conns[c] = l
	s.wg.Add(1)
	return true
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// shutdown closes l (nil: every listener) and makes its connections
// answer 421 4.3.2 and close.
func (s *Server) shutdown(l net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ll := range s.listeners {
		if l == nil || ll == l {
			ll.Close()
			delete(s.listeners, ll)
		}
	}
	for c, cl := range s.conns {
		if l == nil || cl == l {
			c.wire.shutdown()
		}
	}
}

// CloseWait bounds how long Close waits for connections to end: one stuck
// in a journal write on a hung disk must not keep the service from
// stopping.
const CloseWait = 30 * time.Second

// Close stops every listener, makes open connections answer 421 and close,
// and waits for them, at most CloseWait. In-flight commits see a cancelled
// context and answer 4xx. It fails only if connections were still busy
// after CloseWait.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.shutdown(nil)
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(CloseWait):
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		return fmt.Errorf("smtpd: %d connections still busy %v after close (a journal write hanging?)", n, CloseWait)
	}
}
