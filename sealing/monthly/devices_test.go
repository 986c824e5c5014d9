package monthly

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckDevices(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.img"), filepath.Join(dir, "b.img")
	os.WriteFile(a, nil, 0o644)
	link := filepath.Join(dir, "cdrom")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		copies int
		devs   []string
		ok     bool
	}{
		{2, nil, true}, // images only
		{1, []string{"/dev/sr0"}, true},
		{2, []string{"/dev/sr0"}, false},
		{2, []string{"/dev/sr0", "/dev/sr0"}, false},
		{2, []string{"/dev/sr0", "mmc:/dev/sr0"}, false},
		{2, []string{"/dev/sr0", "/dev/sr1"}, true},
		{2, []string{"stdio:" + a, "stdio:" + dir + "/./a.img"}, false},
		{2, []string{"stdio:" + a, "stdio:" + link}, false},
		{2, []string{"stdio:" + a, "stdio:" + b}, true},
		{3, []string{"stdio:" + a, "stdio:" + b}, false},
	} {
		err := CheckDevices(c.copies, c.devs)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrTooFewDevices) {
			t.Errorf("CheckDevices(%d, %q) = %v, want ok=%v", c.copies, c.devs, err, c.ok)
		}
	}
}
