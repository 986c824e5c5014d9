//go:build !faultinject

package sealing

import "testing"

// TestFaultEnvIgnored: a normal build does not read ARCHIVER_FAULT.
func TestFaultEnvIgnored(t *testing.T) {
	t.Setenv("ARCHIVER_FAULT", "seal:after-stage:error")
	if faultFromEnv() != nil {
		t.Fatal("ARCHIVER_FAULT read by a build without -tags faultinject")
	}
}
