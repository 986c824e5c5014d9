package layering

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/archiver/archiver"

// forbidden maps a package prefix (relative to the module) to the prefixes
// it must never import, directly or indirectly.
var forbidden = map[string][]string{
	"journal": {"media", "sealing", "cmd"},
	"media":   {"journal", "sealing", "cmd"},
	"sealing": {"cmd"},
}

type pkg struct {
	ImportPath string
	Deps       []string
}

func TestDependenciesPointOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for from, bans := range forbidden {
			if rel != from && !strings.HasPrefix(rel, from+"/") {
				continue
			}
			for _, d := range p.Deps {
				drel, ok := strings.CutPrefix(d, module+"/")
				if !ok {
					continue
				}
				for _, ban := range bans {
					if drel == ban || strings.HasPrefix(drel, ban+"/") {
						t.Errorf("%s imports %s: dependencies must point cmd → sealing → media, journal", rel, drel)
					}
				}
			}
		}
	}
	if seen < 3 {
		t.Fatalf("go list found only %d packages; the check would be vacuous", seen)
	}
}
