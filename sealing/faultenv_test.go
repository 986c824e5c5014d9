//go:build faultinject

package sealing

import (
	"errors"
	"testing"
)

// TestFaultEnv: a faultinject build reads ARCHIVER_FAULT.
func TestFaultEnv(t *testing.T) {
	t.Setenv("ARCHIVER_FAULT", "seal:after-stage:error")
	f := faultFromEnv()
	if f == nil || !errors.Is(f(FaultStaged, 0), ErrFault) {
		t.Fatal("ARCHIVER_FAULT not read by a faultinject build")
	}
}
