package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// result is one timed child process.
type result struct {
	name  string
	dur   time.Duration
	bytes int64
	rss   int64 // peak resident set, bytes
}

func run(dir string, size int64, runs int) error {
	src := filepath.Join(dir, "src")
	if err := generate(src, size); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ours := filepath.Join(dir, "media.iso")
	theirs := filepath.Join(dir, "xorriso.iso")
	plain := filepath.Join(dir, "plain.bin")
	xorriso, err := exec.LookPath("xorriso")
	if err != nil {
		return fmt.Errorf("xorriso not found: install it (Debian: apt-get install xorriso)")
	}
	tasks := []struct {
		name string
		out  string
		argv []string
	}{
		{"media", ours, []string{self, "-child", "master", src, ours}},
		{"media (buf)", ours, []string{self, "-child", "master-buffered", src, ours}},
		{"xorriso", theirs, []string{xorriso, "-as", "mkisofs", "-J", "-quiet", "-o", theirs, src}},
		{"plain write", plain, []string{self, "-child", "dd", "SIZE", plain}},
	}
	best := make([]result, len(tasks))
	for range runs { // interleaved, best of runs: the machine is shared
		for i, c := range tasks {
			if c.argv[3] == "SIZE" {
				c.argv[3] = fmt.Sprint(best[0].bytes)
			}
			r, err := timed(c.name, c.out, c.argv)
			if err != nil {
				return err
			}
			if best[i].dur == 0 || r.dur < best[i].dur {
				best[i] = r
			}
		}
	}
	report(size, runs, best)
	return nil
}

// timed runs argv and fsyncs out, timing both, and reads the child's
// peak RSS from getrusage.
func timed(name, out string, argv []string) (result, error) {
	os.Remove(out)
	syncAll()
	start := time.Now()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	f, err := os.OpenFile(out, os.O_RDWR, 0)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return result{}, err
	}
	r := result{name: name, dur: time.Since(start)}
	if fi, err := f.Stat(); err == nil {
		r.bytes = fi.Size()
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rss = ru.Maxrss * 1024 // Linux reports KiB
	}
	return r, nil
}

func syncAll() { syscall.Sync() }

func report(size int64, runs int, rs []result) {
	fmt.Printf("tree: %d bytes of files of 2 KB–10 MB; best of %d interleaved runs, each to a completed fsync\n", size, runs)
	for _, r := range rs {
		fmt.Printf("%-12s %8.2f s  %8.1f MiB/s  image %d bytes  peak RSS %.1f MiB\n",
			r.name, r.dur.Seconds(), float64(r.bytes)/(1<<20)/r.dur.Seconds(), r.bytes, float64(r.rss)/(1<<20))
	}
	xo, dd := rs[2], rs[3]
	for _, ours := range rs[:2] {
		fmt.Printf("%s: xorriso time / media time %.2f (>1: media faster); throughput %.0f%% of the plain sequential write\n",
			ours.name, xo.dur.Seconds()/ours.dur.Seconds(),
			100*(float64(ours.bytes)/ours.dur.Seconds())/(float64(dd.bytes)/dd.dur.Seconds()))
	}
}
