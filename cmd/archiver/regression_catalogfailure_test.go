package main

import (
	"crypto/sha256"
	"fmt"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// breakCatalog makes DATA/catalog/bleve unwritable for any user, root
// included (root ignores permission bits, and a read-only bind mount or
// chattr needs privileges CI may lack): it moves the index directory
// aside and puts a file in its place, so creating the next segment file
// fails (ENOTDIR) and so does opening the index. The returned function
// undoes it.
func breakCatalog(t *testing.T, data string) func() {
	t.Helper()
	p := filepath.Join(data, "catalog", "bleve")
	if err := os.Rename(p, p+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("not a directory\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".away", p); err != nil {
			t.Fatal(err)
		}
	}
}

// TestServeIntakeSurvivesUnwritableCatalog: a catalog write that failed
// made bleve panic (zapx "assignment to entry in nil map" after "persist
// err"), which killed serve, so every later delivery got "connection
// refused"; and serve refused to start while the catalog could not be
// opened. Now, with the catalog unwritable while mail flows, every
// delivery gets 250 and is in the journal, status shows the catalog alarm
// and exits 2 (also with a legal hold, whose count needs the catalog),
// serve restarts with the catalog still broken, and once the catalog is
// writable again it catches up and the alarm clears.
func TestServeIntakeSurvivesUnwritableCatalog(t *testing.T) {
	data := t.TempDir()
	archiver(t, 0, "init", "--data", data)
	archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")
	archiver(t, 0, "hold", "add", "--data", data, "--name", "falcon", "--to", "bob@acme.example")
	cmd, addr, logPath := startServeLog(t, data)
	acked := map[[32]byte]string{}
	deliver := func(phase string, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("%s-%02d", phase, i)
			msg := crashMessage(id, 300+i*37)
			if err := smtp.SendMail(addr, nil, "alice@acme.example", []string{"bob@acme.example"}, msg); err != nil {
				b, _ := os.ReadFile(logPath)
				t.Fatalf("delivery %s while the catalog is broken: %v\nserve log:\n%s", id, err, b)
			}
			acked[sha256.Sum256(msg)] = id
			time.Sleep(20 * time.Millisecond)
		}
	}
	deliver("before", 5)
	if out := archiver(t, 0, "search", "--data", data, "--subject", "before"); !strings.Contains(out, "\n5 messages") {
		t.Fatalf("search before the failure:\n%s", out)
	}

	restore := breakCatalog(t, data)
	// Run indexes after 200 ms without commits: each pause below is a
	// sync on the broken index (the second one panicked).
	for round := 0; round < 3; round++ {
		deliver(fmt.Sprintf("during%d", round), 10)
		time.Sleep(1500 * time.Millisecond)
	}
	code, out, stderr := archiverCode(t, "", "status", "--data", data)
	if code != exitAlarm || !strings.Contains(out, "ALARM catalog") {
		t.Fatalf("status with the catalog unwritable: exit %d, want %d and a catalog alarm\n%s%s", code, exitAlarm, out, stderr)
	}
	if !strings.Contains(out, "hold falcon: count unavailable") {
		t.Errorf("status does not say the hold count is unavailable:\n%s", out)
	}
	if code, out, _ := archiverCode(t, "", "search", "--data", data, "--subject", "during0"); code == 0 {
		t.Fatalf("search answered from a catalog that cannot be written:\n%s", out)
	}

	// serve restarts with the catalog still broken
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("serve stopped with %v\n%s", err, b)
	}
	firstLog := logPath
	cmd, addr, logPath = startServeLog(t, data)
	deliver("restarted", 5)
	if code, _, _ := archiverCode(t, "", "status", "--data", data); code != exitAlarm {
		t.Fatalf("status after a restart with the catalog broken: exit %d, want %d", code, exitAlarm)
	}

	restore()
	// A forwarded search syncs: it reopens the index and catches up.
	out = archiver(t, 0, "search", "--data", data, "--subject", "crash")
	if !strings.Contains(out, fmt.Sprintf("\n%d messages", len(acked))) {
		t.Fatalf("after the catalog is writable again, search does not find the %d messages:\n%s", len(acked), out)
	}
	deadline := time.Now().Add(45 * time.Second) // Run retries every 30 s
	for {
		code, out, stderr = archiverCode(t, "", "status", "--data", data)
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status still exits %d after the catalog caught up:\n%s%s", code, out, stderr)
		}
		time.Sleep(time.Second)
	}
	if want := fmt.Sprintf("hold falcon: %d messages", len(acked)); !strings.Contains(out, want) {
		t.Errorf("status lacks %q:\n%s", want, out)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	for _, p := range []string{firstLog, logPath} {
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), "\npanic: ") { // the runtime's report of an unrecovered panic
			t.Errorf("serve crashed:\n%s", b)
		}
	}
	got := journalBodies(t, data)
	for sum, id := range acked {
		if !got[sum] {
			t.Errorf("message %s got 250 but is not in the journal", id)
		}
	}
}
