package main

import (
	"encoding/json"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
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

// auditEvents returns every audit event as "actor|action|detail".
func auditEvents(t *testing.T, data string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(archiver(t, 0, "audit", "show", "--json", "--data", data)), "\n") {
		var ev struct{ Type, Actor, Action, Detail string }
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == "event" {
			out = append(out, ev.Actor+"|"+ev.Action+"|"+ev.Detail)
		}
	}
	return out
}

// Gap 5 of the hardening pass: commands forwarded to serve were audited
// under the daemon's actor "service". They must name the client's OS user:
// "USER via service".
func TestForwardedCommandAuditedAsClientUser(t *testing.T) {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	want := u.Username + " via service"
	data := filepath.Join(t.TempDir(), "data")
	archiver(t, 0, "init", "--data", data)
	archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")
	serve, _ := startServe(t, data)
	archiver(t, 0, "tenant", "add", "--data", data, "globex", "--domain", "globex.example")
	archiver(t, 0, "hold", "add", "--data", data, "--name", "h1", "--to", "x@acme.example")
	archiver(t, 0, "ingest", "--data", data, filepath.Join(testtool.RepoRoot(t), "testdata", "mail", "01-acme-plain.eml"))
	archiver(t, 0, "hold", "remove", "--data", data, "--name", "h1")
	evs := auditEvents(t, data) // forwarded too
	serve.Process.Signal(syscall.SIGTERM)
	serve.Wait()

	for _, w := range []string{"|tenant|add tenant globex", "|hold|", "|ingest|ingest ", "|hold|remove hold h1"} {
		found := ""
		for _, ev := range evs {
			if strings.Contains(ev, w) {
				found = ev
			}
		}
		if !strings.HasPrefix(found, want+"|") {
			t.Errorf("event %q: got %q, want actor %q\n%s", w, found, want, strings.Join(evs, "\n"))
		}
	}
	for _, ev := range evs {
		if strings.Contains(ev, "add tenant acme") && strings.HasPrefix(ev, "service|") {
			t.Errorf("a local command was audited as service: %s", ev)
		}
	}
}
