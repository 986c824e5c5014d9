package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/postfixtest"
	"github.com/archiver/archiver/journal"
)

// pfRig is Postfix in front of `archiver serve`: a private Postfix instance
// (internal/postfixtest) whose transport_maps send the test domains to one
// serve on a fixed loopback port, over SMTP or, with proto "lmtp", with
// Postfix's LMTP client to `serve --lmtp`.
//
// "Byte-exact" here: the bytes archiver stores for a message are the message
// as Postfix relays it, which is the message handed to Postfix (sendmail or
// smtpd) in SMTP form (every line ending in CRLF) with Postfix's own
// Received: header prepended. So a stored message must be PREFIX + SENT,
// where SENT is the submitted message byte for byte, PREFIX holds only
// Received: header fields, the first naming the queue ID Postfix logged,
// and the stored length equals the size= Postfix logged for that queue ID
// (RFC 1870's count, CRLF included).
type pfRig struct {
	t     *testing.T
	proto string // "smtp" or "lmtp"
	data  string // archiver's data directory
	addr  string // serve's fixed address, what the transport names
	serve *exec.Cmd
	pf    *postfixtest.Instance
	sent  map[string][]byte // Message-ID → the message in SMTP form, as submitted
}

// newPFRig inits a data directory with tenant acme (acme.example), picks a
// free port for serve, and starts Postfix routing acme.example there with
// the extra main.cf parameters main. serve is not started.
func newPFRig(t *testing.T, proto string, main map[string]string) *pfRig {
	t.Helper()
	return newPFRigConf(t, proto, map[string]string{"acme": "acme.example"}, func(addr string) postfixtest.Options {
		m := map[string]string{"transport_maps": "texthash:$config_directory/transport"}
		for k, v := range main {
			m[k] = v
		}
		return postfixtest.Options{Main: m, Files: map[string]string{"transport": "acme.example " + pfNexthop(proto, addr) + "\n"}}
	})
}

// newPFRigConf inits a data directory with the tenants given (name →
// domain), picks a free port for serve, and starts Postfix configured by
// conf, which gets serve's address. serve is not started.
func newPFRigConf(t *testing.T, proto string, tenants map[string]string, conf func(addr string) postfixtest.Options) *pfRig {
	t.Helper()
	r := &pfRig{t: t, proto: proto, data: filepath.Join(t.TempDir(), "data"), sent: map[string][]byte{}}
	archiver(t, 0, "init", "--data", r.data)
	for name, domain := range tenants {
		archiver(t, 0, "tenant", "add", "--data", r.data, name, "--domain", domain)
	}
	r.addr = freePort(t)
	r.pf = postfixtest.Start(t, conf(r.addr))
	return r
}

// pfNexthop is the transport_maps value that sends mail to archiver at
// addr ("127.0.0.1:PORT"), as README's Postfix section writes it.
func pfNexthop(proto, addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if proto == "lmtp" {
		return "lmtp:inet:" + host + ":" + port
	}
	return "smtp:[" + host + "]:" + port
}

// startServe starts serve on the rig's address (with --lmtp for an LMTP
// rig) and extra flags, which override startServe's defaults.
func (r *pfRig) startServe(extra ...string) {
	r.t.Helper()
	args := []string{"--listen", r.addr}
	if r.proto == "lmtp" {
		args = append(args, "--lmtp")
	}
	r.serve, _ = startServe(r.t, r.data, append(args, extra...)...)
}

// stopServe stops serve gracefully (SIGTERM) and waits for it: from then
// on Postfix gets "connection refused", and the journal can be opened here.
func (r *pfRig) stopServe() {
	r.t.Helper()
	if r.serve == nil {
		return
	}
	r.serve.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- r.serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			r.t.Errorf("serve after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(30 * time.Second):
		r.serve.Process.Kill()
		r.t.Fatal("serve did not stop within 30s of SIGTERM")
	}
	r.serve = nil
}

// pfMessage builds a test message in SMTP form: fixed Date, Message-ID
// <id>, and the given extra header lines and body lines, all CRLF.
func pfMessage(id, from, to string, headers []string, body ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: <%s>\r\nTo: <%s>\r\nSubject: postfix interop %s\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\n", from, to, id, id)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	for _, l := range body {
		b.WriteString(l + "\r\n")
	}
	return b.Bytes()
}

// send hands msg (SMTP form, Message-ID <id>) to the instance's sendmail
// with LF line ends, as a local program would, and records it.
func (r *pfRig) send(id, from string, to []string, msg []byte, flags ...string) {
	r.t.Helper()
	if bytes.Count(msg, []byte("\r")) != bytes.Count(msg, []byte("\n")) || bytes.Count(msg, []byte("\r\n")) != bytes.Count(msg, []byte("\n")) {
		r.t.Fatalf("message %s has a bare CR or LF; Postfix would change it", id)
	}
	if _, dup := r.sent[id]; dup {
		r.t.Fatalf("message %s sent twice", id)
	}
	r.sent[id] = msg
	r.pf.Sendmail(r.t, from, to, bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n")), flags...)
}

// submit hands msg (SMTP form, Message-ID <id>) to the instance's own
// smtpd over SMTP, as a mail client would, and records it.
func (r *pfRig) submit(id, from string, to []string, msg []byte) {
	r.t.Helper()
	if _, dup := r.sent[id]; dup {
		r.t.Fatalf("message %s sent twice", id)
	}
	r.sent[id] = msg
	if err := smtp.SendMail(r.pf.SMTPAddr, nil, from, to, msg); err != nil {
		r.t.Fatalf("submitting %s to Postfix's smtpd: %v", id, err)
	}
}

// waitLog polls Postfix's log until cond holds, failing after 60 s with
// desc, the queue and the log.
func (r *pfRig) waitLog(desc string, cond func(*postfixtest.Log) bool) *postfixtest.Log {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		l := r.pf.Log(r.t)
		if cond(l) {
			return l
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("waiting for %s: not within 60s\nqueue: %+v\nmaillog:\n%s", desc, r.pf.Queue(r.t), l.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queued returns what the log says about the message with Message-ID id
// (nil until cleanup logged it; two queue IDs fail the test).
func (r *pfRig) queued(l *postfixtest.Log, id string) *postfixtest.Message {
	r.t.Helper()
	ms := l.ByMessageID(id)
	if len(ms) > 1 {
		r.t.Fatalf("message %s was queued %d times", id, len(ms))
	}
	if len(ms) == 0 {
		return nil
	}
	return ms[0]
}

// toArchiver reports whether attempt a went to this rig's serve.
func (r *pfRig) toArchiver(a postfixtest.Attempt) bool {
	_, port, _ := net.SplitHostPort(r.addr)
	return strings.HasSuffix(a.Relay, "]:"+port)
}

// delivered reports whether every recipient of the message with
// Message-ID id got a 250 from archiver and Postfix removed it.
func (r *pfRig) delivered(l *postfixtest.Log, id string) bool {
	m := r.queued(l, id)
	if m == nil || !m.Removed {
		return false
	}
	for _, a := range m.Attempts {
		if a.Status == "sent" && r.toArchiver(a) {
			return true
		}
	}
	return false
}

// waitDelivered waits until every listed message is delivered to archiver.
func (r *pfRig) waitDelivered(ids ...string) *postfixtest.Log {
	r.t.Helper()
	return r.waitLog("delivery of "+strings.Join(ids, ", "), func(l *postfixtest.Log) bool {
		for _, id := range ids {
			if m := r.queued(l, id); m != nil {
				for _, a := range m.Attempts {
					if a.Status == "bounced" || strings.HasPrefix(a.Reply(), "5") {
						r.t.Fatalf("waiting for delivery of %s: %s\nmaillog:\n%s", id, a.Line, l.Raw)
					}
				}
			}
		}
		for _, id := range ids {
			if !r.delivered(l, id) {
				return false
			}
		}
		return true
	})
}

// pfStored is one journal record and the bytes archiver stored.
type pfStored struct {
	journal.Message
	body []byte
}

// receivedID finds the queue ID in a Postfix Received: header ("id QUEUEID").
var receivedID = regexp.MustCompile(`\bid ([0-9A-F]{6,})\b`)

// finish stops serve and proves the rig's outcome against the journal:
//   - every message Postfix logged a 250 from archiver for is stored
//     byte-exact (see pfRig) once: one record per tenant, each with one
//     receipt whose envelope (over the rig's protocol) holds every
//     recipient Postfix delivered it to, and no other;
//   - nothing else is stored (no record without a 250 in the log);
//   - every message sent is delivered, except those in undeliverable;
//   - the log has no bounce and no 5xx reply, except for undeliverable.
//
// It returns the stored records by Message-ID.
func (r *pfRig) finish(undeliverable ...string) map[string][]pfStored {
	t := r.t
	t.Helper()
	r.stopServe()
	stored := r.readJournal()
	byQID := map[string][]pfStored{}
	for _, s := range stored {
		m := receivedID.FindSubmatch(s.body)
		if m == nil {
			t.Errorf("journal %s/%d: no Postfix queue ID in its Received: header:\n%.300s", s.Tenant, s.Seq, s.body)
			continue
		}
		byQID[string(m[1])] = append(byQID[string(m[1])], s)
	}
	// The log is written through postlogd, a datagram behind the 250: wait
	// until it shows a 250 for every stored queue ID.
	l := r.waitLog("a logged 250 for every stored message", func(l *postfixtest.Log) bool {
		for qid := range byQID {
			m := l.Messages[qid]
			if m == nil || !slices.ContainsFunc(m.Attempts, func(a postfixtest.Attempt) bool { return a.Status == "sent" && r.toArchiver(a) }) {
				return false
			}
		}
		return true
	})
	out := map[string][]pfStored{}
	for qid, m := range l.Messages {
		var rcpts []string
		for _, a := range m.Attempts {
			if a.Status == "sent" && r.toArchiver(a) {
				rcpts = append(rcpts, a.To)
			}
		}
		recs := byQID[qid]
		if len(rcpts) == 0 {
			continue
		}
		want, ok := r.sent[m.MessageID]
		if !ok {
			t.Errorf("queue ID %s (message-id %q) reached archiver but this test did not send it", qid, m.MessageID)
			continue
		}
		if len(recs) == 0 {
			t.Errorf("message %s (queue ID %s) got 250 from archiver for %v but is not in the journal", m.MessageID, qid, rcpts)
			continue
		}
		// One record per tenant, each with one receipt: the transaction's
		// envelope (all its recipients, whatever their tenant).
		got := map[string]int{}
		tenants := map[string]bool{}
		for _, s := range recs {
			r.checkStored(m, s, want)
			if tenants[s.Tenant] {
				t.Errorf("message %s: two journal records for tenant %s", m.MessageID, s.Tenant)
			}
			tenants[s.Tenant] = true
			if len(s.Receipts) != 1 {
				t.Errorf("message %s: journal %s/%d has %d receipts, want 1 (delivered more than once)", m.MessageID, s.Tenant, s.Seq, len(s.Receipts))
			}
			for _, rc := range s.Receipts {
				for _, to := range rc.Envelope.RcptTo {
					got[to]++
				}
				if rc.Envelope.Protocol != r.proto {
					t.Errorf("message %s: receipt protocol %q, want %q", m.MessageID, rc.Envelope.Protocol, r.proto)
				}
			}
		}
		slices.Sort(rcpts)
		for i, to := range rcpts {
			if i > 0 && rcpts[i-1] == to {
				t.Errorf("message %s: Postfix delivered %s to archiver twice", m.MessageID, to)
			}
			if got[to] != len(recs) {
				t.Errorf("message %s: %d of %d journal records hold recipient %s; each must, once", m.MessageID, got[to], len(recs), to)
			}
		}
		for to := range got {
			if !slices.Contains(rcpts, to) {
				t.Errorf("message %s: journal envelope holds %s, which Postfix did not deliver to archiver", m.MessageID, to)
			}
		}
		out[m.MessageID] = recs
	}
	for qid, recs := range byQID {
		if m := l.Messages[qid]; m == nil || r.sent[m.MessageID] == nil {
			t.Errorf("journal %s/%d: queue ID %s is not a message this test sent", recs[0].Tenant, recs[0].Seq, qid)
		}
	}
	for id := range r.sent {
		if _, ok := out[id]; !ok && !slices.Contains(undeliverable, id) {
			t.Errorf("message %s was never delivered to archiver", id)
		}
	}
	r.scanLog(l, undeliverable)
	if t.Failed() {
		t.Logf("maillog:\n%s", l.Raw)
	}
	return out
}

// checkStored checks one record against the submitted bytes want.
func (r *pfRig) checkStored(m *postfixtest.Message, s pfStored, want []byte) {
	t := r.t
	t.Helper()
	if sha256.Sum256(s.body) != s.SHA256 || int64(len(s.body)) != s.Size {
		t.Errorf("message %s: journal %s/%d body does not match its record's SHA-256 and size", m.MessageID, s.Tenant, s.Seq)
	}
	if !bytes.HasSuffix(s.body, want) {
		t.Errorf("message %s: stored bytes do not end with the submitted message\nstored:\n%q\nsent:\n%q", m.MessageID, s.body, want)
		return
	}
	prefix := string(s.body[:len(s.body)-len(want)])
	if !strings.HasPrefix(prefix, "Received: ") || !strings.HasSuffix(prefix, "\r\n") {
		t.Errorf("message %s: stored bytes before the submitted message are not Postfix's Received: header: %q", m.MessageID, prefix)
	}
	for _, line := range strings.Split(strings.TrimSuffix(prefix, "\r\n"), "\r\n") {
		if !strings.HasPrefix(line, "Received: ") && !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " ") {
			t.Errorf("message %s: Postfix prepended %q, not a Received: field", m.MessageID, line)
		}
	}
	if !strings.Contains(prefix, "id "+m.QueueID) {
		t.Errorf("message %s: prepended header %q does not name queue ID %s", m.MessageID, prefix, m.QueueID)
	}
	if int64(len(s.body)) != m.Size {
		t.Errorf("message %s: stored %d bytes; Postfix logged size=%d for queue ID %s", m.MessageID, len(s.body), m.Size, m.QueueID)
	}
}

// scanLog fails on any bounce and any 5xx reply in the log, except for the
// messages listed in undeliverable (over --max-size: never storable).
func (r *pfRig) scanLog(l *postfixtest.Log, undeliverable []string) {
	r.t.Helper()
	for _, m := range l.Messages {
		if slices.Contains(undeliverable, m.MessageID) {
			continue
		}
		for _, a := range m.Attempts {
			if a.Status == "bounced" || a.Status == "expired" || strings.HasPrefix(a.Reply(), "5") {
				r.t.Errorf("message %s (queue ID %s): %s", m.MessageID, m.QueueID, a.Line)
			}
		}
	}
	// The same on the raw lines, so a line the parser skipped is not missed.
	for _, line := range strings.Split(l.Raw, "\n") {
		if !strings.Contains(line, "status=bounced") && !pf5xx.MatchString(line) {
			continue
		}
		if m := pfQueueID.FindStringSubmatch(line); m == nil || l.Messages[m[1]] == nil || !slices.Contains(undeliverable, l.Messages[m[1]].MessageID) {
			r.t.Errorf("the log holds a bounce or a 5xx reply: %s", line)
		}
	}
}

var (
	pf5xx     = regexp.MustCompile(` said: 5[0-9][0-9] `)
	pfQueueID = regexp.MustCompile(`\]: ([0-9A-F]{6,}): `)
)

// readJournal opens the journal in-process (serve is stopped) and reads
// every record with its body.
func (r *pfRig) readJournal() []pfStored {
	r.t.Helper()
	j, err := journal.Open(filepath.Join(r.data, "journal"), journal.Options{MinFreeBytes: -1})
	if err != nil {
		r.t.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	var out []pfStored
	err = j.Messages(ctx, "", func(m journal.Message) error {
		rc, err := j.OpenBody(ctx, m.Tenant, m.Seq)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		out = append(out, pfStored{m, b})
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}
