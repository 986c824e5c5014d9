package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sealedAcme seals every acme message of sampleData into one image and
// returns the data directory, the image path and its label.
func sealedAcme(t *testing.T) (data, img, label string) {
	t.Helper()
	data, _ = sampleData(t)
	out := filepath.Join(t.TempDir(), "images")
	archiver(t, 0, "seal", "--data", data, "--tenant", "acme", "--until", "2099-01-01", "--media", "cd700", "--out", out)
	return data, filepath.Join(out, "acme-until-2099-01-01-v01of01.iso"), "ACME_U20990101_V01OF01"
}

// Gap 2 of the hardening pass: release of an already released volume was
// refused with exit 3 ("last verified by hash only") once verify --data
// had run after release. It must say "already released on TIME", exit 0
// and change nothing; verify --data must not claim a deep check.
func TestReleaseAlreadyReleasedExitsZero(t *testing.T) {
	data, img, label := sealedAcme(t)
	archiver(t, 0, "verify", "--data", data, img)
	if out := archiver(t, 0, "release", "--data", data, label); !strings.Contains(out, "released "+label) {
		t.Fatalf("first release:\n%s", out)
	}
	out := archiver(t, 0, "verify", "--data", data, img)
	if !strings.Contains(out, "hash check") || strings.Contains(out, "deep check") ||
		!strings.Contains(out, "deep verification is no longer possible") || !strings.Contains(out, "not deep") {
		t.Fatalf("verify --data after release:\n%s", out)
	}
	before := archiver(t, 0, "status", "--data", data)
	audit := archiver(t, 0, "audit", "show", "--data", data)
	for _, args := range [][]string{{label}, {img}, {"--copies", "2", label}} {
		out = archiver(t, 0, append([]string{"release", "--data", data}, args...)...)
		if !strings.Contains(out, label+" already released on 20") || strings.Contains(out, "REFUSED") {
			t.Fatalf("release %v again:\n%s", args, out)
		}
	}
	if out := archiver(t, 0, "release", "--data", data, "--json", label); !strings.Contains(out, `"already_released":"20`) || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("release --json again:\n%s", out)
	}
	if after := archiver(t, 0, "status", "--data", data); withoutFree(after) != withoutFree(before) {
		t.Fatalf("status changed by a repeated release:\n%s\nthen\n%s", before, after)
	}
	if after := archiver(t, 0, "audit", "show", "--data", data); strings.Count(after, "release") != strings.Count(audit, "release") {
		t.Fatalf("repeated release added audit events:\n%s", after)
	}
	if _, err := os.Stat(img); err != nil {
		t.Fatal(err)
	}
}

// withoutFree drops the free-space figure of status output, which other
// processes on the machine move.
func withoutFree(status string) string {
	var out []string
	for _, f := range strings.Fields(status) {
		if _, err := strconv.ParseInt(f, 10, 64); err == nil && len(f) > 9 {
			continue
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}
