package format

import (
	"bytes"
	"strings"
	"testing"
)

// README.TXT names the volume verification key beside the tenant
// recipients: gpg lists two keys, and the reader must know what the second is.
func TestReadmeNamesVerificationKey(t *testing.T) {
	m := &Manifest{Tenant: "acme", Label: "ACME_202611_V01OF01", Index: 1, Count: 1,
		Recipients: []string{"11630580A95F1B3F8341ABFF1F9421DB0804C6CF"}, VerifyKey: "5D2C3F0E9A1B4C7D8E6F5A4B3C2D1E0F9A8B7C6D"}
	got := string(Readme(m))
	for _, want := range []string{
		"Recipients:         11630580A95F1B3F8341ABFF1F9421DB0804C6CF\n",
		"Also encrypted to:  5D2C3F0E9A1B4C7D8E6F5A4B3C2D1E0F9A8B7C6D, the volume verification key,\n",
		"whose secret is destroyed when the journal is released",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("README.TXT lacks %q:\n%s", want, got)
		}
	}
	for i, c := range []byte(got) {
		if c >= 0x80 || c == '\r' {
			t.Fatalf("README.TXT byte %d is %#x: want US-ASCII without CR", i, c)
		}
	}
	m.VerifyKey = ""
	if b := Readme(m); bytes.Contains(b, []byte("Also encrypted to")) {
		t.Errorf("no verification key, yet README.TXT names one:\n%s", b)
	}
}
