//go:build !faultinject

package main

// faultInjectBuild says this binary reads the fault variables
// (ARCHIVER_FAULT, ARCHIVER_TEST_CORRUPT_COPY): not without -tags
// faultinject.
const faultInjectBuild = false

// corruptCopyFromEnv: a build without -tags faultinject ignores
// ARCHIVER_TEST_CORRUPT_COPY.
func corruptCopyFromEnv(*env) (func(dev, image string, copy int) error, error) { return nil, nil }
