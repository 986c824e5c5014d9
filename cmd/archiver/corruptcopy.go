//go:build faultinject

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// faultInjectBuild says this binary reads the fault variables
// (ARCHIVER_FAULT, ARCHIVER_TEST_CORRUPT_COPY).
const faultInjectBuild = true

// corruptCopyFromEnv is run's AfterBurn for ARCHIVER_TEST_CORRUPT_COPY=N:
// after burning copy N, flip one bit in the middle of the image on the
// stdio: pseudo-drive's file; nil when the variable is unset. Only
// binaries built with -tags faultinject have it (the tests that need a
// bad copy build one); a release build never reads the variable.
func corruptCopyFromEnv(e *env) (func(dev, image string, copy int) error, error) {
	spec := e.getenv("ARCHIVER_TEST_CORRUPT_COPY")
	if spec == "" {
		return nil, nil
	}
	want, err := strconv.Atoi(spec)
	if err != nil {
		return nil, fmt.Errorf("ARCHIVER_TEST_CORRUPT_COPY %q: %w", spec, err)
	}
	return func(dev, image string, c int) error {
		if c != want || !strings.HasPrefix(dev, "stdio:") {
			return nil
		}
		fi, err := os.Stat(image)
		if err != nil {
			return err
		}
		return flipByte(strings.TrimPrefix(dev, "stdio:"), fi.Size()/2)
	}, nil
}

// flipByte flips one bit of the byte at off in the file at path.
func flipByte(path string, off int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		return err
	}
	b[0] ^= 0x40
	_, err = f.WriteAt(b, off)
	return err
}
