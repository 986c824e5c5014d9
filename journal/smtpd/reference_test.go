package smtpd

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/archiver/archiver/journal"
)

// refUnstuff is RFC 5321 §4.5.2 read as plainly as possible, the reference
// the server's DATA reader is compared with. text is what a client sends
// after the DATA command. A line is what ends with CRLF; the line "."
// ends the data; any other line starting with "." loses that dot. It
// returns the message, the bytes after the end of data, and whether the
// end was found.
func refUnstuff(text []byte) (msg, rest []byte, ok bool) {
	msg = []byte{}
	for {
		i := bytes.Index(text, []byte("\r\n"))
		if i < 0 {
			return nil, nil, false
		}
		line := text[:i+2]
		text = text[i+2:]
		if string(line) == ".\r\n" {
			return msg, text, true
		}
		if line[0] == '.' {
			line = line[1:]
		}
		msg = append(msg, line...)
	}
}

func TestRefUnstuff(t *testing.T) {
	for _, tc := range []struct{ in, msg, rest string }{
		{".\r\n", "", ""},
		{"a\r\n.\r\nQUIT\r\n", "a\r\n", "QUIT\r\n"},
		{"..\r\n.\r\n", ".\r\n", ""},
		{".\ra\r\n.\r\n", "\ra\r\n", ""},
		{"a\n.\nb\r.\rc\r\n.\r\n", "a\n.\nb\r.\rc\r\n", ""},
		{"a\r\r\n.x\r\n.\r\n", "a\r\r\nx\r\n", ""},
	} {
		msg, rest, ok := refUnstuff([]byte(tc.in))
		if !ok || string(msg) != tc.msg || string(rest) != tc.rest {
			t.Errorf("refUnstuff(%q) = %q, %q, %v; want %q, %q", tc.in, msg, rest, ok, tc.msg, tc.rest)
		}
	}
	if _, _, ok := refUnstuff([]byte("a\r\n.\n")); ok {
		t.Error(`refUnstuff found an end in "a\r\n.\n"`)
	}
}

// clientBodies extracts the messages from the bytes a client sent: after
// each "DATA" command line the text up to the end of data, unstuffed by
// refUnstuff; after each "BDAT n [LAST]" line n bytes of the message, the
// message ending with LAST. Commands are taken as CRLF lines.
func clientBodies(t testing.TB, stream []byte) [][]byte {
	t.Helper()
	var out [][]byte
	var chunks []byte
	for len(stream) > 0 {
		i := bytes.Index(stream, []byte("\r\n"))
		if i < 0 {
			t.Fatalf("client stream ends inside a command: %q", stream)
		}
		line := strings.ToUpper(string(stream[:i]))
		stream = stream[i+2:]
		switch f := strings.Fields(line); {
		case line == "DATA":
			msg, rest, ok := refUnstuff(stream)
			if !ok {
				t.Fatalf("client stream has no end of data: %.200q", stream)
			}
			out, stream = append(out, msg), rest
		case len(f) > 0 && f[0] == "BDAT":
			n, err := strconv.Atoi(f[1])
			if err != nil || n > len(stream) {
				t.Fatalf("bad BDAT in client stream: %q", line)
			}
			chunks, stream = append(chunks, stream[:n]...), stream[n:]
			if len(f) == 3 {
				out, chunks = append(out, chunks), nil
			}
		}
	}
	return out
}

// recConn records what the client side of a connection writes.
type recConn struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (r *recConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.out.Write(p)
	r.mu.Unlock()
	return r.Conn.Write(p)
}

// memStore keeps committed messages in memory, in commit order: for
// tests of the protocol without a journal's fsyncs.
type memStore struct {
	mu     sync.Mutex
	bodies [][]byte
	envs   []journal.Envelope // of bodies, by index
	alarms []journal.Alarm
}

func newMemStore() *memStore { return &memStore{} }

func (m *memStore) Begin(_ context.Context, env journal.Envelope) (Delivery, error) {
	return &memDelivery{m: m, env: env}, nil
}

func (m *memStore) RaiseAlarm(a journal.Alarm) {
	m.mu.Lock()
	m.alarms = append(m.alarms, a)
	m.mu.Unlock()
}

// messages returns the bodies stored from a client address ("ip:port").
func (m *memStore) messages(client string) [][]byte {
	return m.where(func(env journal.Envelope) bool { return env.ClientAddr == client })
}

// where returns the bodies whose envelope matches.
func (m *memStore) where(match func(journal.Envelope) bool) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out [][]byte
	for i, env := range m.envs {
		if match(env) {
			out = append(out, m.bodies[i])
		}
	}
	return out
}

type memDelivery struct {
	m   *memStore
	env journal.Envelope
	buf bytes.Buffer
}

func (d *memDelivery) Write(p []byte) (int, error) { return d.buf.Write(p) }
func (d *memDelivery) Abort() error                { return nil }
func (d *memDelivery) Commit(context.Context) ([]journal.Stored, error) {
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	d.m.bodies = append(d.m.bodies, bytes.Clone(d.buf.Bytes()))
	d.m.envs = append(d.m.envs, d.env)
	return []journal.Stored{{Size: int64(d.buf.Len())}}, nil
}

// startMem runs a server over a memStore on a loopback port.
func startMem(t testing.TB, cfg Config) (string, *memStore) {
	t.Helper()
	m := newMemStore()
	return serveStore(t, m, cfg), m
}
