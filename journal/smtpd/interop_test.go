package smtpd

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// crlf returns b with every line ending CRLF and a final CRLF: what an SMTP
// client transmits for it (smtplib adds a final CRLF and dot-stuffs after
// any LF, so the test sends CRLF text to compare bytes exactly).
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		b = append(b, '\r', '\n')
	}
	return b
}

// corpusFiles lists corpus files; every nth one unless the long test runs.
func corpusFiles(t *testing.T, every int) []string {
	root := testtool.Corpus(t)
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

const smtplibScript = `
import smtplib, sys
host, port, listfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = smtplib.SMTP(host, port)
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
`

// TestPythonSmtplibDeliversCorpus sends corpus messages (CRLF-normalised)
// with Python's smtplib and checks every stored body's SHA-256 against
// the bytes sent. The whole corpus runs in the long test.
func TestPythonSmtplibDeliversCorpus(t *testing.T) {
	py := testtool.Require(t, "python3")
	every := 15
	if !testing.Short() || testtool.InCI() {
		every = 1
	}
	files := corpusFiles(t, every)
	addr, j, _ := start(t, journal.Options{}, Config{})
	dir := t.TempDir()
	want := map[[32]byte]bool{}
	var list strings.Builder
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = crlf(b)
		want[sha256.Sum256(b)] = true
		p := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&list, p)
	}
	listFile := filepath.Join(dir, "list")
	os.WriteFile(listFile, []byte(list.String()), 0o600)
	script := filepath.Join(dir, "send.py")
	os.WriteFile(script, []byte(smtplibScript), 0o600)
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.CommandContext(t.Context(), py, script, host, port, listFile).CombinedOutput()
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
	assertStored(t, j, want)
	t.Logf("%d messages sent, %d distinct", len(files), len(want))
}

// assertStored checks the journal holds exactly the bodies in want.
func assertStored(t *testing.T, j *journal.Journal, want map[[32]byte]bool) {
	t.Helper()
	got := journaltest.Bodies(t, j)
	for h := range want {
		if _, ok := got[h]; !ok {
			t.Errorf("sent body %x not stored", h)
		}
	}
	if len(got) != len(want) {
		t.Errorf("journal holds %d distinct bodies, sent %d", len(got), len(want))
	}
}

// TestSwaksDelivers: swaks sends a message whose lines start with dots;
// the stored bytes equal what swaks transmitted before the terminating
// "." line (swaks dot-stuffs, the server unstuffs; swaks always writes
// "\r\n.\r\n" after the file, so the file is given without a final CRLF).
func TestSwaksDelivers(t *testing.T) {
	swaks := testtool.Require(t, "swaks")
	addr, j, _ := start(t, journal.Options{}, Config{})
	msg := []byte("From: a@x.example\r\nTo: b@y.example\r\nSubject: swaks\r\n\r\n.leading dot\r\n..two\r\n.\r\nend\r\n")
	p := filepath.Join(t.TempDir(), "msg.eml")
	os.WriteFile(p, bytes.TrimSuffix(msg, []byte("\r\n")), 0o600)
	out, err := exec.CommandContext(t.Context(), swaks, "--server", addr, "--from", "a@x.example",
		"--to", "b@y.example", "--data", "@"+p, "--suppress-data").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "<-  250") {
		t.Errorf("swaks saw no 250:\n%s", out)
	}
	assertStored(t, j, map[[32]byte]bool{sha256.Sum256(msg): true})
}
