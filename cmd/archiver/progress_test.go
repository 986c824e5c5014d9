package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestSealBars: sealing's steps are drawn as bars on stderr when stdout is
// a terminal, and not at all otherwise.
func TestSealBars(t *testing.T) {
	var errb bytes.Buffer
	if p := sealBars(&env{stderr: &errb}); p != nil {
		t.Fatal("progress reported with stdout not a terminal")
	}
	p := sealBars(&env{stderr: &errb, tty: true})
	if p == nil {
		t.Fatal("no progress on a terminal")
	}
	add, end := p("hashing ACME_202611_V01OF01", 100)
	add(50)
	add(50)
	end()
	if !strings.Contains(errb.String(), "hashing ACME_202611_V01OF01") {
		t.Errorf("stderr %q lacks the step's bar", errb.String())
	}
}

// TestIngestBarNeedsTerminal: ingest draws no bar when stderr is not a
// terminal, even with stdout one (a forwarded command's stderr is a
// socket).
func TestIngestBarNeedsTerminal(t *testing.T) {
	var errb bytes.Buffer
	for _, e := range []*env{{stderr: &errb}, {stderr: &errb, tty: true}} {
		add, finish := ingestBar(e)
		if add != nil {
			t.Errorf("tty %v, stderr a buffer: progress reported", e.tty)
		}
		finish()
	}
	if errb.Len() != 0 {
		t.Errorf("stderr %q, want nothing", errb.String())
	}
}
