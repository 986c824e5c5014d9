package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
)

// readmeCommands returns README.md's ```sh blocks, in order. Other fences
// (```text, configuration) are illustrations and are not run.
func readmeCommands(t *testing.T, root string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []string
	var cur *strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case cur == nil && line == "```sh":
			cur = &strings.Builder{}
		case cur != nil && line == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	if len(blocks) < 6 {
		t.Fatalf("README.md has %d sh blocks; the quickstart, operator, monthly run, officer and discovery sections must have them", len(blocks))
	}
	return blocks
}

// TestREADME runs every ```sh block of README.md, literally and in order, in
// a fresh directory with a fresh $ARCHIVER_DATA, "go run ./cmd/archiver"
// standing for the archiver binary. Every command must succeed.
func TestREADME(t *testing.T) {
	for _, tool := range []string{"swaks", "xorriso", "gpg", "bsdtar", "sha256sum"} {
		testtool.Require(t, tool)
	}
	root := testtool.RepoRoot(t)
	blocks := readmeCommands(t, root)
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "testdata"), filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	var script bytes.Buffer
	script.WriteString("set -euo pipefail\n")
	port := freePort(t) // README says 127.0.0.1:2525; a developer's archiver may hold it
	if l, err := net.Listen("tcp", readmeSMTPAddr); err == nil {
		defer l.Close() // hold it as a developer's running archiver would: the run must not need it
	}
	for i, b := range blocks {
		b = strings.ReplaceAll(b, "go run ./cmd/archiver", "archiver")
		b = strings.ReplaceAll(b, readmeSMTPAddr, port)
		script.WriteString("echo '>>> README block " + strconv.Itoa(i+1) + "'\n" + b)
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ARCHIVER_DATA="+filepath.Join(dir, "var-lib-archiver"), "GNUPGHOME=")
	done := make(chan struct{})
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	go func() {
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			cmd.Process.Kill()
		}
	}()
	err := cmd.Run()
	close(done)
	if err != nil {
		t.Fatalf("README commands failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{"== done in", "sealed acme", "result: OK", "README.TXT: OK", "Good signature", "hold case-falcon added", "production "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("README run output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out.String())
	}
}

// readmeSMTPAddr is the address README's commands use; TestREADME runs them
// on a free port instead, so that it is hermetic.
const readmeSMTPAddr = "127.0.0.1:2525"

// freePort returns a loopback address with a port nobody listened on a
// moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestREADMEHermeticPort: README's blocks use 127.0.0.1:2525 (so the
// rewrite in TestREADME has something to replace), and TestREADME works
// while something listens there.
func TestREADMEHermeticPort(t *testing.T) {
	root := testtool.RepoRoot(t)
	n := 0
	for _, b := range readmeCommands(t, root) {
		n += strings.Count(b, readmeSMTPAddr)
	}
	if n < 2 {
		t.Fatalf("README's sh blocks use %s %d times; TestREADME rewrites it to a free port", readmeSMTPAddr, n)
	}
}

// TestREADMETestCommandIsCI: the test command README shows second is the one
// .ci/run runs.
func TestREADMETestCommandIsCI(t *testing.T) {
	root := testtool.RepoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "go test -count=1 -timeout 60m ./..."
	first := strings.Index(string(readme), "go run ./cmd/archiver quickstart")
	second := strings.Index(string(readme), "\n"+cmd+"\n")
	if first < 0 || second < first || second > strings.Index(string(readme), "## Operator") {
		t.Errorf("README must show `go run ./cmd/archiver quickstart`, then %q, before the operator section", cmd)
	}
	if !strings.Contains(string(ci), "\n"+cmd+"\n") {
		t.Errorf(".ci/run does not run %q", cmd)
	}
}
