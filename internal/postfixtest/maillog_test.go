package postfixtest

import "testing"

// Lines as Postfix 3.7 writes them to maillog_file.
const sampleLog = `Dec 03 17:34:23 mta postfix/master[16991]: daemon started -- version 3.7.11, configuration /tmp/pfx/conf
Dec 03 17:34:24 mta postfix/pickup[16992]: 8FE2D984331: uid=0 from=<a@origin.example>
Dec 03 17:34:24 mta postfix/cleanup[17046]: 8FE2D984331: message-id=<1@x>
Dec 03 17:34:24 mta postfix/qmgr[16993]: 8FE2D984331: from=<a@origin.example>, size=235, nrcpt=1 (queue active)
Dec 03 17:34:24 mta postfix/smtp[17053]: connect to 127.0.0.1[127.0.0.1]:42525: Connection refused
Dec 03 17:34:24 mta postfix/smtp[17053]: 8FE2D984331: to=<bob@acme.example>, relay=none, delay=0.08, delays=0.05/0.03/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:42525: Connection refused)
Dec 03 17:34:30 mta postfix/smtp[17053]: 8FE2D984331: to=<bob@acme.example>, relay=127.0.0.1[127.0.0.1]:42525, delay=6, delays=6/0/0/0, dsn=4.3.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.3.1 Archive disk below free-space watermark, try again later (in reply to end of DATA command))
Dec 03 17:34:46 mta postfix/smtp[17053]: 8FE2D984331: to=<bob@acme.example>, relay=127.0.0.1[127.0.0.1]:42525, delay=22, delays=22/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)
Dec 03 17:34:46 mta postfix/qmgr[16993]: 8FE2D984331: removed
Dec 03 17:35:28 mta postfix/cleanup[17046]: DD61D984CC4: message-id=<3@x>
Dec 03 17:35:28 mta postfix/qmgr[16993]: DD61D984CC4: from=<jörg@origin.example>, size=70341, nrcpt=1 (queue active)
Dec 03 17:35:28 mta postfix/smtp[17053]: DD61D984CC4: to=<jörg@acme.example>, orig_to=<j@acme.example>, relay=127.0.0.1[127.0.0.1]:42525, delay=0.02, delays=0.01/0/0/0.01, dsn=5.3.4, status=bounced (message size 70341 exceeds size limit 65536 of server 127.0.0.1[127.0.0.1])
`

func TestParseLog(t *testing.T) {
	l := ParseLog([]byte(sampleLog))
	if len(l.Messages) != 2 {
		t.Fatalf("%d messages, want 2", len(l.Messages))
	}
	m := l.Messages["8FE2D984331"]
	if m.MessageID != "1@x" || m.From != "a@origin.example" || m.Size != 235 || !m.Removed || len(m.Attempts) != 3 {
		t.Fatalf("first message: %+v", m)
	}
	a := m.Attempts[0]
	if a.Program != "smtp" || a.To != "bob@acme.example" || a.Relay != "none" || a.DSN != "4.4.1" || a.Status != "deferred" ||
		a.Reason != "connect to 127.0.0.1[127.0.0.1]:42525: Connection refused" || a.Reply() != "" {
		t.Errorf("refused attempt: %+v reply %q", a, a.Reply())
	}
	if r := m.Attempts[1].Reply(); r != "452 4.3.1 Archive disk below free-space watermark, try again later" {
		t.Errorf("452 attempt: reply %q", r)
	}
	if a := m.Attempts[2]; a.Status != "sent" || a.Relay != "127.0.0.1[127.0.0.1]:42525" || a.Reply() != "250 2.0.0 OK: queued" {
		t.Errorf("sent attempt: %+v reply %q", a, a.Reply())
	}
	if got := l.ByMessageID("3@x"); len(got) != 1 || got[0].QueueID != "DD61D984CC4" {
		t.Fatalf("ByMessageID(3@x): %v", got)
	}
	b := l.Messages["DD61D984CC4"]
	if b.Size != 70341 || b.Removed || len(b.Attempts) != 1 {
		t.Fatalf("second message: %+v", b)
	}
	if a := b.Attempts[0]; a.To != "jörg@acme.example" || a.Status != "bounced" || a.DSN != "5.3.4" || a.Reply() != "" {
		t.Errorf("bounce: %+v reply %q", a, a.Reply())
	}
}
