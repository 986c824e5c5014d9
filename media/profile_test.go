package media_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/archiver/archiver/media"
)

func TestProfilesTable(t *testing.T) {
	want := map[string]int64{
		"cd650": 333000, "cd700": 360000, "dvd5": 2295104,
		"dvd9": 4171712, "bd25": 12219392, "bd50": 24438784,
	}
	ps := media.Profiles()
	if len(ps) != len(want) {
		t.Fatalf("%d profiles, want %d", len(ps), len(want))
	}
	for _, p := range ps {
		if want[p.Name] != p.Sectors || p.Source == "" || p.Medium == "" {
			t.Errorf("profile %+v, want %d sectors with medium and source", p, want[p.Name])
		}
		q, err := media.ParseProfile(strings.ToUpper(p.Name))
		if err != nil || q != p {
			t.Errorf("ParseProfile(%q) = %+v, %v", p.Name, q, err)
		}
	}
}

func TestParseProfileCustomAndBad(t *testing.T) {
	p, err := media.ParseProfile("2048")
	if err != nil || p.Sectors != 2048 {
		t.Fatalf("ParseProfile(2048) = %+v, %v", p, err)
	}
	for _, s := range []string{"", "dvd", "0", "-5", "+5", "12.5", "1e6"} {
		if _, err := media.ParseProfile(s); !errors.Is(err, media.ErrProfile) {
			t.Errorf("ParseProfile(%q) = %v, want ErrProfile", s, err)
		}
	}
}

// TestCapacityEdge fills a custom medium exactly: accepted, and the image
// is exactly that many sectors; one more sector is refused with a clear
// CapacityError.
func TestCapacityEdge(t *testing.T) {
	files := []media.File{genFile("README.TXT", 100, 1), genFile("MSG/0000000001.PGP", 5000, 2)}
	base, err := media.Plan(testInfo(), files)
	if err != nil {
		t.Fatal(err)
	}
	const fill = 37 // sectors of the last file
	medium, err := media.ParseProfile(fmt.Sprint(base.Sectors() + fill))
	if err != nil {
		t.Fatal(err)
	}
	exact := append(files, genFile("MSG/0000000002.PGP", fill*media.SectorSize, 3))
	p := media.NewPlanner(testInfo())
	for _, f := range exact[:2] {
		if err := p.Add(f.Path, f.Size); err != nil {
			t.Fatal(err)
		}
	}
	n, err := p.With("MSG/0000000002.PGP", fill*media.SectorSize)
	if err != nil {
		t.Fatal(err)
	}
	if err := media.CheckCapacity(n, medium); err != nil {
		t.Fatalf("exactly full medium refused: %v", err)
	}
	img, l := master(t, testInfo(), exact)
	if l.Sectors() != medium.Sectors {
		t.Fatalf("image is %d sectors, medium %d", l.Sectors(), medium.Sectors)
	}
	checkOwnReader(t, img, expect(t, exact))

	// One byte more needs one sector more.
	n, err = p.With("MSG/0000000002.PGP", fill*media.SectorSize+1)
	if err != nil {
		t.Fatal(err)
	}
	err = media.CheckCapacity(n, medium)
	var ce *media.CapacityError
	if !errors.As(err, &ce) || ce.Need != medium.Sectors+1 || ce.Have != medium.Sectors {
		t.Fatalf("one sector over: %v, want CapacityError{%d, %d}", err, medium.Sectors+1, medium.Sectors)
	}
	msg := err.Error()
	for _, s := range []string{fmt.Sprint(ce.Need), fmt.Sprint(ce.Have), "sectors"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q does not mention %q", msg, s)
		}
	}
}
