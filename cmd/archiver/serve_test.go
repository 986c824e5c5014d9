package main

import (
	"io"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeMetricsAndSIGTERM: --metrics serves the Prometheus counters after
// a delivery, and SIGTERM stops serve gracefully (exit 0, socket removed).
func TestServeMetricsAndSIGTERM(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	archiver(t, 0, "init", "--data", data)
	archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")
	cmd, addr, logPath := startServeLog(t, data, "--metrics", "127.0.0.1:0")
	msg := crashMessage("metrics-1", 3000)
	if err := smtp.SendMail(addr, nil, "alice@acme.example", []string{"bob@acme.example"}, msg); err != nil {
		t.Fatal(err)
	}
	murl := ""
	for i := 0; i < 100 && murl == ""; i++ {
		b, _ := os.ReadFile(logPath)
		if m := regexp.MustCompile(`metrics on (http://\S+)`).FindSubmatch(b); m != nil {
			murl = string(m[1])
		}
		time.Sleep(50 * time.Millisecond)
	}
	if murl == "" {
		t.Fatal("serve did not print its metrics address")
	}
	resp, err := http.Get(murl)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"archiver_messages_accepted_total 1", "archiver_bytes_accepted_total 3", "archiver_commit_seconds_count 1", `archiver_oldest_unsealed_seconds{tenant="acme"}`, "archiver_journal_bytes"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v, want exit 0", err)
	}
	if _, err := os.Stat(filepath.Join(data, "control.sock")); !os.IsNotExist(err) {
		t.Errorf("control.sock left after a graceful stop: %v", err)
	}
}

// TestForwardedCommandCancelled: SIGINT to a client whose command runs inside
// serve exits 130 and cancels the command there; serve keeps running.
func TestForwardedCommandCancelled(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	archiver(t, 0, "init", "--data", data)
	startServe(t, data)
	cmd := exec.Command(archiverBin(t), "ingest", "--data", data, "-")
	stdin, err := cmd.StdinPipe() // held open: the forwarded ingest waits for stdin
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write([]byte("Subject: partial\r\n"))
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitCancelled {
			t.Fatalf("client after SIGINT: %v, want exit %d", err, exitCancelled)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("client did not exit after SIGINT")
	}
	out := archiver(t, 0, "status", "--data", data, "--json") // forwarded: serve still runs
	if !strings.Contains(out, `"ok":true`) {
		t.Errorf("status after a cancelled forwarded command:\n%s", out)
	}
}
