// Command bench compares media's mastering with xorriso and with a plain
// sequential write, on the same generated tree of mixed-size files.
//
//	go run ./media/bench -size 1GiB -dir /var/tmp/mediabench
//
// It generates (once, deterministically) files of 2 KB to 10 MB totalling
// -size bytes under DIR/src, then, each in a child process timed from start
// to a completed fsync of its output:
//   - media: Plan + Layout.WriteTo into DIR/media.iso (copy_file_range
//     from the source files), and "media (buf)": the same through a
//     user-space buffer
//   - xorriso -as mkisofs -J -quiet -o DIR/xorriso.iso DIR/src
//   - dd: a plain sequential write of the media image's byte count
//
// It prints wall time, throughput, the xorriso/media time ratio (>1 means
// media is faster), media as a fraction of the plain write, and the peak
// RSS of each child (getrusage ru_maxrss). Figures: README's performance
// table; method: docs/media.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-child" {
		if err := child(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			os.Exit(1)
		}
		return
	}
	size := flag.String("size", "1GiB", "bytes of generated files (suffix KiB, MiB, GiB)")
	runs := flag.Int("runs", 3, "interleaved runs; the best time of each counts")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "mediabench"), "work directory (reused; needs 3×size free)")
	flag.Parse()
	n, err := parseSize(*size)
	if err == nil {
		err = run(*dir, n, *runs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}
