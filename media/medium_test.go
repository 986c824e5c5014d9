package media_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/media"
)

// Outputs of xorriso 1.5.4 -outdev DEV -toc (standard output), and of a
// drive without a disc.
const (
	tocStdioBlank = `Drive current: -outdev 'stdio:/tmp/x/none.iso'
Drive access : exclusive:unrestricted
Drive type   : vendor 'YOYODYNE' product 'WARP DRIVE' revision 'FX01'
Media current: stdio file, overwriteable
Media status : is blank
Media blocks : 0 readable , 41355124 writable , 41355124 overall
Media summary: 0 sessions, 0 data blocks, 0 data, 78.9g free
`
	tocStdioWritten = `Drive current: -outdev 'stdio:/tmp/x/w.iso'
Drive access : exclusive:unrestricted
Drive type   : vendor 'YOYODYNE' product 'WARP DRIVE' revision 'FX01'
Media current: stdio file, overwriteable
Media status : is written , is appendable
Media blocks : 192 readable , 41371738 writable , 41371930 overall
TOC layout   : Idx ,  sbsector ,       Size , Volume Id
ISO session  :   1 ,         0 ,       184s , ISOIMAGE
Media summary: 1 session, 184 data blocks,  368k data, 78.9g free
Media nwa    : 192s
`
	tocCDRClosed = `Drive current: -outdev '/dev/sr0'
Media current: CD-R
Media status : is written , is closed
TOC layout   : Idx ,  sbsector ,       Size , Volume Id
ISO session  :   1 ,         0 ,    331054s , ACME_202612_V01OF01
Media summary: 1 session, 331054 data blocks,  647m data,     0 free
`
	tocDVDRBlank = `Drive current: -outdev '/dev/sr1'
Media current: DVD-R sequential recording
Media status : is blank
Media summary: 0 sessions, 0 data blocks, 0 data, 4489m free
`
	tocAbsent = `Drive current: -outdev '/dev/sr0'
Media current: is not present
Media status : is not present
`
)

func TestParseMediumStatus(t *testing.T) {
	for _, c := range []struct {
		name, out string
		state     media.MediumState
		media     string
		err       bool
	}{
		{"stdio blank", tocStdioBlank, media.MediumBlank, "stdio file, overwriteable", false},
		{"stdio written", tocStdioWritten, media.MediumWritten, "stdio file, overwriteable", false},
		{"CD-R closed", tocCDRClosed, media.MediumWritten, "CD-R", false},
		{"DVD-R blank", tocDVDRBlank, media.MediumBlank, "DVD-R sequential recording", false},
		{"no disc", tocAbsent, media.MediumAbsent, "", false},
		{"no medium message", "libburn : SORRY : No medium present\n", media.MediumAbsent, "", false},
		{"unknown status", "Media current: BD-R\nMedia status : is weird\n", media.MediumUnknown, "BD-R", false},
		{"no status line", "Drive current: -outdev '/dev/sr0'\n", media.MediumUnknown, "", true},
		{"empty", "", media.MediumUnknown, "", true},
	} {
		st, err := media.ParseMediumStatus(c.out)
		if (err != nil) != c.err || err != nil && !errors.Is(err, media.ErrMediumStatus) {
			t.Errorf("%s: err %v, want error %v", c.name, err, c.err)
		}
		if st.State != c.state || st.Media != c.media {
			t.Errorf("%s: got %v %q, want %v %q", c.name, st.State, st.Media, c.state, c.media)
		}
	}
	st, _ := media.ParseMediumStatus(tocCDRClosed)
	if got := st.String(); got != "written disc (CD-R, is written , is closed)" {
		t.Errorf("String() = %q", got)
	}
}

// What xorriso itself reports for stdio: pseudo-drives: a missing or empty
// file is blank, a file holding an image is written, and asking creates
// no file.
func TestQueryMediumStdio(t *testing.T) {
	testtool.Require(t, "xorriso")
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.iso")
	if st, err := media.QueryMedium(ctx, "stdio:"+missing); err != nil || st.State != media.MediumBlank {
		t.Fatalf("missing file: %v %v, want blank", st, err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("QueryMedium created %s: %v", missing, err)
	}
	empty := filepath.Join(dir, "empty.iso")
	os.WriteFile(empty, nil, 0o644)
	if st, err := media.QueryMedium(ctx, "stdio:"+empty); err != nil || st.State != media.MediumBlank {
		t.Fatalf("empty file: %v %v, want blank", st, err)
	}
	img, _ := master(t, testInfo(), sealerTree())
	disc := filepath.Join(dir, "disc.iso")
	if err := media.Burn(ctx, "stdio:"+disc, img); err != nil {
		t.Fatal(err)
	}
	st, err := media.QueryMedium(ctx, "stdio:"+disc)
	if err != nil || st.State != media.MediumWritten {
		t.Fatalf("burned file: %v %v, want written", st, err)
	}
	if _, err := media.QueryMedium(ctx, "stdio:"+filepath.Join(dir, "no-such-dir", "x.iso")); !errors.Is(err, media.ErrMediumStatus) {
		t.Fatalf("file in a missing directory: %v, want ErrMediumStatus", err)
	}
	if err := media.Eject(ctx, "stdio:"+disc); err != nil {
		t.Fatalf("eject of a stdio: drive: %v", err)
	}
}

func TestQueryMediumWithoutXorriso(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := media.QueryMedium(context.Background(), "stdio:"+filepath.Join(t.TempDir(), "d")); !errors.Is(err, media.ErrNoXorriso) {
		t.Fatalf("QueryMedium = %v, want ErrNoXorriso", err)
	}
}

// xorriso's answer can name what a disc holds (its volume id): parsing
// never panics, and a status it returns without error is never "blank"
// unless a "Media status : is blank" line said so.
func FuzzParseMediumStatus(f *testing.F) {
	for _, s := range []string{tocStdioBlank, tocStdioWritten, tocCDRClosed, tocDVDRBlank, tocAbsent, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		st, err := media.ParseMediumStatus(out)
		if err == nil && st.State == media.MediumBlank && !containsLine(out, "is blank") {
			t.Fatalf("blank without an 'is blank' status: %q", out)
		}
		_ = st.String()
	})
}

func containsLine(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
