package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/monthly"
)

// TestCrashSealSIGKILL: `archiver seal` is SIGKILLed at random points, with
// new mail between rounds, then run to completion. After every kill: every
// recorded volume has its complete image on disk (SHA-256 as recorded) and an
// OK deep verification, and no message is on two volumes. At the end every
// message is sealed exactly once and verify --data passes on every image.
func TestCrashSealSIGKILL(t *testing.T) {
	rounds := 8
	if testing.Short() && !testtool.InCI() {
		rounds = 3
	}
	data := filepath.Join(t.TempDir(), "data")
	out := filepath.Join(t.TempDir(), "images")
	archiver(t, 0, "init", "--data", data)
	archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")
	period := time.Now().UTC().Format("2006-01")
	rng := rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))
	total := 0
	for round := 0; round < rounds; round++ {
		total += ingestBatch(t, data, round, 120)
		cmd := exec.Command(archiverBin(t), "seal", "--data", data, "--tenant", "acme", "--period", period, "--media", "1200", "--out", out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(700)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		checkSealed(t, data, out, round, -1)
	}
	archiver(t, 0, "seal", "--data", data, "--tenant", "acme", "--period", period, "--media", "1200", "--out", out)
	checkSealed(t, data, out, rounds, total)
	left, _ := filepath.Glob(filepath.Join(out, "*partial*"))
	work, _ := filepath.Glob(filepath.Join(out, ".seal-work-*"))
	if len(left)+len(work) > 0 {
		t.Errorf("left behind after a complete seal: %v %v", left, work)
	}
	imgs, _ := filepath.Glob(filepath.Join(out, "*.iso"))
	archiver(t, 0, append([]string{"verify", "--data", data}, imgs...)...)
}

// ingestBatch writes n new messages to files and ingests them.
func ingestBatch(t *testing.T, data string, round, n int) int {
	t.Helper()
	dir := filepath.Join(t.TempDir(), fmt.Sprintf("batch%d", round))
	os.MkdirAll(dir, 0o755)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("seal-r%02d-m%04d", round, i)
		os.WriteFile(filepath.Join(dir, id+".eml"), crashMessage(id, 2000+(i*7919)%30000), 0o644)
	}
	archiver(t, 0, "ingest", "--data", data, dir)
	return n
}

// checkSealed asserts the sealing invariants; want >= 0 also requires that
// exactly want messages exist and all are sealed.
func checkSealed(t *testing.T, data, out string, round, want int) {
	t.Helper()
	ctx := context.Background()
	j, err := journal.Open(filepath.Join(data, "journal"), journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	vols, err := j.Volumes(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	placed := map[uint64]string{}
	for _, v := range vols {
		sum, err := monthly.FileSHA256(filepath.Join(out, v.ImageName))
		if err != nil || sum != v.ImageSHA256 {
			t.Fatalf("round %d: volume %s recorded sealed but its image is missing or differs: %v", round, v.Label, err)
		}
		deep := false
		for _, ver := range v.Verifications {
			deep = deep || ver.OK && ver.Method == "deep"
		}
		if !deep {
			t.Fatalf("round %d: volume %s recorded without an OK deep verification", round, v.Label)
		}
		for _, p := range v.Placements {
			if other, dup := placed[p.Seq]; dup {
				t.Fatalf("round %d: message %d sealed twice: %s and %s", round, p.Seq, other, v.Label)
			}
			placed[p.Seq] = v.Label
		}
	}
	n := 0
	err = j.Messages(ctx, "acme", func(m journal.Message) error {
		n++
		if lbl, ok := placed[m.Seq]; ok != (m.State == journal.Sealed) || ok && lbl != m.Volume {
			return fmt.Errorf("message %d: state %s volume %q, placements say %q", m.Seq, m.State, m.Volume, lbl)
		}
		if want >= 0 && m.State != journal.Sealed {
			return fmt.Errorf("message %d not sealed after the final seal", m.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	t.Logf("round %d: %d volumes, %d of %d messages sealed", round, len(vols), len(placed), n)
	if want >= 0 && (n != want || len(placed) != want) {
		t.Fatalf("final: %d messages, %d placed, want %d", n, len(placed), want)
	}
}
