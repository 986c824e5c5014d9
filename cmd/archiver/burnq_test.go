package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/monthly"
)

// The disc-change prompt: a line on stderr at a terminal, an insert_disc
// event on stdout with --json; not interactive, no prompt and an error
// naming the disc.
func TestDiscChangerPrompt(t *testing.T) {
	d := monthly.DiscCopy{Label: "ACME_202612_V02OF03", Copy: 2, Copies: 2}
	for _, asJSON := range []bool{false, true} {
		var stdout, stderr bytes.Buffer
		e := &env{stdout: &stdout, stderr: &stderr, interactive: true, vars: map[string]string{}}
		c := discChanger(e, asJSON)
		n := 0
		c.Poll = time.Millisecond
		c.Status = func(context.Context, string) (media.MediumStatus, error) {
			n++
			if n < 3 {
				return media.MediumStatus{State: media.MediumAbsent}, nil
			}
			return media.MediumStatus{State: media.MediumBlank}, nil
		}
		if err := c.WaitBlank(context.Background(), "/dev/sr0", d); err != nil {
			t.Fatal(err)
		}
		if !asJSON {
			if stderr.String() != "archiver: insert blank disc for ACME_202612_V02OF03 copy 2 in /dev/sr0 (waiting for it; ^C stops)\n" || stdout.Len() != 0 {
				t.Errorf("terminal prompt: stderr %q stdout %q", stderr.String(), stdout.String())
			}
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &ev); err != nil || stderr.Len() != 0 {
			t.Fatalf("--json prompt %q (stderr %q): %v", stdout.String(), stderr.String(), err)
		}
		if ev["type"] != "insert_disc" || ev["label"] != d.Label || ev["copy"] != 2.0 || ev["device"] != "/dev/sr0" || ev["holds"] != "no disc" ||
			ev["message"] != "insert blank disc for ACME_202612_V02OF03 copy 2 in /dev/sr0" {
			t.Errorf("insert_disc event: %v", ev)
		}
	}
	var stderr bytes.Buffer
	c := discChanger(&env{stdout: &stderr, stderr: &stderr, vars: map[string]string{}}, false)
	c.Status = func(context.Context, string) (media.MediumStatus, error) {
		return media.MediumStatus{State: media.MediumAbsent}, nil
	}
	err := c.WaitBlank(context.Background(), "/dev/sr0", d)
	if err == nil || !strings.HasSuffix(err.Error(), "insert blank disc for ACME_202612_V02OF03 copy 2 in /dev/sr0") || stderr.Len() != 0 {
		t.Errorf("not interactive: %v, output %q", err, stderr.String())
	}
}

// stdio:DIR/ keeps its trailing slash when resolved against the cwd.
func TestAbsDeviceKeepsDirSlash(t *testing.T) {
	e := &env{cwd: "/work", vars: map[string]string{}}
	for in, want := range map[string]string{"stdio:discs/": "stdio:/work/discs/", "stdio:a.img": "stdio:/work/a.img", "/dev/sr0": "/dev/sr0", "stdio:/x/": "stdio:/x/"} {
		if got := absDevice(e, in); got != want {
			t.Errorf("absDevice(%q) = %q, want %q", in, got, want)
		}
	}
}
