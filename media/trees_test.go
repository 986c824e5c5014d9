package media_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/archiver/archiver/media"
)

func TestManyFilesInOneDirectory(t *testing.T) {
	var files []media.File
	for i := range 10_050 {
		files = append(files, genFile(fmt.Sprintf("MSG/%010d.PGP", i), int64(i%700), uint64(i)))
	}
	files = append(files, memFile("README.TXT", []byte("many\n")))
	img, l := master(t, testInfo(), files)
	// 10,050 records of 50 bytes need more than 245 sectors in each volume.
	if l.Sectors() < 2*245 {
		t.Fatalf("only %d sectors", l.Sectors())
	}
	w := expect(t, files)
	checkOwnReader(t, img, w)
	externalReaders(t, img, w, nil, false)
}

func TestNamesNearLimits(t *testing.T) {
	dir31 := strings.Repeat("D", 31)             // longest directory identifier
	file30 := strings.Repeat("F", 26) + ".PGP"   // longest ISO-safe file identifier
	noext30 := strings.Repeat("N", 30)           // longest without extension
	joliet64 := strings.Repeat("j", 60) + ".txt" // longest Joliet name, mapped in primary
	wide := strings.Repeat("日", 62) + ".é"       // 64 UCS-2 units
	files := []media.File{
		genFile(dir31+"/"+file30, 3000, 1),
		genFile(dir31+"/"+noext30, 1, 2),
		genFile(file30, 0, 3),
		genFile(joliet64, 10, 4),
		genFile(dir31+"/"+wide, 4096, 5),
	}
	img, _ := master(t, testInfo(), files)
	w := expect(t, files)
	iso := map[string]want{}
	for p, x := range w {
		if p == joliet64 || strings.HasSuffix(p, wide) {
			continue // mapped names: checked below
		}
		iso[p] = x
	}
	got := isoinfoList(t, img, false)
	mapped := regexp.MustCompile(`^(` + dir31 + `/)?[A-Z0-9_]{1,21}_[0-9A-F]{8}\.[A-Z0-9_]{1,8}$`)
	for p, x := range got {
		if _, ok := iso[p]; !ok && mapped.MatchString(p) && len(p[strings.LastIndex(p, "/")+1:]) <= 30 {
			iso[p] = x
		}
	}
	if len(iso) != len(w) {
		t.Fatalf("primary names %v do not map the Joliet names %v", keys(got), keys(w))
	}
	externalReaders(t, img, w, iso, true)
}

func keys(m map[string]want) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDeepPaths(t *testing.T) {
	deep := "A/B/C/D/E/F/G/FILE.TXT" // 7 directories + file: ECMA-119 level 8
	files := []media.File{genFile(deep, 2048, 1), genFile("A/B/C/D/E/F/G2/H.TXT", 0, 2), genFile("TOP.TXT", 5, 3)}
	img, _ := master(t, testInfo(), files)
	w := expect(t, files)
	checkOwnReader(t, img, w)
	externalReaders(t, img, w, nil, true)

	_, err := media.Plan(testInfo(), []media.File{genFile("A/B/C/D/E/F/G/H/FILE.TXT", 1, 1)})
	if !errors.Is(err, media.ErrDepth) {
		t.Fatalf("9 levels: %v, want ErrDepth", err)
	}
	long := strings.Repeat(strings.Repeat("L", 31)+"/", 7) + strings.Repeat("F", 30)
	_, err = media.Plan(testInfo(), []media.File{genFile(long, 1, 1)})
	if !errors.Is(err, media.ErrName) {
		t.Fatalf("path of 256 bytes: %v, want ErrName", err)
	}
}

func TestOnlyEmptyFiles(t *testing.T) {
	files := []media.File{genFile("A.TXT", 0, 1), genFile("D/B.TXT", 0, 2)}
	img, _ := master(t, testInfo(), files)
	w := expect(t, files)
	checkOwnReader(t, img, w)
	externalReaders(t, img, w, nil, true)
}

func TestEmptyImage(t *testing.T) {
	img, l := master(t, testInfo(), nil)
	// 16 system + 3 descriptors + 4 path tables + 2 root directories.
	if l.Sectors() != 25 {
		t.Fatalf("empty image is %d sectors, want 25", l.Sectors())
	}
	if n := len(bsdtarListAll(t, img)); n != 0 {
		t.Fatalf("bsdtar lists %d files in an empty image", n)
	}
}

func bsdtarListAll(t *testing.T, img string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(run(t, "bsdtar", "-tf", img))), "\n") {
		if l != "" && l != "." && l != "./" {
			out = append(out, l)
		}
	}
	return out
}

func TestMappedNames(t *testing.T) {
	files := []media.File{
		memFile("Manifest.JSON.asc", []byte("m")),
		memFile("lower.txt", []byte("l")),
		memFile("dir.with.dots/ünïcödé file.txt", []byte("u")),
		memFile("dir.with.dots/README", []byte("r")),
		memFile(".hidden", []byte("h")),
	}
	img, _ := master(t, testInfo(), files)
	w := expect(t, files)
	prim := isoinfoList(t, img, false)
	patterns := []string{
		`^MANIFEST_JSON_[0-9A-F]{8}\.ASC$`,
		`^LOWER_[0-9A-F]{8}\.TXT$`,
		`^DIR_WITH_DOTS_[0-9A-F]{8}/_N_C_D__FILE_[0-9A-F]{8}\.TXT$`,
		`^DIR_WITH_DOTS_[0-9A-F]{8}/README$`,
		`^_HIDDEN_[0-9A-F]{8}$`,
	}
	iso := map[string]want{}
	for _, re := range patterns {
		n := 0
		for p, x := range prim {
			if regexp.MustCompile(re).MatchString(p) {
				iso[p] = x
				n++
			}
		}
		if n != 1 {
			t.Errorf("primary names %v: %d match %s", keys(prim), n, re)
		}
	}
	externalReaders(t, img, w, iso, true)
	// The mapping is deterministic: the same names map the same way again.
	img2, _ := master(t, testInfo(), files)
	if fileSum(t, img) != fileSum(t, img2) {
		t.Fatal("same input, different image")
	}
}

func TestPlanRefuses(t *testing.T) {
	f := func(p string) media.File { return memFile(p, []byte("x")) }
	for _, tc := range []struct {
		name  string
		files []media.File
		err   error
	}{
		{"case collision", []media.File{f("a.txt"), f("A.TXT")}, media.ErrCollision},
		{"file and directory", []media.File{f("A"), f("A/B")}, media.ErrCollision},
		{"directory and file", []media.File{f("A/B"), f("A")}, media.ErrCollision},
		{"duplicate", []media.File{f("A"), f("A")}, media.ErrDuplicate},
		{"empty", []media.File{f("")}, media.ErrName},
		{"absolute", []media.File{f("/A")}, media.ErrName},
		{"trailing slash", []media.File{f("A/")}, media.ErrName},
		{"empty component", []media.File{f("A//B")}, media.ErrName},
		{"dot", []media.File{f("A/./B")}, media.ErrName},
		{"dotdot", []media.File{f("../B")}, media.ErrName},
		{"semicolon", []media.File{f("semi;colon.txt")}, media.ErrName},
		{"backslash", []media.File{f(`a\b`)}, media.ErrName},
		{"control", []media.File{f("a\nb")}, media.ErrName},
		{"not utf-8", []media.File{f("a\xffb")}, media.ErrName},
		{"joliet 65", []media.File{f(strings.Repeat("x", 65))}, media.ErrName},
		{"4 GiB", []media.File{{Path: "BIG", Size: 1 << 32}}, media.ErrFileSize},
		{"negative", []media.File{{Path: "NEG", Size: -1}}, media.ErrFileSize},
		{"9 levels", []media.File{f("1/2/3/4/5/6/7/8/9")}, media.ErrDepth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := media.Plan(testInfo(), tc.files)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Plan = %v, want %v", err, tc.err)
			}
			p := media.NewPlanner(testInfo())
			var perr error
			for _, x := range tc.files {
				if perr = p.Add(x.Path, x.Size); perr != nil {
					break
				}
			}
			if !errors.Is(perr, tc.err) {
				t.Fatalf("Planner = %v, want %v", perr, tc.err)
			}
		})
	}
	// The largest single-extent file is accepted by the planner.
	if _, err := media.Plan(testInfo(), []media.File{{Path: "BIG", Size: 1<<32 - 1}}); err != nil {
		t.Fatalf("4 GiB - 1: %v", err)
	}
}

func TestVolumeInfoRefused(t *testing.T) {
	for name, mod := range map[string]func(*media.VolumeInfo){
		"no volume id":    func(v *media.VolumeInfo) { v.VolumeID = "" },
		"lower volume id": func(v *media.VolumeInfo) { v.VolumeID = "abc" },
		"long volume id":  func(v *media.VolumeInfo) { v.VolumeID = strings.Repeat("A", 33) },
		"seq > size":      func(v *media.VolumeInfo) { v.SeqNum, v.SetSize = 3, 2 },
		"no date":         func(v *media.VolumeInfo) { v.Recorded = v.Recorded.AddDate(-2000, 0, 0) },
		"bad set id":      func(v *media.VolumeInfo) { v.VolumeSetID = "a-b" },
	} {
		info := testInfo()
		mod(&info)
		if _, err := media.Plan(info, nil); !errors.Is(err, media.ErrVolumeInfo) {
			t.Errorf("%s: Plan = %v, want ErrVolumeInfo", name, err)
		}
		if _, err := media.NewPlanner(info).With("A", 1); !errors.Is(err, media.ErrVolumeInfo) {
			t.Errorf("%s: Planner = %v, want ErrVolumeInfo", name, err)
		}
	}
}
