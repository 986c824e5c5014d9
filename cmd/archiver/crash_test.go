package main

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/smtp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
)

// TestCrashServeSIGKILL: concurrent SMTP clients deliver while the test
// SIGKILLs `archiver serve` at random points. After every round, every
// message that got 250 is in the journal, byte-exact by SHA-256.
// 20 rounds under CI=true or without -short, 3 with -short.
func TestCrashServeSIGKILL(t *testing.T) {
	rounds := 20
	if testing.Short() && !testtool.InCI() {
		rounds = 3
	}
	data := t.TempDir()
	archiver(t, 0, "init", "--data", data)
	archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	acked := map[[32]byte]string{}
	for round := 0; round < rounds; round++ {
		cmd, addr := startServe(t, data)
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := fmt.Sprintf("r%02d-c%d-m%04d", round, c, i)
					msg := crashMessage(id, 200+(i*7919+c*104729)%20000)
					if err := smtp.SendMail(addr, nil, "alice@acme.example", []string{"bob@acme.example"}, msg); err != nil {
						return // killed: this message may or may not be stored
					}
					mu.Lock()
					acked[sha256.Sum256(msg)] = id
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
		got := journalBodies(t, data)
		for sum, id := range acked {
			if !got[sum] {
				t.Fatalf("round %d: message %s got 250 but is not in the journal", round, id)
			}
		}
	}
	if len(acked) == 0 {
		t.Fatal("no message was acknowledged in any round")
	}
	t.Logf("%d rounds, %d acknowledged messages all present byte-exact", rounds, len(acked))
}

// crashMessage is a CRLF message with no leading dots, so net/smtp sends its
// bytes unchanged.
func crashMessage(id string, size int) []byte {
	b := []byte("From: alice@acme.example\r\nTo: bob@acme.example\r\nSubject: crash " + id + "\r\nMessage-ID: <" + id + "@test>\r\n\r\n")
	line := []byte("0123456789 abcdefghijklmnopqrstuvwxyz " + id + "\r\n")
	for len(b) < size {
		b = append(b, line...)
	}
	return b
}
