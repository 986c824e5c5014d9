package smtpd

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// corpusFiles lists the shared corpus: every message in the long test and
// under CI=true, every 15th with -short.
func corpusFiles(t *testing.T) []string {
	root := testtool.Corpus(t)
	every := 1
	if testing.Short() && !testtool.InCI() {
		every = 15
	}
	var out []string
	i := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, ".md") {
			return err
		}
		if i%every == 0 {
			out = append(out, p)
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertSentStored checks that the journal holds exactly the messages in
// the client's recorded byte stream (clientBodies: the text after each
// DATA unstuffed by refUnstuff, or the BDAT chunks), and that there are n.
func assertSentStored(t *testing.T, j *journal.Journal, stream []byte, n int) {
	t.Helper()
	bodies := clientBodies(t, stream)
	if len(bodies) != n {
		t.Fatalf("client stream holds %d messages, %d were sent", len(bodies), n)
	}
	want := map[[32]byte]bool{}
	for _, b := range bodies {
		want[sha256.Sum256(b)] = true
	}
	assertStored(t, j, want)
}

// assertStored checks the journal holds exactly the bodies in want.
func assertStored(t *testing.T, j *journal.Journal, want map[[32]byte]bool) {
	t.Helper()
	got := journaltest.Bodies(t, j)
	missing := 0
	for h := range want {
		if _, ok := got[h]; !ok {
			missing++
		}
	}
	if missing > 0 || len(got) != len(want) {
		t.Errorf("journal holds %d distinct bodies, sent %d; %d sent bodies not stored", len(got), len(want), missing)
	}
}

// TestGoSMTPClientDeliversCorpus sends every corpus message, raw, with
// go-smtp's client and checks the stored bodies equal what the client put
// on the wire, unstuffed (its dot-writer also turns bare LF into CRLF and
// adds a final CRLF; the recorded bytes are the truth).
func TestGoSMTPClientDeliversCorpus(t *testing.T) {
	files := corpusFiles(t)
	addr, j, _ := start(t, journal.Options{}, Config{})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	rc := &recConn{Conn: nc}
	c := gosmtp.NewClient(rc)
	defer c.Close()
	if err := c.Hello("gosmtp.example"); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Mail("sender@x.example", nil); err != nil {
			t.Fatalf("%s: MAIL: %v", f, err)
		}
		if err := c.Rcpt("rcpt@y.example", &gosmtp.RcptOptions{Notify: []gosmtp.DSNNotify{gosmtp.DSNNotifyNever}}); err != nil {
			t.Fatalf("%s: RCPT: %v", f, err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatalf("%s: DATA: %v", f, err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("%s: end of data: %v", f, err)
		}
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	assertSentStored(t, j, rc.out.Bytes(), len(files))
	t.Logf("%d messages, %d bytes on the wire", len(files), rc.out.Len())
}

// smtplibScript sends files raw with smtplib (which dot-stuffs after
// every LF and adds a final CRLF) and records every byte it sends.
const smtplibScript = `
import smtplib, sys
host, port, listfile, recfile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rec = open(recfile, "wb")
class Recording(smtplib.SMTP):
    def send(self, s):
        if isinstance(s, str):
            s = s.encode("ascii")
        rec.write(s)
        super().send(s)
s = Recording(host, port)
s.ehlo("python.example")
for path in open(listfile).read().split("\n"):
    if not path:
        continue
    data = open(path, "rb").read()
    s.mail("sender@x.example")
    s.rcpt("rcpt@y.example")
    try:
        code, _ = s.data(data)
    except smtplib.SMTPDataError as e:
        code = e.smtp_code
    print(code)
s.quit()
rec.close()
`

// TestPythonSmtplibDeliversCorpus sends every corpus message as raw bytes
// with Python's smtplib and checks the stored bodies equal the bytes
// smtplib sent, unstuffed.
func TestPythonSmtplibDeliversCorpus(t *testing.T) {
	py := testtool.Require(t, "python3")
	files := corpusFiles(t)
	addr, j, _ := start(t, journal.Options{}, Config{})
	dir := t.TempDir()
	listFile, script, recFile := filepath.Join(dir, "list"), filepath.Join(dir, "send.py"), filepath.Join(dir, "sent")
	os.WriteFile(listFile, []byte(strings.Join(files, "\n")), 0o600)
	os.WriteFile(script, []byte(smtplibScript), 0o600)
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.CommandContext(t.Context(), py, script, host, port, listFile, recFile).CombinedOutput()
	if err != nil {
		t.Fatalf("smtplib: %v\n%s", err, out)
	}
	codes := strings.Fields(string(out))
	if len(codes) != len(files) {
		t.Fatalf("%d replies for %d messages:\n%s", len(codes), len(files), out)
	}
	for i, c := range codes {
		if c != "250" {
			t.Errorf("%s: reply %s", files[i], c)
		}
	}
	sent, err := os.ReadFile(recFile)
	if err != nil {
		t.Fatal(err)
	}
	assertSentStored(t, j, sent, len(files))
	t.Logf("%d messages, %d bytes on the wire", len(files), len(sent))
}

// TestBDATDeliversCorpusByteExact sends every corpus message with BDAT
// (RFC 3030) in chunks of 1, 7, 4096 octets and the rest as LAST,
// pipelined, and checks every stored body equals the file byte for byte:
// BDAT has no stuffing and no line-ending rules.
func TestBDATDeliversCorpusByteExact(t *testing.T) {
	files := corpusFiles(t)
	addr, j, _ := start(t, journal.Options{}, Config{})
	c := hello(t, addr, "EHLO")
	want := map[[32]byte]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want[sha256.Sum256(b)] = true
		c.c.SetDeadline(time.Now().Add(30 * time.Second)) // per message: the corpus takes minutes under -race
		var w bytes.Buffer
		w.WriteString("MAIL FROM:<sender@x.example> BODY=BINARYMIME\r\nRCPT TO:<rcpt@y.example>\r\n")
		replies := 2
		rest := b
		for _, n := range []int{1, 7, 4096} {
			if len(rest) > n {
				fmt.Fprintf(&w, "BDAT %d\r\n%s", n, rest[:n])
				rest = rest[n:]
				replies++
			}
		}
		fmt.Fprintf(&w, "BDAT %d LAST\r\n%s", len(rest), rest)
		if _, err := c.c.Write(w.Bytes()); err != nil {
			t.Fatal(err)
		}
		for range replies {
			if r := c.reply(); !strings.HasPrefix(r, "250") {
				t.Fatalf("%s: %s", f, r)
			}
		}
		if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 Stored") {
			t.Fatalf("%s: BDAT LAST: %s", f, r)
		}
	}
	assertStored(t, j, want)
}

// TestSwaksDelivers: swaks sends a message whose lines start with dots;
// the stored bytes equal what swaks transmitted before the terminating
// "." line (swaks dot-stuffs, the server unstuffs; swaks always writes
// "\r\n.\r\n" after the file, so the file is given without a final CRLF).
// It runs plain, with PIPELINING, and with STARTTLS on a server that
// requires it; the TLS receipt says so.
func TestSwaksDelivers(t *testing.T) {
	swaks := testtool.Require(t, "swaks")
	for _, tc := range []struct {
		name  string
		flags []string
		cfg   Config
	}{
		{"plain", nil, Config{}},
		{"pipeline", []string{"--pipeline"}, Config{}},
		{"starttls", []string{"--tls"}, Config{TLS: selfSigned(t), RequireTLS: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, j, _ := start(t, journal.Options{}, tc.cfg)
			msg := []byte("From: a@x.example\r\nTo: b@y.example\r\nSubject: swaks " + tc.name + "\r\n\r\n.leading dot\r\n..two\r\n.\r\nend\r\n")
			p := filepath.Join(t.TempDir(), "msg.eml")
			os.WriteFile(p, bytes.TrimSuffix(msg, []byte("\r\n")), 0o600)
			args := append([]string{"--server", addr, "--from", "a@x.example", "--to", "b@y.example",
				"--data", "@" + p, "--suppress-data"}, tc.flags...)
			out, err := exec.CommandContext(t.Context(), swaks, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("swaks: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "<-  250 2.0.0 Stored") && !strings.Contains(string(out), "<~  250 2.0.0 Stored") {
				t.Errorf("swaks saw no 250 for the message:\n%s", out)
			}
			if len(tc.flags) > 0 && tc.flags[0] == "--pipeline" && !strings.Contains(string(out), "PIPELINING") {
				t.Errorf("swaks did not see PIPELINING:\n%s", out)
			}
			assertStored(t, j, map[[32]byte]bool{sha256.Sum256(msg): true})
			m := journaltest.Bodies(t, j)[sha256.Sum256(msg)]
			if wantTLS := tc.cfg.TLS != nil; len(m.Receipts) != 1 || m.Receipts[0].Envelope.TLS != wantTLS {
				t.Errorf("receipts %+v, want one with TLS %v", m.Receipts, wantTLS)
			}
		})
	}
}

// TestSwaksLMTPPerRecipient: swaks over LMTP with three recipients sees
// three 250 replies after the data.
func TestSwaksLMTPPerRecipient(t *testing.T) {
	swaks := testtool.Require(t, "swaks")
	addr, j, _ := start(t, journal.Options{}, Config{LMTP: true})
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.CommandContext(t.Context(), swaks, "--protocol", "LMTP", "--server", host, "--port", port,
		"--from", "a@x.example", "--to", "b@y.example,c@y.example,d@y.example",
		"--data", "Subject: lmtp\r\n\r\nbody").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "<-  250 2.0.0 Stored"); n != 3 {
		t.Errorf("swaks saw %d per-recipient 250 replies, want 3:\n%s", n, out)
	}
	if got := journaltest.Bodies(t, j); len(got) != 1 {
		t.Errorf("%d messages stored, want 1", len(got))
	}
}
