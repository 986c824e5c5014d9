package media_test

import (
	"testing"

	"github.com/archiver/archiver/media"
)

func TestSmoke(t *testing.T) {
	files := []media.File{
		memFile("README.TXT", []byte("hello\n")),
		memFile("SHA256SUMS", []byte("sums\n")),
		memFile("MSG/0000000001.PGP", make([]byte, 2048)),
		memFile("MSG/0000000002.PGP", nil),
		memFile("Manifest.JSON.asc", []byte("x")),
	}
	img, _ := master(t, testInfo(), files)
	checkOwnReader(t, img, expect(t, files))
}
