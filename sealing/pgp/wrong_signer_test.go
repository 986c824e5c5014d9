package pgp

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Regression: a signature checked against another key said "tag byte does
// not have MSB set" (the armored signature was retried as binary). It must
// name the given signer and the key that made the signature.
func TestWrongSignerNamesBothKeys(t *testing.T) {
	_, signer := genKey(t, AlgoCurve25519)
	other, _ := genKey(t, AlgoCurve25519)
	msg := []byte("SHA256SUMS contents\n")
	var armored bytes.Buffer
	if err := SignDetached(&armored, signer[0], bytes.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	var binary bytes.Buffer
	if err := openpgp.DetachSign(&binary, signer[0], bytes.NewReader(msg), nil); err != nil {
		t.Fatal(err)
	}
	for name, sig := range map[string][]byte{"armored": armored.Bytes(), "binary": binary.Bytes()} {
		_, err := VerifyDetached(other, bytes.NewReader(msg), bytes.NewReader(sig))
		if !errors.Is(err, ErrBadSignature) {
			t.Fatalf("%s: %v, want ErrBadSignature", name, err)
		}
		for _, want := range []string{"not signed by the given signer " + Fingerprint(other[0]), "made by key " + Fingerprint(signer[0])} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", name, err, want)
			}
		}
		if strings.Contains(err.Error(), "MSB") {
			t.Errorf("%s: %q", name, err)
		}
		// the right key still verifies both encodings
		if e, err := VerifyDetached(signer, bytes.NewReader(msg), bytes.NewReader(sig)); err != nil || Fingerprint(e) != Fingerprint(signer[0]) {
			t.Errorf("%s with the signer: %v", name, err)
		}
	}
	// altered data is still a bad signature, not an unknown signer
	_, err := VerifyDetached(signer, bytes.NewReader([]byte("altered")), bytes.NewReader(armored.Bytes()))
	if !errors.Is(err, ErrBadSignature) || strings.Contains(err.Error(), "not signed by") {
		t.Errorf("altered data: %v", err)
	}
}
