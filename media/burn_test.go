package media_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/media"
)

func TestBurnReadBackStdio(t *testing.T) {
	testtool.Require(t, "xorriso")
	files := sealerTree()
	img, l := master(t, testInfo(), files)
	dev := filepath.Join(t.TempDir(), "drive.img")
	ctx := context.Background()
	if err := media.Burn(ctx, "stdio:"+dev, img); err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if err := media.ReadBack(ctx, "stdio:"+dev, l.Sectors(), h); err != nil {
		t.Fatal(err)
	}
	var got [32]byte
	copy(got[:], h.Sum(nil))
	if got != fileSum(t, img) {
		t.Fatal("read-back differs from the image")
	}
	// The stdio: file is the image byte for byte: xorriso's padding is cut.
	if fileSum(t, dev) != fileSum(t, img) {
		t.Fatal("the stdio: file differs from the image (padding left?)")
	}
	// The burnt "disc" opens and reads like the image.
	checkOwnReader(t, dev, expect(t, files))

	err := media.ReadBack(ctx, "stdio:"+img, l.Sectors()+1, h)
	if !errors.Is(err, media.ErrShortRead) {
		t.Fatalf("reading past the end: %v, want ErrShortRead", err)
	}
}

func TestBurnWithoutXorriso(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	img := filepath.Join(t.TempDir(), "x.iso")
	if err := os.WriteFile(img, make([]byte, 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	err := media.Burn(context.Background(), "stdio:"+filepath.Join(t.TempDir(), "d"), img)
	if !errors.Is(err, media.ErrNoXorriso) || err.Error() != "xorriso not found: install it (Debian: apt-get install xorriso)" {
		t.Fatalf("Burn = %v", err)
	}
}

func TestBurnFailureReported(t *testing.T) {
	testtool.Require(t, "xorriso")
	img, _ := master(t, testInfo(), sealerTree())
	err := media.Burn(context.Background(), "stdio:/nonexistent-dir/drive.img", img)
	if err == nil {
		t.Fatal("burning to a path in a missing directory succeeded")
	}
}
