package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// archiverBin is the real command: testscript.Main put the test binary,
// re-executed as "archiver", on PATH.
func archiverBin(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("archiver")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// archiver runs the real command and returns stdout; it fails the test unless
// the exit code is want.
func archiver(t testing.TB, want int, args ...string) string {
	t.Helper()
	return archiverEnv(t, nil, want, args...)
}

// archiverEnv is archiver with the environment env (nil: inherited).
func archiverEnv(t testing.TB, env []string, want int, args ...string) string {
	t.Helper()
	return runBin(t, archiverBin(t), env, want, args...)
}

// faultBin is the command built once with -tags faultinject (see
// faultArchiverBin); TestMain removes its directory.
var faultBin struct {
	once      sync.Once
	dir, path string
	err       error
}

// faultArchiverBin is the real command built with -tags faultinject, which
// reads ARCHIVER_FAULT and ARCHIVER_TEST_CORRUPT_COPY: the test binary
// itself under go test -tags faultinject, else one built for this run.
func faultArchiverBin(t testing.TB) string {
	t.Helper()
	if faultInjectBuild {
		return archiverBin(t)
	}
	faultBin.once.Do(func() {
		if faultBin.dir, faultBin.err = os.MkdirTemp("", "archiver-faultinject-"); faultBin.err != nil {
			return
		}
		p := filepath.Join(faultBin.dir, "archiver")
		out, err := exec.Command("go", "build", "-tags", "faultinject", "-o", p, ".").CombinedOutput()
		if err != nil {
			faultBin.err = fmt.Errorf("go build -tags faultinject: %v\n%s", err, out)
			return
		}
		faultBin.path = p
	})
	if faultBin.err != nil {
		t.Fatal(faultBin.err)
	}
	return faultBin.path
}

// runBin runs the command bin with the environment env (nil: inherited)
// and returns stdout; it fails the test unless the exit code is want.
func runBin(t testing.TB, bin string, env []string, want int, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("archiver %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errb.String())
	}
	return out.String()
}

// startServe starts `archiver serve` on a free loopback port and returns the
// process and its SMTP address once it listens.
func startServe(t testing.TB, data string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd, addr, _ := startServeLog(t, data, extra...)
	return cmd, addr
}

// startServeLog is startServe, also returning the path of serve's output.
func startServeLog(t testing.TB, data string, extra ...string) (*exec.Cmd, string, string) {
	t.Helper()
	return startServeBin(t, archiverBin(t), data, extra...)
}

// startServeBin is startServeLog running the command bin (see
// faultArchiverBin: commands forwarded into serve run with its build).
func startServeBin(t testing.TB, bin, data string, extra ...string) (*exec.Cmd, string, string) {
	t.Helper()
	addrFile := filepath.Join(data, "serve.addr")
	os.Remove(addrFile) // left by a SIGKILLed serve
	cmd := exec.Command(bin, append([]string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--min-free", "0"}, extra...)...)
	logf, err := os.OpenFile(filepath.Join(t.TempDir(), "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(addrFile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return cmd, strings.TrimSpace(string(b)), logf.Name()
		}
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("serve did not start:\n%s", b)
	return nil, "", ""
}

// journalBodies opens the journal in-process (no serve may run) and returns
// the SHA-256 of every message: bodies still held are read back through
// OpenBody and checked (journaltest.Bodies); released ones count by record.
func journalBodies(t testing.TB, data string) map[[32]byte]bool {
	t.Helper()
	j, err := journal.Open(filepath.Join(data, "journal"), journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got := map[[32]byte]bool{}
	for sum := range journaltest.Bodies(t, j) {
		got[sum] = true
	}
	err = j.Messages(context.Background(), "", func(m journal.Message) error {
		if !m.HasBody {
			got[m.SHA256] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}
