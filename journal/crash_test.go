package journal_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// crashChild is the child half of TestCrashKeepsAcknowledgedMessages: it
// ingests forever from 8 writers (small and staged bodies) and prints
// "ACK <sha256>" after each Commit returns.
func crashChild(dir string) {
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	for w := range 8 {
		go func() {
			for i := 0; ; i++ {
				size := 1000 + (i*7919)%50000
				if i%25 == 7 {
					size = 3 << 20 // staged body
				}
				raw := msg(w*1_000_000+i+int(time.Now().UnixNano()%1000)*1000, size)
				if _, err := j.Ingest(ctx, env("a@x.example", "b@x.example"), bytes.NewReader(raw)); err != nil {
					continue
				}
				sum := sha256.Sum256(raw)
				mu.Lock()
				fmt.Fprintf(out, "ACK %x\n", sum)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	select {}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv("JOURNAL_CRASH_CHILD"); dir != "" {
		crashChild(dir)
	}
	if dir := os.Getenv("JOURNAL_FULL_CHILD"); dir != "" {
		fullChild(dir)
	}
	os.Exit(m.Run())
}

// TestCrashKeepsAcknowledgedMessages SIGKILLs a process that is ingesting
// at a random moment, several rounds on one journal; after each round every
// message whose Commit returned is present and byte-exact, and Check finds
// nothing (staged bodies of interrupted commits are gone).
func TestCrashKeepsAcknowledgedMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("crash rounds; skipped with -short")
	}
	dir := t.TempDir()
	acked := map[[32]byte]bool{}
	for round := range 5 {
		for sum := range runCrashChild(t, dir, time.Duration(100+rand.IntN(400))*time.Millisecond) {
			acked[sum] = true
		}
		j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		have := map[[32]byte]bool{}
		j.Messages(ctx, "", func(m journal.Message) error { have[m.SHA256] = true; return nil })
		for sum := range acked {
			if !have[sum] {
				t.Fatalf("round %d: acknowledged message %x lost", round, sum)
			}
		}
		journaltest.CheckClean(t, j)
		j.Close()
		t.Logf("round %d: %d acknowledged, %d stored", round, len(acked), len(have))
	}
}

// runCrashChild starts the child, lets it run for d, SIGKILLs it and
// returns the SHA-256 of every message it acknowledged.
func runCrashChild(t *testing.T, dir string, d time.Duration) map[[32]byte]bool {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "JOURNAL_CRASH_CHILD="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := map[[32]byte]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h, ok := strings.CutPrefix(sc.Text(), "ACK ")
			if b, err := hex.DecodeString(h); ok && err == nil && len(b) == 32 {
				acks[[32]byte(b)] = true
			}
		}
	}()
	time.Sleep(d)
	cmd.Process.Kill()
	<-done
	cmd.Wait()
	return acks
}
