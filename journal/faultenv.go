//go:build faultinject

package journal

import "os"

// faultFromEnv adds the commit faults $ARCHIVER_FAULT names to o.FailCommit
// (see Options.FailCommit). Only binaries built with -tags faultinject have
// it: crash and fault tests of a real binary build one; a release build
// never changes behaviour by an environment variable.
func faultFromEnv(o *Options) error {
	spec := os.Getenv("ARCHIVER_FAULT")
	if spec == "" {
		return nil
	}
	f, err := parseFault(spec)
	if err != nil {
		return err
	}
	o.FailCommit = chainFault(o.FailCommit, f)
	return nil
}
