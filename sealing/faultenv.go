//go:build faultinject

package sealing

import "os"

// faultFromEnv returns the seal fault $ARCHIVER_FAULT names (parseFault),
// nil when it names none. Only binaries built with -tags faultinject have
// it; a release build never changes behaviour by an environment variable.
func faultFromEnv() FaultFunc { return parseFault(os.Getenv("ARCHIVER_FAULT")) }
