//go:build !faultinject

package main

import "testing"

// TestCorruptCopyEnvIgnored: a normal build does not change what run
// burns by ARCHIVER_TEST_CORRUPT_COPY, and a malformed value does not
// stop run.
func TestCorruptCopyEnvIgnored(t *testing.T) {
	for _, spec := range []string{"1", "2", "x"} {
		fn, err := corruptCopyFromEnv(&env{vars: map[string]string{"ARCHIVER_TEST_CORRUPT_COPY": spec}})
		if fn != nil || err != nil {
			t.Errorf("ARCHIVER_TEST_CORRUPT_COPY=%s: AfterBurn set %v, error %v; want neither", spec, fn != nil, err)
		}
	}
}
