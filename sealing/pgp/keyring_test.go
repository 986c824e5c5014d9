package pgp

import (
	"bytes"
	"testing"
)

// Regression: a key file holding several concatenated armored blocks
// (`cat acme.secret.asc globex.secret.asc`) read only the first key, so a
// catalog rebuild with both tenants' keys failed with "incorrect key".
func TestReadKeysConcatenatedArmorBlocks(t *testing.T) {
	pubA, secA := genArmored(t, "A", "")
	pubB, secB := genArmored(t, "B", "")
	for name, data := range map[string][]byte{
		"public": bytes.Join([][]byte{pubA, pubB}, nil),
		"secret": bytes.Join([][]byte{secA, []byte("\n"), secB}, nil),
		"mixed":  bytes.Join([][]byte{pubA, secB}, nil),
	} {
		el, err := ReadKeys(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(el) != 2 {
			t.Fatalf("%s: read %d keys, want 2", name, len(el))
		}
		if Fingerprint(el[0]) == Fingerprint(el[1]) {
			t.Fatalf("%s: both keys have fingerprint %s", name, Fingerprint(el[0]))
		}
	}
	if _, err := ReadKeys([]byte("no key here")); err == nil {
		t.Fatal("ReadKeys accepted garbage")
	}
}
