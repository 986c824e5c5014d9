package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
)

// vector is one entry of sealing/testdata/vectors/vectors.json.
type vector struct {
	Name   string   `json:"name"`
	Args   []string `json:"args"`
	Exit   int      `json:"exit"`
	Checks []string `json:"checks"`
}

// readVectors reads the vector manifest and checks it against the
// directory: not empty, names unique, every file an argument names present,
// every image in the directory used by some vector, and more failing
// vectors than passing ones.
func readVectors(t *testing.T, dir string) []vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Vectors []vector }
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("vectors.json: %v", err)
	}
	if len(m.Vectors) == 0 {
		t.Fatal("vectors.json lists no vector")
	}
	names, used := map[string]bool{}, map[string]bool{}
	ok := 0
	for _, v := range m.Vectors {
		if v.Name == "" || names[v.Name] {
			t.Fatalf("vector name %q empty or repeated", v.Name)
		}
		names[v.Name] = true
		if (v.Exit == 0) != (len(v.Checks) == 0) || (v.Exit == 0) != strings.HasPrefix(v.Name, "ok-") {
			t.Errorf("%s: exit %d with checks %v: an ok- vector exits 0 with no finding, a fail- vector the other way", v.Name, v.Exit, v.Checks)
		}
		if v.Exit == 0 {
			ok++
		}
		var files int
		for _, a := range v.Args {
			if strings.HasSuffix(a, ".iso") || strings.HasSuffix(a, ".asc") {
				files++
				used[a] = true
				if _, err := os.Stat(filepath.Join(dir, a)); err != nil {
					t.Errorf("%s: %v", v.Name, err)
				}
			}
		}
		if files == 0 {
			t.Errorf("%s: names no file", v.Name)
		}
	}
	if fail := len(m.Vectors) - ok; fail <= ok {
		t.Errorf("%d failing vectors, %d passing: negative cases must outnumber positive ones", fail, ok)
	}
	isos, _ := filepath.Glob(filepath.Join(dir, "*.iso"))
	if len(isos) == 0 {
		t.Fatalf("no image in %s", dir)
	}
	for _, p := range isos {
		if !used[filepath.Base(p)] {
			t.Errorf("%s: no vector uses it", filepath.Base(p))
		}
	}
	return m.Vectors
}

// TestVerifyVectors runs the real `archiver verify --json` over each vector
// in sealing/testdata/vectors (made by its gen program) and requires the
// manifest's exit code and exactly its findings' check names.
func TestVerifyVectors(t *testing.T) {
	runVectors(t, filepath.Join(testtool.RepoRoot(t), "sealing", "testdata", "vectors"))
}

// TestVectorGenerator runs the committed generator into a temporary
// directory, with the committed keys and manifest, and requires the same
// outcomes from the images it makes: the generator still builds against
// today's sealing code, and the committed vectors are what it makes.
func TestVectorGenerator(t *testing.T) {
	testtool.Long(t)
	goBin := testtool.Require(t, "go")
	root := testtool.RepoRoot(t)
	src, dir := filepath.Join(root, "sealing", "testdata", "vectors"), t.TempDir()
	names, _ := filepath.Glob(filepath.Join(src, "*.asc"))
	names = append(names, filepath.Join(src, "vectors.json"))
	for _, p := range names {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goBin, "run", "./sealing/testdata/vectors/gen", "-dir", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen: %v\n%s", err, out)
	}
	runVectors(t, dir)
}

// runVectors checks every vector of dir/vectors.json with the real binary.
func runVectors(t *testing.T, dir string) {
	bin := archiverBin(t)
	for _, v := range readVectors(t, dir) {
		t.Run(v.Name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"verify", "--json"}, v.Args...)...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "ARCHIVER_DATA=")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			got, summaryOK := verifyChecks(t, out.Bytes())
			want := slices.Clone(v.Checks)
			slices.Sort(want)
			if code != v.Exit || !reflect.DeepEqual(got, want) || summaryOK != (v.Exit == 0) {
				t.Fatalf("verify %s: exit %d, checks %v, summary ok %v; want exit %d, checks %v\nstdout:\n%s\nstderr:\n%s",
					strings.Join(v.Args, " "), code, got, summaryOK, v.Exit, want, out.String(), errb.String())
			}
		})
	}
}

// verifyChecks reads verify --json's lines: the sorted check names of every
// finding (on volumes and across them) and the summary's ok.
func verifyChecks(t *testing.T, out []byte) (checks []string, ok bool) {
	t.Helper()
	checks = []string{}
	summary := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l struct {
			Type     string
			Check    string
			OK       bool
			Findings json.RawMessage
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("verify --json line %q: %v", sc.Text(), err)
		}
		switch l.Type {
		case "volume":
			var fs []struct{ Check string }
			if len(l.Findings) > 0 {
				if err := json.Unmarshal(l.Findings, &fs); err != nil {
					t.Fatalf("volume findings %s: %v", l.Findings, err)
				}
			}
			for _, f := range fs {
				checks = append(checks, f.Check)
			}
		case "finding":
			checks = append(checks, l.Check)
		case "summary":
			summary, ok = true, l.OK
		}
	}
	if !summary {
		t.Fatalf("verify --json wrote no summary line:\n%s", out)
	}
	slices.Sort(checks)
	return checks, ok
}
