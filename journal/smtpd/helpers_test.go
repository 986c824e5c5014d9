package smtpd

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// recStore wraps the real journal, recording alarms and commit results.
type recStore struct {
	journalStore
	mu     sync.Mutex
	alarms []journal.Alarm
	stored [][]journal.Stored
}

func (r *recStore) RaiseAlarm(a journal.Alarm) {
	r.mu.Lock()
	r.alarms = append(r.alarms, a)
	r.mu.Unlock()
	r.journalStore.RaiseAlarm(a)
}

func (r *recStore) Begin(ctx context.Context, env journal.Envelope) (Delivery, error) {
	d, err := r.journalStore.Begin(ctx, env)
	if err != nil {
		return nil, err
	}
	return &recDelivery{Delivery: d, r: r}, nil
}

type recDelivery struct {
	Delivery
	r *recStore
}

func (d *recDelivery) Commit(ctx context.Context) ([]journal.Stored, error) {
	st, err := d.Delivery.Commit(ctx)
	if err == nil {
		d.r.mu.Lock()
		d.r.stored = append(d.r.stored, st)
		d.r.mu.Unlock()
	}
	return st, err
}

// start runs a server over a fresh journal (opts) on a loopback port.
func start(t testing.TB, opts journal.Options, cfg Config) (addr string, j *journal.Journal, rs *recStore) {
	t.Helper()
	opts.MinFreeBytes = -1
	j = journaltest.NewWith(t, opts)
	rs = &recStore{journalStore: journalStore{j}}
	return serveStore(t, rs, cfg), j, rs
}

// serveStore runs a server over st on a loopback port until the test
// ends, and fails the test if Serve returns an error.
func serveStore(t testing.TB, st Store, cfg Config) string {
	t.Helper()
	s, err := NewWithStore(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

// client is a minimal SMTP client independent of go-smtp: it writes exactly
// the bytes it is given and returns raw replies.
type client struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

// reply reads one (possibly multi-line) reply and returns its last line.
func (c *client) reply() string {
	c.t.Helper()
	var all []string
	for {
		l, err := c.br.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read reply: %v (so far %q)", err, all)
		}
		all = append(all, strings.TrimRight(l, "\r\n"))
		if len(l) < 4 || l[3] != '-' {
			return strings.Join(all, "\n")
		}
	}
}

// cmd sends raw bytes and returns the next reply.
func (c *client) cmd(format string, args ...any) string {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.c, format, args...); err != nil {
		c.t.Fatal(err)
	}
	return c.reply()
}

// send runs a whole transaction; data is sent as-is and must be
// dot-stuffed and end with "\r\n.\r\n". It returns the final reply.
func (c *client) send(from string, to []string, data string) string {
	c.t.Helper()
	if r := c.cmd("MAIL FROM:<%s>\r\n", from); !strings.HasPrefix(r, "250") {
		return r
	}
	for _, rc := range to {
		if r := c.cmd("RCPT TO:<%s>\r\n", rc); !strings.HasPrefix(r, "250") {
			c.t.Fatalf("RCPT: %s", r)
		}
	}
	if r := c.cmd("DATA\r\n"); !strings.HasPrefix(r, "354") {
		c.t.Fatalf("DATA: %s", r)
	}
	return c.cmd("%s", data)
}

func hello(t testing.TB, addr, verb string) *client {
	c := dial(t, addr)
	if r := c.reply(); !strings.HasPrefix(r, "220") {
		t.Fatalf("greeting: %s", r)
	}
	if r := c.cmd("%s test.example\r\n", verb); !strings.HasPrefix(r, "250") {
		t.Fatalf("%s: %s", verb, r)
	}
	return c
}
