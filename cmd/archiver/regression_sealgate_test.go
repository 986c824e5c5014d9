package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// TestForwardedSealWaitsForTheSealInProgress (bug: serve ran two forwarded
// seal/run commands at once; both sealed the same messages under the same
// image names, and the one refused at RecordSealed removed the image the
// other had recorded). A seal started while another holds the journal in
// serve waits for it, and seals nothing meanwhile.
func TestForwardedSealWaitsForTheSealInProgress(t *testing.T) {
	data, period := sampleData(t)
	j, err := journal.Open(filepath.Join(data, "journal"), journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, cwd: t.TempDir(), vars: map[string]string{}, user: "test", now: time.Now,
		shared: &shared{data: data, j: j, now: time.Now}}
	out := filepath.Join(t.TempDir(), "out")
	o := sealOptions{tenant: "acme", period: period, medium: "dvd5", out: out}

	unlock, err := e.lockSeal(context.Background()) // a seal or run in progress
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := runSeal(ctx, o, e); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("seal while another runs: err = %v, want it to wait until cancelled", err)
	}
	if !strings.Contains(stderr.String(), "another seal or run is in progress") {
		t.Errorf("no waiting note on stderr: %q", stderr.String())
	}
	if vols, _ := j.Volumes(context.Background(), "acme"); len(vols) != 0 {
		t.Fatalf("the waiting seal recorded %d volumes", len(vols))
	}
	if isos, _ := filepath.Glob(filepath.Join(out, "*.iso*")); len(isos) != 0 {
		t.Fatalf("the waiting seal wrote or removed images: %v", isos)
	}

	unlock() // the other finished: the next seal proceeds
	if err := runSeal(context.Background(), o, e); err != nil {
		t.Fatalf("seal after the other finished: %v\n%s", err, stderr.String())
	}
	vols, err := j.Volumes(context.Background(), "acme")
	if err != nil || len(vols) != 1 {
		t.Fatalf("volumes %d, %v; want 1", len(vols), err)
	}
	if _, err := os.Stat(filepath.Join(out, vols[0].ImageName)); err != nil {
		t.Fatalf("recorded image: %v", err)
	}
}
