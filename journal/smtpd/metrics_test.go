package smtpd

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// countMetrics records what the server reports through Config.Metrics.
type countMetrics struct {
	mu       sync.Mutex
	accepted []int64
	refused  []int
	commits  int
}

func (m *countMetrics) Accepted(n int64) {
	m.mu.Lock()
	m.accepted = append(m.accepted, n)
	m.mu.Unlock()
}

func (m *countMetrics) Refused(code int) {
	m.mu.Lock()
	m.refused = append(m.refused, code)
	m.mu.Unlock()
}

func (m *countMetrics) Committed(time.Duration) {
	m.mu.Lock()
	m.commits++
	m.mu.Unlock()
}

// TestMetricsCount delivers one message and refuses one: Metrics hears one
// acceptance of the message's bytes, one 452 and one commit.
func TestMetricsCount(t *testing.T) {
	m := &countMetrics{}
	addr, _, _ := start(t, journal.Options{}, Config{MaxSize: 100, Metrics: m})
	c := hello(t, addr, "EHLO")
	msg := "Subject: m\r\n\r\nbody\r\n" // 20 bytes
	if r := c.send("a@x.example", []string{"b@y.example"}, msg+".\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatal(r)
	}
	if r := c.cmd("MAIL FROM:<a@x.example> SIZE=1000\r\n"); !strings.HasPrefix(r, "452") {
		t.Fatal(r)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.accepted) != 1 || m.accepted[0] != int64(len(msg)) || len(m.refused) != 1 || m.refused[0] != 452 || m.commits != 1 {
		t.Errorf("accepted %v, refused %v, commits %d; want [%d], [452], 1", m.accepted, m.refused, m.commits, len(msg))
	}
}
