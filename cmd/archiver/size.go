package main

import (
	"fmt"
	"strconv"
	"strings"
)

// parseSize reads a byte count: "1048576", "256M", "256MiB", "1G", "10KB".
// K, M, G, T are powers of 1024 (so "256M" is 256 MiB).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMGT", t[n-1]); i >= 0 {
			mult = 1 << (10 * (i + 1))
			t = t[:n-1]
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q (want bytes, or a number with K, M, G or T)", s)
	}
	return n * mult, nil
}
