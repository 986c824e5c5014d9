package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/postfixtest"
)

// Postfix as the real upstream MTA (issue 11): a private Postfix instance
// relays to `archiver serve` through transport_maps, over SMTP and over its
// LMTP client to `serve --lmtp`. Every test ends with pfRig.finish: what
// Postfix got a 250 for is in the journal byte-exact, once, and the log has
// no bounce and no 5xx for a message archiver could store later.

var pfProtos = []string{"smtp", "lmtp"}

// TestPostfixDelivers: plain mail (two recipients, lines that need dot
// stuffing), 8-bit mail (BODY=8BITMIME) and SMTPUTF8 mail (a UTF-8 local
// part in both envelope addresses and in the headers), injected with
// Postfix's sendmail, and plain mail submitted to Postfix's smtpd, reach
// the journal byte-exact. Postfix downgrades
// 8-bit mail to quoted-printable for a server that offers neither 8BITMIME
// nor SMTPUTF8 (which implies it), and bounces SMTPUTF8 mail: with both
// keywords dropped (smtp_discard_ehlo_keywords), this test fails.
func TestPostfixDelivers(t *testing.T) {
	for _, proto := range pfProtos {
		t.Run(proto, func(t *testing.T) {
			r := newPFRig(t, proto, nil)
			r.startServe()
			plain := pfMessage("plain@pf.test", "alice@origin.example", "bob@acme.example", nil,
				"Plain text.", ".a line starting with a dot", "..two dots", ".", "a lone dot above, and trailing spaces  ", "", "end")
			r.send("plain@pf.test", "alice@origin.example", []string{"bob@acme.example", "carol@acme.example"}, plain)
			eight := pfMessage("8bit@pf.test", "alice@origin.example", "bob@acme.example",
				[]string{"MIME-Version: 1.0", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 8bit"},
				"Gr\xfc\xdfe aus K\xf6ln, 100 \xa4 \xe9t\xe9", "\xff\xfe\x80 high bytes stay as they are")
			r.send("8bit@pf.test", "alice@origin.example", []string{"bob@acme.example"}, eight, "-B", "8BITMIME")
			utf8 := pfMessage("utf8@pf.test", "jörg@origin.example", "søren@acme.example",
				[]string{"MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "Cc: Zoë <zoë@acme.example>"},
				"Grüße, 100 €, 日本語")
			r.send("utf8@pf.test", "jörg@origin.example", []string{"søren@acme.example", "zoë@acme.example"}, utf8)
			smtpIn := pfMessage("smtp-in@pf.test", "alice@origin.example", "bob@acme.example", nil, "Submitted over SMTP.", ".dot", "end")
			r.submit("smtp-in@pf.test", "alice@origin.example", []string{"bob@acme.example"}, smtpIn)
			r.waitDelivered("plain@pf.test", "8bit@pf.test", "utf8@pf.test", "smtp-in@pf.test")
			got := r.finish()
			for id, n := range map[string]int{"plain@pf.test": 2, "8bit@pf.test": 1, "utf8@pf.test": 2, "smtp-in@pf.test": 1} {
				if len(got[id]) != 1 || len(got[id][0].Receipts) != 1 || len(got[id][0].Receipts[0].Envelope.RcptTo) != n {
					t.Errorf("message %s: want one record for tenant acme with %d recipients, got %+v", id, n, got[id])
				} else if got[id][0].Tenant != "acme" {
					t.Errorf("message %s stored for tenant %q, want acme", id, got[id][0].Tenant)
				}
			}
			if rs := got["utf8@pf.test"]; len(rs) == 1 && rs[0].Receipts[0].Envelope.MailFrom != "jörg@origin.example" {
				t.Errorf("SMTPUTF8 sender stored as %q", rs[0].Receipts[0].Envelope.MailFrom)
			}
		})
	}
}

// TestPostfixMaxSize: with serve --max-size 64K, a message just under the
// limit (as relayed, Postfix's Received: included) is archived; one over it
// is not, and Postfix's log says why. Whether archiver refuses it (452
// 4.3.4, kept queued) or Postfix does before sending (its SIZE check against
// the limit archiver advertises) is not fixed here; archiver must never
// answer 5xx for anything but that oversize message.
func TestPostfixMaxSize(t *testing.T) {
	const limit = 64 << 10
	for _, proto := range pfProtos {
		t.Run(proto, func(t *testing.T) {
			r := newPFRig(t, proto, nil)
			r.startServe("--max-size", "64K")
			// Postfix's Received: for sendmail mail is about 120 bytes.
			under := pfFill(pfMessage("under@pf.test", "alice@origin.example", "bob@acme.example", nil), limit-200)
			over := pfFill(pfMessage("over@pf.test", "alice@origin.example", "bob@acme.example", nil), limit+1)
			r.send("under@pf.test", "alice@origin.example", []string{"bob@acme.example"}, under)
			r.send("over@pf.test", "alice@origin.example", []string{"bob@acme.example"}, over)
			r.waitDelivered("under@pf.test")
			l := r.waitLog("a refusal of over@pf.test", func(l *postfixtest.Log) bool {
				m := r.queued(l, "over@pf.test")
				return m != nil && slices.ContainsFunc(m.Attempts, func(a postfixtest.Attempt) bool {
					return a.Status == "bounced" || (a.Status == "deferred" && a.Reply() != "")
				})
			})
			m := r.queued(l, "over@pf.test")
			for _, a := range m.Attempts {
				t.Logf("over@pf.test: %s", a.Line)
				if a.Status == "sent" {
					t.Errorf("a message over --max-size was delivered: %s", a.Line)
				}
				if !strings.Contains(strings.ToLower(a.Reason), "size") && !strings.Contains(a.Reason, ".3.4") {
					t.Errorf("Postfix's reason does not name the size: %s", a.Line)
				}
				if strings.HasPrefix(a.Reply(), "5") && a.DSN != "5.3.4" {
					t.Errorf("archiver refused oversize mail with a 5xx other than 5.3.4: %s", a.Line)
				}
			}
			got := r.finish("over@pf.test")
			if rs := got["under@pf.test"]; len(rs) == 1 && (rs[0].Size > limit || rs[0].Size < limit-256) {
				t.Errorf("under@pf.test stored %d bytes; the test wants it just under the %d-byte limit", rs[0].Size, limit)
			}
		})
	}
}

// pfFill pads msg with 70-byte body lines (under Postfix's 998-byte
// smtp_line_length_limit) to exactly size bytes.
func pfFill(msg []byte, size int) []byte {
	line := "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 fill\r\n"
	for len(msg)+len(line) <= size-len("x\r\n") {
		msg = append(msg, line...)
	}
	msg = append(msg, strings.Repeat("x", size-len(msg)-2)...)
	return append(msg, "\r\n"...)
}

// TestPostfixQueuesWhileRefused: while serve answers 4xx (a free-space
// watermark the disk cannot meet) and while it is down (connection
// refused), Postfix keeps the mail queued with that reason; after serve
// restarts normally, postqueue -f delivers each message exactly once.
func TestPostfixQueuesWhileRefused(t *testing.T) {
	for _, proto := range pfProtos {
		t.Run(proto, func(t *testing.T) {
			r := newPFRig(t, proto, nil)
			r.startServe("--min-free", "1000T")
			low := []string{"low-1@pf.test", "low-2@pf.test"}
			for _, id := range low {
				r.send(id, "alice@origin.example", []string{"bob@acme.example", "carol@acme.example"},
					pfMessage(id, "alice@origin.example", "bob@acme.example", nil, "queued while the archive disk is low"))
			}
			refused := func(id, want string) func(*postfixtest.Log) bool {
				return func(l *postfixtest.Log) bool {
					m := r.queued(l, id)
					return m != nil && slices.ContainsFunc(m.Attempts, func(a postfixtest.Attempt) bool {
						return a.Status == "deferred" && strings.Contains(a.Reason, want)
					})
				}
			}
			for _, id := range low {
				r.waitLog(id+" deferred with a 4xx from archiver", refused(id, " said: 4"))
			}
			r.checkQueued(low, " said: 4")

			r.stopServe() // the journal is down
			r.send("down@pf.test", "alice@origin.example", []string{"bob@acme.example"},
				pfMessage("down@pf.test", "alice@origin.example", "bob@acme.example", nil, "queued while archiver is down"))
			r.waitLog("down@pf.test deferred with connection refused", refused("down@pf.test", "Connection refused"))
			r.checkQueued([]string{"down@pf.test"}, "Connection refused")
			r.checkQueued(low, "")

			r.startServe()
			r.pf.Flush(t)
			l := r.waitDelivered(append(low, "down@pf.test")...)
			for _, id := range append(low, "down@pf.test") {
				for _, a := range r.queued(l, id).Attempts {
					if a.Status != "sent" && a.Status != "deferred" {
						t.Errorf("%s: %s", id, a.Line)
					}
				}
			}
			r.finish()
		})
	}
}

// checkQueued asserts that postqueue -j lists every message of ids, each
// recipient with a delay reason containing want. It polls: showq gives no
// reason for a message while it sits in the active queue for a retry.
func (r *pfRig) checkQueued(ids []string, want string) {
	r.t.Helper()
	var problems []string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		q := r.pf.Queue(r.t)
		l := r.pf.Log(r.t)
		problems = nil
		for _, id := range ids {
			m := r.queued(l, id)
			if m == nil {
				r.t.Fatalf("%s was never queued", id)
			}
			e, ok := q[m.QueueID]
			if !ok || len(e.Recipients) == 0 {
				problems = append(problems, fmt.Sprintf("%s (queue ID %s) is not in Postfix's queue: %+v", id, m.QueueID, q))
				continue
			}
			for _, rc := range e.Recipients {
				if !strings.Contains(rc.DelayReason, want) {
					problems = append(problems, fmt.Sprintf("%s: queued (%s) for %s with reason %q, want it to contain %q", id, e.QueueName, rc.Address, rc.DelayReason, want))
				}
			}
		}
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("Postfix's queue after 30s:\n%s", strings.Join(problems, "\n"))
		}
	}
}
