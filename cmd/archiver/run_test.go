package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/monthly"
)

// sampleData makes a data directory with the two sample tenants and every
// sample message ingested, received now, and returns the UTC month they
// were received in. Ingest that crosses a month boundary is done again, so
// the month holds every message whatever the date.
func sampleData(t *testing.T) (data, period string) {
	t.Helper()
	for {
		before := time.Now().UTC().Format("2006-01")
		data = filepath.Join(t.TempDir(), "data")
		archiver(t, 0, "init", "--data", data)
		archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")
		archiver(t, 0, "tenant", "add", "--data", data, "globex", "--domain", "globex.example")
		root := testtool.RepoRoot(t)
		archiver(t, 0, "ingest", "--data", data, filepath.Join(root, "testdata", "mail"))
		archiver(t, 0, "ingest", "--data", data, "--tenant", "globex", filepath.Join(root, "testdata", "mbox"))
		if after := time.Now().UTC().Format("2006-01"); after == before {
			return data, before
		}
	}
}

type runReport struct {
	OK      bool `json:"ok"`
	Tenants []struct {
		Tenant   string `json:"tenant"`
		Released int    `json:"released"`
		Volumes  []struct {
			Label  string `json:"label"`
			SHA256 string `json:"image_sha256"`
			Signer string `json:"signer"`
			Checks []struct {
				Copy string `json:"copy"`
				OK   bool   `json:"ok"`
			} `json:"verifications"`
			Released bool `json:"released"`
		} `json:"volumes"`
		Refusals []struct {
			Step, Copy, Reason string
		} `json:"refusals"`
	} `json:"tenants"`
}

// readRunReport reads the latest run report of period in out: run-P.json,
// or run-P-N.json with the highest N (reruns never overwrite).
func readRunReport(t *testing.T, out, period string) runReport {
	t.Helper()
	name := "run-" + period + ".json"
	for n := 2; fileExists(filepath.Join(out, fmt.Sprintf("run-%s-%d.json", period, n))); n++ {
		name = fmt.Sprintf("run-%s-%d.json", period, n)
	}
	return readRunReportFile(t, filepath.Join(out, name))
}

func readRunReportFile(t *testing.T, path string) runReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r runReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// bodies counts messages per tenant that still have a journal body.
func bodies(t *testing.T, data string) map[string]int {
	t.Helper()
	j, err := journal.Open(filepath.Join(data, "journal"), journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	n := map[string]int{}
	if err := j.Messages(context.Background(), "", func(m journal.Message) error {
		if m.HasBody {
			n[m.Tenant]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRunTwoCopiesReleases(t *testing.T) {
	testtool.Require(t, "xorriso")
	data, period := sampleData(t)
	out := filepath.Join(t.TempDir(), "discs")
	driveA, driveB := filepath.Join(out, "drive-a"), filepath.Join(out, "drive-b")
	stdout := archiver(t, 0, "run", "--data", data, "--period", period, "--out", out, "--media", "cd700",
		"--copies", "2", "--device", "stdio:"+driveA+"/", "--device", "stdio:"+driveB+"/")
	if !strings.Contains(stdout, "result: OK") {
		t.Fatalf("run output lacks result: OK:\n%s", stdout)
	}
	r := readRunReport(t, out, period)
	if !r.OK || len(r.Tenants) != 2 {
		t.Fatalf("report: %+v", r)
	}
	want := map[string]int{"acme": 15, "globex": 17}
	for _, tr := range r.Tenants {
		if tr.Released != want[tr.Tenant] {
			t.Errorf("%s: released %d, want %d", tr.Tenant, tr.Released, want[tr.Tenant])
		}
		for _, v := range tr.Volumes {
			if len(v.Checks) != 3 || !v.Released || len(v.SHA256) != 64 || len(v.Signer) != 40 {
				t.Errorf("%s volume %+v: want 3 OK checks (image + 2 copies), released", tr.Tenant, v)
			}
			// each copy is a disc (file) of its own, the image byte for byte
			for c, dir := range []string{driveA, driveB} {
				disc := filepath.Join(dir, fmt.Sprintf("%s-copy%d.iso", v.Label, c+1))
				if sum, err := monthly.FileSHA256(disc); err != nil || hexsum(sum) != v.SHA256 {
					t.Errorf("%s: %v, sha256 %x; want the image's %s", disc, err, sum, v.SHA256)
				}
			}
			for _, c := range v.Checks {
				if !c.OK {
					t.Errorf("%s %s: check %s failed", tr.Tenant, v.Label, c.Copy)
				}
			}
		}
	}
	if n := bodies(t, data); len(n) != 0 {
		t.Errorf("journal still holds bodies after release: %v", n)
	}
	txt, _ := os.ReadFile(filepath.Join(out, "run-"+period+".txt"))
	if !strings.Contains(string(txt), "ACME_"+strings.ReplaceAll(period, "-", "")+"_V01OF01") {
		t.Errorf("text report lacks the acme label:\n%s", txt)
	}
}

func TestRunCorruptedCopyReleasesNothing(t *testing.T) {
	testtool.Require(t, "xorriso")
	data, period := sampleData(t)
	out := filepath.Join(t.TempDir(), "discs")
	driveA, driveB := "stdio:"+filepath.Join(out, "drive-a")+"/", "stdio:"+filepath.Join(out, "drive-b")+"/"
	cmdEnv := append(os.Environ(), "ARCHIVER_TEST_CORRUPT_COPY=2")
	stdout := runBin(t, faultArchiverBin(t), cmdEnv, 3, "run", "--data", data, "--period", period, "--out", out, "--media", "cd700",
		"--copies", "2", "--device", driveA, "--device", driveB)
	r := readRunReport(t, out, period)
	if r.OK {
		t.Fatal("report says OK with a corrupted copy")
	}
	for _, tr := range r.Tenants {
		if tr.Released != 0 || len(tr.Refusals) == 0 {
			t.Errorf("%s: released %d with refusals %+v; want nothing released and a refusal", tr.Tenant, tr.Released, tr.Refusals)
		}
		for _, f := range tr.Refusals {
			if !strings.Contains(f.Copy, "copy 2 on "+driveB) {
				t.Errorf("%s: refusal does not name the bad copy: %+v", tr.Tenant, f)
			}
		}
	}
	if !strings.Contains(stdout, "REFUSED verify") {
		t.Errorf("text output lacks the refusal:\n%s", stdout)
	}
	if n := bodies(t, data); n["acme"] != 15 || n["globex"] != 17 {
		t.Errorf("bodies after a refused run = %v, want all 15 acme and 17 globex kept", n)
	}
	// The operator discards the bad discs (copy 2 of each volume). The
	// rerun without the fault resumes the sealed volumes, burns only the
	// copies 2, and releases. Its report is run-P-2.*; the refused run's
	// report stays as written.
	bad, _ := filepath.Glob(filepath.Join(out, "drive-b", "*-copy2.iso"))
	if len(bad) != 2 {
		t.Fatalf("bad copies on drive-b: %v, want one per tenant", bad)
	}
	for _, f := range bad {
		os.Remove(f)
	}
	good, _ := filepath.Glob(filepath.Join(out, "drive-a", "*-copy1.iso"))
	stdout = archiver(t, 0, "run", "--data", data, "--period", period, "--out", out, "--media", "cd700",
		"--copies", "2", "--device", driveA, "--device", driveB)
	if n := strings.Count(stdout, "copy 1 of 2: burned and verified earlier"); n != 2 || len(good) != 2 {
		t.Errorf("rerun: %d copies 1 kept from the first run (%v), want 2:\n%s", n, good, stdout)
	}
	second := filepath.Join(out, "run-"+period+"-2.json")
	if !strings.Contains(stdout, "report: "+filepath.Join(out, "run-"+period+"-2.txt")+", "+second) {
		t.Errorf("rerun output does not name run-%s-2.txt/.json:\n%s", period, stdout)
	}
	if first := readRunReportFile(t, filepath.Join(out, "run-"+period+".json")); first.OK {
		t.Error("the first (refused) report was overwritten by the rerun's")
	}
	if r := readRunReportFile(t, second); !r.OK {
		t.Errorf("rerun report %s: %+v", second, r)
	}
	if n := bodies(t, data); len(n) != 0 {
		t.Errorf("bodies after the good rerun = %v, want none", n)
	}
}
