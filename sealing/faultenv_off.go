//go:build !faultinject

package sealing

// faultFromEnv: a build without -tags faultinject ignores ARCHIVER_FAULT.
func faultFromEnv() FaultFunc { return nil }
