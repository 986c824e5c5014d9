package sealing

import (
	"errors"
	"testing"
)

// TestParseFault: a seal fault spec fails exactly its point (and image),
// and specs of other steps are ignored.
func TestParseFault(t *testing.T) {
	if parseFault("commit:1") != nil || parseFault("") != nil {
		t.Fatal("a spec without a seal point gave a fault")
	}
	f := parseFault("commit:1,seal:after-image:2:error")
	for _, tc := range []struct {
		point string
		n     int
		fail  bool
	}{
		{FaultImage, 1, false}, {FaultImage, 2, true}, {FaultStaged, 0, false}, {FaultPartial, 2, false},
	} {
		err := f(tc.point, tc.n)
		if (err != nil) != tc.fail || (err != nil && !errors.Is(err, ErrFault)) {
			t.Errorf("%s %d: %v", tc.point, tc.n, err)
		}
	}
}
