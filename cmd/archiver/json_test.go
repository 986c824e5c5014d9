package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
)

// TestJSONLines: every --json command prints one object per line, each with
// a "type", the last being the "summary" (docs/cli.md). search --json is
// the documented exception: one array.
func TestJSONLines(t *testing.T) {
	testtool.Require(t, "xorriso")
	data, period := sampleData(t)
	out := filepath.Join(t.TempDir(), "discs")
	cmds := [][]string{
		{"status", "--json"},
		{"tenant", "list", "--json"},
		{"ingest", "--json", filepath.Join(testtool.RepoRoot(t), "testdata", "mail", "01-acme-plain.eml")},
		{"hold", "add", "--name", "h1", "--tenant", "acme", "--subject", "falcon"},
		{"hold", "list", "--json"},
		{"seal", "--json", "--tenant", "acme", "--period", period, "--out", out, "--media", "cd700"},
		{"verify", "--json", filepath.Join(out, "acme-"+period+"-v01of01.iso")},
		{"release", "--json", "ACME_" + strings.ReplaceAll(period, "-", "") + "_V01OF01"},
		{"run", "--json", "--period", period, "--out", out, "--media", "cd700"},
		{"journal", "check", "--json"},
		{"audit", "verify", "--json"},
		{"audit", "show", "--json"},
	}
	for _, c := range cmds {
		stdout := archiver(t, 0, append(append([]string{}, c...), "--data", data)...)
		if c[0] == "hold" && c[1] == "add" {
			continue
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		for i, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%v: line %d is not JSON: %q", c, i+1, l)
			}
			if _, ok := m["type"].(string); !ok {
				t.Errorf("%v: line %d has no type: %q", c, i+1, l)
			}
			if i == len(lines)-1 && m["type"] != "summary" {
				t.Errorf("%v: last line is %q, want the summary", c, l)
			}
		}
	}
	var arr []map[string]any
	if err := json.Unmarshal([]byte(archiver(t, 0, "search", "--data", data, "--json", "--tenant", "acme")), &arr); err != nil || len(arr) != 15 {
		t.Errorf("search --json: %d results, %v; want an array of acme's 15 messages (the re-ingested one is a duplicate)", len(arr), err)
	}
}
