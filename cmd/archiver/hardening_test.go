package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
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
	imgs := filepath.Join(t.TempDir(), "images")
	archiver(t, 0, "seal", "--data", data, "--tenant", "acme", "--until", "2099-01-01", "--out", imgs)
	img := filepath.Join(imgs, "acme-until-2099-01-01-v01of01.iso")
	archiver(t, 0, "verify", "--data", data, img)
	archiver(t, 0, "release", "--data", data, img)
	evs := auditEvents(t, data) // forwarded too
	serve.Process.Signal(syscall.SIGTERM)
	serve.Wait()

	// the group-commit batch event ("ingest N messages") stays "service": a
	// batch mixes SMTP deliveries and forwarded ingests; the forwarded
	// ingest adds its own event naming the user and the sources
	for _, w := range []string{"|tenant|add tenant globex", "|hold|", "|hold|remove hold h1", "|ingest|ingest /", "|seal|", "|verify|", "|release|"} {
		n := 0
		for _, ev := range evs {
			if strings.Contains(ev, w) {
				n++
				if !strings.HasPrefix(ev, want+"|") {
					t.Errorf("event %q: want actor %q", ev, want)
				}
			}
		}
		if n == 0 {
			t.Errorf("no %q event:\n%s", w, strings.Join(evs, "\n"))
		}
	}
	for _, ev := range evs {
		if strings.Contains(ev, "add tenant acme") && strings.HasPrefix(ev, "service|") {
			t.Errorf("a local command was audited as service: %s", ev)
		}
	}
}

// archiverCode runs the real command and returns its exit code, stdout
// and stderr.
func archiverCode(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(archiverBin(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// Gap 6 of the hardening pass: every failure is loud. A mistyped --tenant
// gave "0 messages" (search), an empty production (export) or a hold that
// never matches (hold add), all with exit 0.
func TestUnknownTenantQueryFails(t *testing.T) {
	data, _ := sampleData(t)
	for _, args := range [][]string{
		{"search", "--tenant", "acne"},
		{"export", "--tenant", "acne", "--out", filepath.Join(t.TempDir(), "prod")},
		{"hold", "add", "--name", "typo", "--tenant", "acne"},
	} {
		code, _, stderr := archiverCode(t, "", append(args[:len(args):len(args)], "--data", data)...)
		if code != exitError || !strings.Contains(stderr, "--tenant acne: no such tenant") || !strings.Contains(stderr, "hint: archiver tenant list") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 naming the tenant", args, code, stderr)
		}
	}
	if out := archiver(t, 0, "hold", "list", "--data", data); strings.Contains(out, "typo") {
		t.Fatalf("a hold on an unknown tenant was stored:\n%s", out)
	}
	archiver(t, 0, "search", "--data", data, "--tenant", "acme") // a known tenant still works
}

// Gap 6: an ingest that found no message at all (an empty directory or
// stdin, a mistyped maildir) exited 0 with "total 0".
func TestIngestNothingFoundFails(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	archiver(t, 0, "init", "--data", data)
	empty := t.TempDir()
	code, out, stderr := archiverCode(t, "", "ingest", "--data", data, empty)
	if code != exitError || !strings.Contains(out, "EMPTY "+empty) || !strings.Contains(stderr, "no message found in "+empty) {
		t.Fatalf("ingest of an empty directory: exit %d\n%s%s", code, out, stderr)
	}
	// an empty file or empty stdin was stored as a 0-byte message
	emptyFile := filepath.Join(t.TempDir(), "empty.eml")
	os.WriteFile(emptyFile, nil, 0o644)
	for _, src := range []string{"-", emptyFile} {
		if code, out, stderr := archiverCode(t, "", "ingest", "--data", data, src); code != exitError || !strings.Contains(stderr, "empty (0 bytes)") {
			t.Fatalf("ingest of empty %s: exit %d\n%s%s", src, code, out, stderr)
		}
	}
	if out := archiver(t, 0, "status", "--data", data); strings.Contains(out, "default") || strings.Contains(out, "acme") {
		t.Fatalf("something was stored from empty sources:\n%s", out)
	}
	mail := filepath.Join(testtool.RepoRoot(t), "testdata", "mail", "01-acme-plain.eml")
	if code, out, _ := archiverCode(t, "", "ingest", "--data", data, mail); code != 0 {
		t.Fatalf("ingest of a message: exit %d\n%s", code, out)
	}
}

// Gap 6: a monthly run where a tenant with mail has no recipient key (the
// default tenant of unrouted mail) exits 3, releases nothing of that
// tenant, and still releases the others.
func TestRunTenantWithoutKeysExitsRefused(t *testing.T) {
	data, period := sampleData(t)
	stray := "From: a@x.example\r\nTo: b@nowhere.example\r\nSubject: stray\r\nMessage-ID: <stray.1@x>\r\n\r\nstray\r\n"
	if code, out, stderr := archiverCode(t, stray, "ingest", "--data", data, "-"); code != 0 {
		t.Fatalf("ingest stray mail: %d\n%s%s", code, out, stderr)
	}
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := archiverCode(t, "", "run", "--data", data, "--period", period, "--out", out)
	if code != exitVerify || !strings.Contains(stdout, "TENANT default") || !strings.Contains(stdout, "REFUSED seal") || !strings.Contains(stderr, "hint: ") {
		t.Fatalf("run with a keyless tenant: exit %d\n%s%s", code, stdout, stderr)
	}
	r := readRunReport(t, out, period)
	if r.OK {
		t.Fatal("run report says ok")
	}
	if n := bodies(t, data); n["default"] != 1 || n["acme"] != 0 {
		t.Fatalf("bodies left %v: want default's 1 kept and acme released", n)
	}
}

// Gap 7 of the hardening pass: status shows, per tenant, the counts,
// bytes, the oldest unsealed message's age, the last verified volume;
// holds with counts; alarms; and exits 2 while an alarm is raised.
func TestStatusShowsCountsAgeHoldsAlarmsExit2(t *testing.T) {
	data, img, label := sealedAcme(t)
	archiver(t, 0, "verify", "--data", data, img)
	archiver(t, 0, "release", "--data", data, label)
	archiver(t, 0, "hold", "add", "--data", data, "--name", "falcon", "--to", "ombudsman@acme.example")
	if out := archiver(t, 0, "status", "--data", data); strings.Contains(out, "ALARM") {
		t.Fatalf("alarm before old mail:\n%s", out)
	}
	old := "From: a@globex.example\r\nTo: b@globex.example\r\nSubject: old\r\nMessage-ID: <old.1@globex.example>\r\nDate: Thu, 01 Jan 2026 10:00:00 +0000\r\n\r\nold\r\n"
	if code, out, stderr := archiverCode(t, old, "ingest", "--data", data, "--date-from-header", "-"); code != 0 {
		t.Fatalf("ingest old mail: %d %s %s", code, out, stderr)
	}
	code, out, stderr := archiverCode(t, "", "status", "--data", data)
	if code != exitAlarm {
		t.Fatalf("status with an old unsealed message: exit %d, want 2\n%s%s", code, out, stderr)
	}
	for _, re := range []string{
		`(?m)^acme +15 +0 +0 +15 +\d+ +\d+ +- +` + label + ` 20`,
		`(?m)^globex +18 +18 +0 +0 +\d+ +\d+ +\d{3}d \d+h +-`,
		`(?m)^hold falcon: 1 message$`,
		`(?m)^ALARM unsealed-age globex: oldest unsealed message received 2026-01-01T10:00:00Z`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("status lacks %s:\n%s", re, out)
		}
	}
	code, out, _ = archiverCode(t, "", "status", "--data", data, "--json")
	if code != exitAlarm {
		t.Fatalf("status --json: exit %d", code)
	}
	types := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatal(err)
		}
		types[o["type"].(string)]++
		switch {
		case o["type"] == "tenant" && o["tenant"] == "globex":
			if age, _ := o["oldest_unsealed_age_seconds"].(float64); age < 35*86400 {
				t.Errorf("globex age %v s, want over 35 days", o["oldest_unsealed_age_seconds"])
			}
		case o["type"] == "tenant" && o["tenant"] == "acme":
			if o["released"] != float64(15) || o["last_verified"] != label || o["oldest_unsealed_age_seconds"] != float64(0) {
				t.Errorf("acme %v", o)
			}
		case o["type"] == "hold" && o["messages"] != float64(1):
			t.Errorf("hold %v", o)
		case o["type"] == "summary" && o["ok"] != false:
			t.Errorf("summary %v", o)
		}
	}
	if types["tenant"] != 2 || types["hold"] != 1 || types["alarm"] != 1 || types["summary"] != 1 {
		t.Errorf("status --json objects %v", types)
	}
}
