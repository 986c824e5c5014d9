package format

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
)

// FuzzParseSums: whatever ParseSums accepts, FormatSums gives back byte for
// byte (no malleability: one volume, one SHA256SUMS).
func FuzzParseSums(f *testing.F) {
	seeds := []string{
		fmt.Sprintf("%x  A\n%x  B/C.PGP\n", sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))),
		"", "x  y\n", fmt.Sprintf("%x  ../A\n", sha256.Sum256(nil)),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sums, err := ParseSums(b)
		if err != nil {
			return
		}
		if out := FormatSums(sums); !bytes.Equal(out, b) {
			t.Fatalf("accepted %q, formats as %q", b, out)
		}
	})
}

// FuzzReadIndex and FuzzParseManifest: never panic; accepted input
// satisfies the invariants the parsers promise.
func FuzzReadIndex(f *testing.F) {
	f.Add([]byte(`{"seq":1,"jseq":1,"received":"2026-11-03T10:00:00Z","envelope":{"mail_from":"","rcpt_to":[]},"size":1,"sha256":"00","path":"MSG/0000000/0000000001.PGP"}` + "\n"))
	f.Add([]byte("{}\n{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := ReadIndex(bytes.NewReader(b))
		if err != nil {
			return
		}
		for i, e := range ix {
			if e.Path != MessagePath(e.Seq) || (i > 0 && e.Seq <= ix[i-1].Seq) {
				t.Fatalf("accepted bad entry %+v", e)
			}
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	m := &Manifest{Format: 1, Tenant: "a", SetID: "S", Index: 1, Count: 1, Label: "A_202611_V01OF01", FirstSeq: 1, LastSeq: 2, Messages: 2}
	f.Add(m.Marshal())
	f.Add([]byte(`{"format":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		if m.Format != Version || m.Index < 1 || m.Index > m.Count {
			t.Fatalf("accepted %+v", m)
		}
	})
}

// FuzzSignatureForm: checkSignatureForm never panics, and what it accepts
// is one signature packet whose canonical armor is exactly the input (no
// malleability: one signature, one SHA256SUMS.ASC).
func FuzzSignatureForm(f *testing.F) {
	for _, s := range []string{
		"-----BEGIN PGP SIGNATURE-----\n\nwnUEABYIAB0WIQQOtu6VSizWW76S1gZp5YARe82zDQUCaxGsOwAKCRBp5YARe82z\nDQreAQClz4U3uqFxlyiqpgP5yDHOSm1jQmvPb5GhqL9OjP5GfgEAwn22L+wD5NbK\nqg/WT79b2WD3ZwruzWXO7WhYK3N4DgY=\n=QGFQ\n-----END PGP SIGNATURE-----",
		"", "-----BEGIN PGP SIGNATURE-----\n\n=AAAA\n-----END PGP SIGNATURE-----",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkSignatureForm(b) != nil {
			return
		}
		if checkSignatureForm(append(append([]byte(nil), b...), '\n')) == nil {
			t.Fatalf("accepted %q with a newline appended", b)
		}
	})
}
