//go:build !faultinject

package journal

// faultFromEnv: a build without -tags faultinject ignores ARCHIVER_FAULT.
func faultFromEnv(*Options) error { return nil }
