package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/sealing/monthly"
)

// ptyScript runs argv[2:] on a pseudo-terminal (stdin and stdout both a
// terminal), waits for argv[1] in its output, removes the file named by
// the environment variable REMOVE (the operator takes the written disc
// out), and exits with the command's exit code, its output on stdout.
const ptyScript = `
import os, pty, sys
want, args = sys.argv[1].encode(), sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)
out, removed = b"", False
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
    if not removed and want in out:
        os.remove(os.environ["REMOVE"])
        removed = True
sys.stdout.buffer.write(out)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
`

// Issue 10, with a terminal: the drive (a stdio: file) holds a written
// disc; run asks for a blank one and waits, polling the drive; once the
// operator takes the disc out, it burns, verifies and releases. Both
// directly and forwarded to a running serve (the client tells serve that
// its stdin is a terminal).
func TestRunAsksForBlankDiscAtTerminal(t *testing.T) {
	for _, tool := range []string{"python3", "xorriso"} {
		testtool.Require(t, tool)
	}
	for _, forwarded := range []bool{false, true} {
		dir := t.TempDir()
		data := filepath.Join(dir, "data")
		archiver(t, 0, "init", "--data", data)
		archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")
		eml := filepath.Join(dir, "m.eml")
		os.WriteFile(eml, []byte("From: a@acme.example\r\nTo: b@acme.example\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nSubject: s\r\n\r\nbody\r\n"), 0o644)
		archiver(t, 0, "ingest", "--data", data, "--date-from-header", eml)
		if forwarded {
			startServe(t, data)
		}
		drive := filepath.Join(dir, "drive.img")
		if err := os.WriteFile(drive, []byte("an old disc"), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "discs")
		cmd := exec.Command("python3", "-c", ptyScript, "remove it and insert blank disc for ACME_202612_V01OF01 copy 1 in stdio:"+drive,
			archiverBin(t), "run", "--data", data, "--period", "2026-12", "--out", out, "--device", "stdio:"+drive)
		cmd.Env = append(os.Environ(), "REMOVE="+drive)
		b, err := cmd.CombinedOutput()
		text := strings.ReplaceAll(string(b), "\r\n", "\n")
		if err != nil {
			t.Fatalf("forwarded=%v: %v\n%s", forwarded, err, text)
		}
		for _, want := range []string{
			"archiver: the disc in stdio:" + drive + " is not blank (written disc (stdio file, overwriteable, is written , is closed)): remove it and insert blank disc for ACME_202612_V01OF01 copy 1 in stdio:" + drive + " (waiting for it; ^C stops)",
			"ACME_202612_V01OF01 copy 1 of 1: stdio:" + drive + ", burned and verified, SHA-256 ",
			"result: OK",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("forwarded=%v: output lacks %q:\n%s", forwarded, want, text)
			}
		}
		if sum, _ := monthly.FileSHA256(drive); sum != mustSHA256(t, filepath.Join(out, "acme-2026-12-v01of01.iso")) {
			t.Errorf("forwarded=%v: the drive does not hold the image", forwarded)
		}
	}
}

func mustSHA256(t *testing.T, p string) [32]byte {
	t.Helper()
	s, err := monthly.FileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
