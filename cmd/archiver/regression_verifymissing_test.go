package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyMissingPathIsUsageError (bug: verify of a path that does not
// exist exited 3 with "this copy is damaged", sending the operator to burn
// a new disc over a typing mistake). It is a usage error: exit 1, a hint,
// and no verification recorded.
func TestVerifyMissingPathIsUsageError(t *testing.T) {
	data, img, label := sealedAcme(t)
	missing := filepath.Join(t.TempDir(), "no-such.iso")
	for _, args := range [][]string{
		{"verify", "--data", data, missing},
		{"verify", "--signer", filepath.Join(data, "keys", "archive.pub.asc"), missing},
		{"verify", "--data", data, img, missing},
		{"verify", "--data", data, "stdio:" + missing},
	} {
		out := archiverErr(t, 1, args...)
		if !strings.Contains(out, "does not exist") || !strings.Contains(out, "hint: ") || strings.Contains(out, "damaged") {
			t.Errorf("%v:\n%s", args, out)
		}
	}
	if out := archiver(t, 0, "audit", "show", "--data", data); strings.Contains(out, "no-such") {
		t.Fatalf("a verification of the missing path was recorded:\n%s", out)
	}
	_ = label
}
