package media_test

import (
	"testing"

	"github.com/archiver/archiver/media"
)

// sealerTree is the shape the sealer writes.
func sealerTree() []media.File {
	return []media.File{
		memFile("README.TXT", []byte("This disc holds an archiver volume.\r\n")),
		memFile("SHA256SUMS", []byte("0000  MSG/0000000001.PGP\n")),
		memFile("SHA256SUMS.ASC", []byte("-----BEGIN PGP SIGNATURE-----\n")),
		genFile("INDEX.PGP", 5000, 1),
		genFile("MSG/0000000001.PGP", media.SectorSize, 2), // exactly one sector
		genFile("MSG/0000000002.PGP", 0, 3),                // zero bytes
		genFile("MSG/0000000003.PGP", media.SectorSize+1, 4),
		genFile("MSG/0000000004.PGP", 1, 5),
	}
}

func TestReadersAgreeSealerTree(t *testing.T) {
	files := sealerTree()
	img, _ := master(t, testInfo(), files)
	w := expect(t, files)
	checkOwnReader(t, img, w)
	externalReaders(t, img, w, nil, true)
}
