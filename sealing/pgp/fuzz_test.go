package pgp

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/archiver/archiver/internal/testtool"
)

// The fuzz targets read bytes from a disc: PKESK packets (parsePKESK) and
// the whole encrypted message (Decrypter.Decrypt, whose own code reads the
// packet headers and PKESKs, against Decrypt). Seeds: testdata/fuzz/<FuzzName>/, made from
// messages to the checked-in key testdata/fuzz-secret.asc (a test key:
// fuzz inputs must decrypt with a key that does not change).

var fuzzKey = sync.OnceValues(func() (openpgp.EntityList, error) {
	b, err := os.ReadFile("testdata/fuzz-secret.asc")
	if err != nil {
		return nil, err
	}
	return ReadSecret(b, nil)
})

func fuzzSecret(t testing.TB) openpgp.EntityList {
	t.Helper()
	sec, err := fuzzKey()
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

// fuzzMessages are what a volume holds: text (compressed), short and
// random mail (stored), empty.
var fuzzMessages = [][]byte{
	[]byte("Subject: fuzz\r\n\r\nsome words of mail text, some words of mail text\r\n"),
	[]byte("x"),
	nil,
	bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef, 0x01}, 100),
}

// marshalPKESK is the inverse of parsePKESK.
func marshalPKESK(p pkesk) []byte {
	b := []byte{3}
	b = binary.BigEndian.AppendUint64(b, p.keyID)
	b = append(b, byte(packet.PubKeyAlgoECDH), 0x01, 0x07, 0x40)
	b = append(b, p.point[:]...)
	b = append(b, byte(len(p.wrapped)))
	return append(b, p.wrapped...)
}

// FuzzParsePKESK: parsePKESK never panics, and what it accepts marshals
// back to the same octets (one meaning per packet).
func FuzzParsePKESK(f *testing.F) {
	sec := fuzzSecret(f)
	v, err := NewVolumeEncrypter(sec, EncryptOptions{Compress: true})
	if err != nil {
		f.Fatal(err)
	}
	var msg bytes.Buffer
	if err := v.writeKeys(&msg, packet.CipherAES256, make([]byte, 32)); err != nil {
		f.Fatal(err)
	}
	f.Add(msg.Bytes()[2:]) // the body after a two-octet new-format header
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := parsePKESK(b)
		if !ok {
			return
		}
		if out := marshalPKESK(p); !bytes.Equal(out, b) {
			t.Fatalf("accepted %x, marshals as %x", b, out)
		}
	})
}

// FuzzDecrypt: the Decrypter never panics on a damaged message, and when
// it and go-crypto's openpgp.ReadMessage (Decrypt) both read one to the
// end, they return the same bytes.
func FuzzDecrypt(f *testing.F) {
	sec := fuzzSecret(f)
	v, err := NewVolumeEncrypter(sec, EncryptOptions{Compress: true})
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range fuzzMessages {
		var ct bytes.Buffer
		w, _, err := v.Encrypt(&ct)
		if err != nil {
			f.Fatal(err)
		}
		w.Write(m)
		w.Close()
		f.Add(ct.Bytes())
	}
	d := NewDecrypter(sec)
	f.Fuzz(func(t *testing.T, ct []byte) {
		got, err := readAllOrErr(d.Decrypt(bytes.NewReader(ct)))
		if err != nil {
			return
		}
		want, err := readAllOrErr(Decrypt(bytes.NewReader(ct), sec))
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("Decrypter read %q, Decrypt %q", got, want)
		}
	})
}

// TestFuzzSeeds: every fuzz target here has a checked-in seed corpus.
func TestFuzzSeeds(t *testing.T) { testtool.FuzzSeeds(t) }
