package smtpd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// replies reads n replies.
func (c *client) replies(n int) []string {
	c.t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = c.reply()
	}
	return out
}

// write sends raw bytes without reading.
func (c *client) write(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatal(err)
	}
}

func wantCodes(t *testing.T, got []string, codes ...string) {
	t.Helper()
	if len(got) != len(codes) {
		t.Fatalf("%d replies, want %d: %q", len(got), len(codes), got)
	}
	for i, code := range codes {
		if !strings.HasPrefix(got[i], code) {
			t.Errorf("reply %d = %q, want %s (all: %q)", i, got[i], code, got)
		}
	}
}

// TestPipelinedTransactions: two whole transactions and QUIT in one
// write (RFC 2920) get their replies in order and both messages are
// stored; so do two BDAT transactions in one write (RFC 3030 §4.2).
func TestPipelinedTransactions(t *testing.T) {
	addr, m := startMem(t, Config{})
	c := hello(t, addr, "EHLO")
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nRCPT TO:<c@y.example>\r\nDATA\r\none\r\n.\r\n" +
		"MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n..two\r\n.\r\n" +
		"MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nBDAT 3\r\nthrBDAT 3 LAST\r\nee\n" +
		"MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nBDAT 0 LAST\r\n" +
		"QUIT\r\n")
	wantCodes(t, c.replies(17), "250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0 Stored",
		"250 2.1.0", "250 2.1.5", "354", "250 2.0.0 Stored",
		"250 2.1.0", "250 2.1.5", "250 2.0.0 3 octets", "250 2.0.0 Stored",
		"250 2.1.0", "250 2.1.5", "250 2.0.0 Stored", "221 2.0.0")
	got := m.messages(c.c.LocalAddr().String())
	want := []string{"one\r\n", ".two\r\n", "three\n", ""}
	if len(got) != len(want) {
		t.Fatalf("stored %q, want %q", got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("message %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestDSNParametersAccepted: RCPT NOTIFY=NEVER (sent by some MTAs on
// journal copies; 504 with the copied server), ORCPT, MAIL RET and
// ENVID, SMTPUTF8 and BODY are accepted (RFC 3461, RFC 6531, RFC 6152).
func TestDSNParametersAccepted(t *testing.T) {
	addr, m := startMem(t, Config{})
	c := hello(t, addr, "EHLO")
	c.write("MAIL FROM:<a@x.example> RET=HDRS ENVID=QQ314159 BODY=8BITMIME SMTPUTF8 SIZE=12\r\n" +
		"RCPT TO:<b@y.example> NOTIFY=NEVER\r\n" +
		"RCPT TO:<c@y.example> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;c+2B@y.example\r\n" +
		"RCPT TO:<ü@y.example> notify=never\r\n" +
		"DATA\r\n")
	wantCodes(t, c.replies(5), "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354")
	if r := c.cmd("Subject: dsn\r\n\r\nx\r\n.\r\n"); !strings.HasPrefix(r, "250 2.0.0") {
		t.Fatal(r)
	}
	if len(m.envs) != 1 || strings.Join(m.envs[0].RcptTo, " ") != "b@y.example c@y.example ü@y.example" {
		t.Errorf("envelopes %+v", m.envs)
	}
	// Malformed or unknown parameters are refused; the transaction goes on.
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example> NOTIFY=NEVER,SUCCESS\r\n" +
		"RCPT TO:<b@y.example> FOO=BAR\r\nRSET\r\nMAIL FROM:<a@x.example> SIZE=x\r\n")
	wantCodes(t, c.replies(5), "250 2.1.0", "501 5.5.4", "555 5.5.4", "250 2.0.0", "501 5.5.4")
}

// TestMailWithoutHelloAccepted: MAIL before any HELO/EHLO is accepted, as
// Postfix does, and logged; the message is stored with an empty HELO.
func TestMailWithoutHelloAccepted(t *testing.T) {
	var logs syncBuffer
	addr, m := startMem(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := dial(t, addr)
	c.reply()
	if r := c.send("a@x.example", []string{"b@y.example"}, "Subject: no helo\r\n\r\nx\r\n.\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatalf("DATA without HELO: %s", r)
	}
	if len(m.envs) != 1 || m.envs[0].Helo != "" {
		t.Errorf("envelopes %+v, want one with no HELO", m.envs)
	}
	if !strings.Contains(logs.String(), "MAIL without HELO") {
		t.Errorf("no log line for MAIL without HELO:\n%s", logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLMTPRepliesPerAcceptedRecipient: after DATA, LMTP answers once per
// accepted recipient in RCPT order; a refused RCPT gets no reply there
// (RFC 2033 §4.2). HELO/EHLO are not LMTP.
func TestLMTPRepliesPerAcceptedRecipient(t *testing.T) {
	addr, m := startMem(t, Config{LMTP: true})
	c := dial(t, addr)
	if r := c.reply(); !strings.Contains(r, "LMTP") {
		t.Errorf("greeting %q does not say LMTP", r)
	}
	if r := c.cmd("EHLO x.example\r\n"); !strings.HasPrefix(r, "500") {
		t.Errorf("EHLO over LMTP: %q, want 500", r)
	}
	if r := c.cmd("LHLO x.example\r\n"); !strings.Contains(r, "CHUNKING") {
		t.Errorf("LHLO: %q", r)
	}
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nRCPT TO:<>\r\nRCPT TO:<c@y.example>\r\nDATA\r\n")
	wantCodes(t, c.replies(5), "250", "250", "501", "250", "354")
	c.write("Subject: lmtp\r\n\r\nx\r\n.\r\nNOOP\r\n")
	wantCodes(t, c.replies(3), "250 2.0.0 Stored", "250 2.0.0 Stored", "250 2.0.0 OK")
	// BDAT LAST answers per recipient too.
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nRCPT TO:<c@y.example>\r\nBDAT 2 LAST\r\nhiNOOP\r\n")
	wantCodes(t, c.replies(5), "250", "250", "250", "250 2.0.0 Stored", "250 2.0.0 Stored")
	c.reply()
	// BDAT without recipients gets one reply, not none.
	c.write("MAIL FROM:<a@x.example>\r\nBDAT 2 LAST\r\nhiNOOP\r\n")
	wantCodes(t, c.replies(3), "250", "503 5.5.1", "250 2.0.0 OK")
	if len(m.envs) != 2 || m.envs[0].Protocol != "lmtp" {
		t.Errorf("envelopes %+v", m.envs)
	}
}

// TestTimeoutsAnswer421: an idle client and a client stalled in DATA or
// BDAT get 421 4.4.2 and the connection is closed (RFC 5321 §4.5.3.2);
// nothing is stored from a stalled message.
func TestTimeoutsAnswer421(t *testing.T) {
	addr, m := startMem(t, Config{CommandTimeout: 300 * time.Millisecond, DataBlockTimeout: 300 * time.Millisecond})
	for _, tc := range []struct{ name, send string }{
		{"idle", ""},
		{"data", "MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\nSubject: stalled\r\n"},
		{"bdat", "MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nBDAT 100 LAST\r\nSubject: stalled\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := hello(t, addr, "EHLO")
			t0 := time.Now()
			c.write(tc.send)
			var last string
			for {
				l, err := c.br.ReadString('\n')
				if err != nil {
					break
				}
				last = l
			}
			if !strings.HasPrefix(last, "421 4.4.2") {
				t.Errorf("last reply %q, want 421 4.4.2 then close", last)
			}
			if d := time.Since(t0); d < 250*time.Millisecond || d > 10*time.Second {
				t.Errorf("closed after %v, want about 300ms", d)
			}
		})
	}
	if len(m.envs) != 0 {
		t.Errorf("stored %d messages from stalled clients", len(m.envs))
	}
}

// TestLimits: an over-long command line gets 500 5.5.2 and the session
// goes on; recipients past MaxRecipients get 452 4.5.3 (RFC 5321
// §4.5.3.1.10) and the message is stored for those accepted.
func TestLimits(t *testing.T) {
	addr, m := startMem(t, Config{MaxRecipients: 2})
	c := hello(t, addr, "EHLO")
	if r := c.cmd("NOOP %s\r\n", strings.Repeat("x", DefaultMaxLineLength)); !strings.HasPrefix(r, "500 5.5.2") {
		t.Errorf("long line: %q", r)
	}
	if r := c.cmd("NOOP %s\r\n", strings.Repeat("x", DefaultMaxLineLength-7)); !strings.HasPrefix(r, "250") {
		t.Errorf("line of exactly the limit: %q", r)
	}
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nRCPT TO:<c@y.example>\r\nRCPT TO:<d@y.example>\r\nDATA\r\n")
	wantCodes(t, c.replies(5), "250", "250", "250", "452 4.5.3", "354")
	if r := c.cmd("x\r\n.\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatal(r)
	}
	if len(m.envs) != 1 || len(m.envs[0].RcptTo) != 2 {
		t.Errorf("envelopes %+v, want one with 2 recipients", m.envs)
	}
}

// TestBDATRules: BDAT without MAIL is refused but its octets are read
// (the next command works); DATA cannot follow BDAT in a transaction; an
// oversize BDAT message gets 452 4.3.4 for the chunk that crossed the
// limit and every later chunk, then the session goes on; a malformed
// BDAT size ends the connection (its octets cannot be found).
func TestBDATRules(t *testing.T) {
	addr, m := startMem(t, Config{MaxSize: 10})
	c := hello(t, addr, "EHLO")
	c.write("BDAT 4\r\nNOOPNOOP\r\n")
	wantCodes(t, c.replies(2), "503 5.5.1", "250 2.0.0 OK")
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nBDAT 2\r\nabDATA\r\nRSET\r\n")
	wantCodes(t, c.replies(5), "250", "250", "250", "503 5.5.1", "250")
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nBDAT 8\r\n12345678BDAT 8\r\n12345678BDAT 1 LAST\r\nx" +
		"MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nBDAT 10 LAST\r\n1234567890")
	wantCodes(t, c.replies(8), "250", "250", "250 2.0.0 8 octets", "452 4.3.4", "452 4.3.4", "250", "250", "250 2.0.0 Stored")
	if len(m.alarms) != 1 || m.alarms[0].Kind != "oversize" {
		t.Errorf("alarms %+v, want one oversize", m.alarms)
	}
	if got := m.messages(c.c.LocalAddr().String()); len(got) != 1 || string(got[0]) != "1234567890" {
		t.Errorf("stored %q, want the 10-byte message only", got)
	}
	if r := c.cmd("BDAT x\r\n"); !strings.HasPrefix(r, "501 5.5.4") {
		t.Errorf("BDAT x: %q", r)
	}
	if _, err := c.br.ReadString('\n'); err == nil {
		t.Error("connection still open after a malformed BDAT")
	}
}

// TestSTARTTLSDiscardsPipelinedPlaintext: commands pipelined after
// STARTTLS in plaintext are not run under TLS (RFC 3207 §4.2); the
// session starts over after the handshake.
func TestSTARTTLSDiscardsPipelinedPlaintext(t *testing.T) {
	addr, m := startMem(t, Config{TLS: selfSigned(t)})
	c := hello(t, addr, "EHLO")
	c.write("MAIL FROM:<a@x.example>\r\nSTARTTLS\r\nRCPT TO:<injected@y.example>\r\n")
	wantCodes(t, c.replies(2), "250", "220 2.0.0")
	tc := tls.Client(c.c, &tls.Config{InsecureSkipVerify: true})
	c.c, c.br = tc, bufio.NewReader(tc)
	if r := c.cmd("EHLO x.example\r\n"); strings.Contains(r, "STARTTLS") || !strings.HasPrefix(r, "250") {
		t.Errorf("EHLO under TLS: %q", r)
	}
	if r := c.cmd("RCPT TO:<b@y.example>\r\n"); !strings.HasPrefix(r, "503") {
		t.Errorf("RCPT after STARTTLS without a new MAIL: %q, want 503", r)
	}
	if r := c.send("a@x.example", []string{"b@y.example"}, "x\r\n.\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatal(r)
	}
	if len(m.envs) != 1 || !m.envs[0].TLS || len(m.envs[0].RcptTo) != 1 {
		t.Errorf("envelopes %+v, want one TLS delivery to b@y.example", m.envs)
	}
}

// TestCloseAnswers421: a client idle when the server closes gets 421 4.3.2.
func TestCloseAnswers421(t *testing.T) {
	s, err := NewWithStore(newMemStore(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), l) }()
	c := hello(t, l.Addr().String(), "EHLO")
	s.Close()
	if r := c.reply(); !strings.HasPrefix(r, "421 4.3.2") {
		t.Errorf("after Close: %q, want 421 4.3.2", r)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// panicStore panics in Begin once, as a bug in the delivery path would.
type panicStore struct {
	*memStore
	once sync.Once
}

func (p *panicStore) Begin(ctx context.Context, env journal.Envelope) (Delivery, error) {
	p.once.Do(func() { panic("injected") })
	return p.memStore.Begin(ctx, env)
}

// TestPanicInConnectionKeepsServing: a panic serving one client closes
// that connection without a 250 and raises an alarm; the next client is
// served.
func TestPanicInConnectionKeepsServing(t *testing.T) {
	ps := &panicStore{memStore: newMemStore()}
	addr := serveStore(t, ps, Config{})
	c := hello(t, addr, "EHLO")
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n")
	if rest, _ := io.ReadAll(c.br); strings.Contains(string(rest), "354") {
		t.Errorf("the panicking connection answered %q", rest)
	}
	c2 := hello(t, addr, "EHLO")
	if r := c2.send("a@x.example", []string{"b@y.example"}, "x\r\n.\r\n"); !strings.HasPrefix(r, "250") {
		t.Errorf("next client: %q", r)
	}
	// The alarm is raised by the panicking connection's goroutine, which
	// may still be unwinding when the next client is served: wait for it.
	var alarms []journal.Alarm
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ps.mu.Lock()
		alarms = append([]journal.Alarm(nil), ps.alarms...)
		ps.mu.Unlock()
		if len(alarms) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(alarms) != 1 || alarms[0].Kind != "receiver-panic" {
		t.Errorf("alarms %+v, want one receiver-panic", alarms)
	}
}

// hangStore's commits never finish on their own: they return when the
// context given to Commit is done, as a hung disk would with a journal
// that honours it.
type hangStore struct{ *memStore }

func (h hangStore) Begin(ctx context.Context, env journal.Envelope) (Delivery, error) {
	return hangDelivery{}, nil
}

type hangDelivery struct{}

func (hangDelivery) Write(p []byte) (int, error) { return len(p), nil }
func (hangDelivery) Abort() error                { return nil }
func (hangDelivery) Commit(ctx context.Context) ([]journal.Stored, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestDataTerminationAnswers451: a commit not done within DataTermination
// is answered 451 4.3.0 (RFC 5321 §4.5.3.2.6: the client gives up after
// 10 minutes anyway) and the session goes on.
func TestDataTerminationAnswers451(t *testing.T) {
	addr := serveStore(t, hangStore{newMemStore()}, Config{DataTermination: 200 * time.Millisecond})
	c := hello(t, addr, "EHLO")
	t0 := time.Now()
	if r := c.send("a@x.example", []string{"b@y.example"}, "x\r\n.\r\n"); !strings.HasPrefix(r, "451 4.3.0") {
		t.Errorf("hung commit: %q, want 451 4.3.0", r)
	}
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Errorf("answered after %v, before DataTermination", d)
	}
	if r := c.cmd("NOOP\r\n"); !strings.HasPrefix(r, "250") {
		t.Errorf("NOOP after: %q", r)
	}
}
