package media_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
)

// externalReaders lists an image with every external reader and compares
// names, sizes and SHA-256 with w, keyed by the Joliet (original) paths.
// iso, when not nil, is the expected primary listing (isoinfo -l); nil means
// the primary names equal the Joliet ones. Contents always come from
// bsdtar -xO and 7z x -so, streamed; extractFiles also extracts into
// directories with bsdtar, 7z and xorriso, and each file with isoinfo -x
// (slow for big trees: one file creation per file and tool).
func externalReaders(t *testing.T, img string, w, iso map[string]want, extractFiles bool) {
	t.Helper()
	if iso == nil {
		iso = w
	}
	if out := run(t, "isovfy", img); !bytes.Contains(out, []byte("No errors found")) {
		t.Errorf("isovfy (genisoimage's verifier) found errors:\n%s", out)
	}
	compare(t, "isoinfo -l", isoinfoList(t, img, false), iso)
	compare(t, "isoinfo -J -l", isoinfoList(t, img, true), latin1View(w))
	compare(t, "bsdtar -tvf", bsdtarList(t, img), w)
	compare(t, "bsdtar -xOf", streamed(t, bsdtarOrder(t, img), "bsdtar", "-xOf", img), w)
	compare(t, "7z l -slt", sevenList(t, img), w)
	compare(t, "7z x -so", streamed(t, sevenOrder(t, img), "7z", "x", "-so", img), w)
	compare(t, "xorriso -find", xorrisoList(t, img), w)
	if extractFiles {
		compare(t, "isoinfo -J -x", isoinfoExtract(t, img, w), w)
		compare(t, "bsdtar -x", extracted(t, img, "bsdtar", "-xf", img, "-C"), w)
		compare(t, "7z x", extracted(t, img, "7z", "x", "-y", "-bd", img, "-o"), w)
		compare(t, "xorriso -extract", extracted(t, img, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/"), w)
	}
}

// listed is one file of a listing, in the tool's order.
type listed struct {
	path string
	size int64
}

// streamed runs a tool that writes every file's contents to stdout, in
// the order of its listing, and hashes each file without buffering it.
func streamed(t *testing.T, order []listed, name string, args ...string) map[string]want {
	t.Helper()
	cmd := exec.Command(testtool.Require(t, name), args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := map[string]want{}
	for _, l := range order {
		h := sha256.New()
		n, _ := io.CopyN(h, out, l.size)
		var x want
		x.Size = n
		copy(x.Sum[:], h.Sum(nil))
		got[l.path] = x
	}
	rest, _ := io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
	}
	if rest != 0 {
		t.Errorf("%s %v: %d bytes more than listed", name, args, rest)
	}
	return got
}

func bsdtarOrder(t *testing.T, img string) []listed {
	var out []listed
	for _, line := range strings.Split(string(run(t, "bsdtar", "-tvf", img)), "\n") {
		if m := bsdtarRe.FindStringSubmatch(line); m != nil && m[1] == "-" {
			size, _ := strconv.ParseInt(m[2], 10, 64)
			out = append(out, listed{m[3], size})
		}
	}
	return out
}

func sevenOrder(t *testing.T, img string) []listed { return sevenEntries(t, img) }

// run runs a tool and returns its stdout, failing on a non-zero exit or
// on a complaint (FAILURE, SORRY, WARNING, ERROR) on stderr.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	bin := testtool.Require(t, name)
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
	}
	if m := regexp.MustCompile(`(?i)\b(failure|sorry|warning|error)\b.*`).Find(errb.Bytes()); m != nil {
		t.Fatalf("%s %v complained: %s", name, args, m)
	}
	return out.Bytes()
}

// isoinfoRe matches an isoinfo -l line: mode, counts, size, date, [lba flags], name.
var isoinfoRe = regexp.MustCompile(`^([-d])\S+\s+\d+\s+\d+\s+\d+\s+(\d+)\s+\w+\s+\d+\s+\d+\s+\[\s*\d+\s+\d+\]\s\s(.*?) ?$`)

func isoinfoList(t *testing.T, img string, joliet bool) map[string]want {
	args := []string{"-l", "-i", img}
	if joliet {
		args = append([]string{"-J", "-j", "iso8859-1"}, args...)
	}
	got := map[string]want{}
	dir := ""
	sc := bufio.NewScanner(bytes.NewReader(run(t, "isoinfo", args...)))
	for sc.Scan() {
		line := sc.Text()
		if d, ok := strings.CutPrefix(line, "Directory listing of /"); ok {
			dir = d
			continue
		}
		m := isoinfoRe.FindStringSubmatch(line)
		if m == nil || m[1] == "d" {
			continue
		}
		name := m[3]
		if joliet {
			name = fromLatin1(name)
		} else { // the standard reading of "NAME.EXT;1" and "NAME.;1"
			name = strings.TrimSuffix(strings.TrimSuffix(name, ";1"), ".")
		}
		size, _ := strconv.ParseInt(m[2], 10, 64)
		got[dir+name] = want{Size: size}
	}
	return got
}

func isoinfoExtract(t *testing.T, img string, w map[string]want) map[string]want {
	got := map[string]want{}
	for p := range w {
		data := run(t, "isoinfo", "-J", "-j", "iso8859-1", "-i", img, "-x", "/"+toLatin1(latin1Name(p)))
		got[p] = want{Size: int64(len(data)), Sum: sha256.Sum256(data)}
	}
	return got
}

// bsdtarRe matches bsdtar -tv: mode links uid gid size month day time name.
var bsdtarRe = regexp.MustCompile(`^(\S)\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\w+\s+\d+\s+\S+\s(.*)$`)

func bsdtarList(t *testing.T, img string) map[string]want {
	got := map[string]want{}
	for _, line := range strings.Split(string(run(t, "bsdtar", "-tvf", img)), "\n") {
		m := bsdtarRe.FindStringSubmatch(line)
		if m == nil || m[1] != "-" {
			continue
		}
		size, _ := strconv.ParseInt(m[2], 10, 64)
		got[m[3]] = want{Size: size}
	}
	if len(got) == 0 {
		t.Errorf("bsdtar -tvf listed no files (the kdomanski writer failure)")
	}
	return got
}

func sevenList(t *testing.T, img string) map[string]want {
	got := map[string]want{}
	for _, e := range sevenEntries(t, img) {
		got[e.path] = want{Size: e.size}
	}
	return got
}

// sevenEntries parses 7z l -slt: the files in 7z's order.
func sevenEntries(t *testing.T, img string) []listed {
	var out []listed
	var cur listed
	folder := false
	flush := func() {
		if cur.path != "" && !folder {
			out = append(out, cur)
		}
		cur, folder = listed{}, false
	}
	_, list, _ := strings.Cut(string(run(t, "7z", "l", "-slt", img)), "----------\n")
	for _, line := range strings.Split(list, "\n") {
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "Path = "):
			cur.path = strings.TrimPrefix(line, "Path = ")
		case strings.HasPrefix(line, "Size = "):
			cur.size, _ = strconv.ParseInt(strings.TrimPrefix(line, "Size = "), 10, 64)
		case line == "Folder = +":
			folder = true
		}
	}
	flush()
	return out
}

// xorrisoRe matches "-exec lsdl" output: mode links uid gid size date 'path'.
var xorrisoRe = regexp.MustCompile(`^(\S)\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\w+\s+\d+\s+\S+\s+'/(.*)'$`)

func xorrisoList(t *testing.T, img string) map[string]want {
	got := map[string]want{}
	out := run(t, "xorriso", "-indev", img, "-find", "/", "-type", "f", "-exec", "lsdl")
	for _, line := range strings.Split(string(out), "\n") {
		if m := xorrisoRe.FindStringSubmatch(line); m != nil {
			size, _ := strconv.ParseInt(m[2], 10, 64)
			got[strings.ReplaceAll(m[3], `'"'"'`, `'`)] = want{Size: size}
		}
	}
	return got
}

// extracted runs an extracting tool with a fresh directory appended to
// its last argument and hashes what it wrote.
func extracted(t *testing.T, img, tool string, args ...string) map[string]want {
	dir := t.TempDir()
	last := len(args) - 1
	if tool == "xorriso" {
		args = append(args, dir)
	} else {
		args[last] += dir
		if tool == "bsdtar" {
			args = append(args[:last], "-C", dir)
		}
	}
	run(t, tool, args...)
	got := map[string]want{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		var x want
		x.Size = n
		copy(x.Sum[:], h.Sum(nil))
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)] = x
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// isoinfo (genisoimage 1.1) has no UTF-8 output: it prints Joliet names in
// ISO 8859-1 and every character outside it as "_". latin1View is what it
// must show for w.
func latin1View(w map[string]want) map[string]want {
	out := map[string]want{}
	for p, x := range w {
		out[latin1Name(p)] = x
	}
	return out
}

func latin1Name(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0xff {
			return '_'
		}
		return r
	}, s)
}

func fromLatin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

func toLatin1(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}
