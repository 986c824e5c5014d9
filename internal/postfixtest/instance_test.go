package postfixtest

import (
	"testing"
	"time"
)

// TestInstanceDiscards: a started instance accepts mail from sendmail,
// logs it to its maillog (the discard default transport), shows an empty
// queue afterwards, and leaves no process behind when stopped.
func TestInstanceDiscards(t *testing.T) {
	var p *Instance
	t.Run("run", func(t *testing.T) {
		p = Start(t, Options{})
		if len(p.processes()) == 0 {
			t.Fatal("no process runs with this instance's MAIL_CONFIG")
		}
		p.Sendmail(t, "alice@origin.example", []string{"bob@elsewhere.example"},
			[]byte("From: alice@origin.example\nTo: bob@elsewhere.example\nMessage-ID: <inst-1@test>\nSubject: t\n\nhi\n"))
		deadline := time.Now().Add(20 * time.Second)
		for {
			ms := p.Log(t).ByMessageID("inst-1@test")
			if len(ms) == 1 && ms[0].Removed && len(ms[0].Attempts) == 1 {
				a := ms[0].Attempts[0]
				if a.Program != "discard" || a.Status != "sent" || a.To != "bob@elsewhere.example" {
					t.Fatalf("attempt %+v, want sent by discard", a)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no discard of inst-1 within 20s; maillog:\n%s", p.tail())
			}
			time.Sleep(50 * time.Millisecond)
		}
		if q := p.Queue(t); len(q) != 0 {
			t.Fatalf("queue after delivery: %+v", q)
		}
	})
	if p == nil {
		return
	}
	if left := p.processes(); len(left) != 0 {
		t.Fatalf("processes %v outlived the test", left)
	}
}
