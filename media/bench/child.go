package main

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/archiver/archiver/media"
)

// child runs one measured task in its own process.
func child(args []string) error {
	switch {
	case len(args) == 3 && args[0] == "master":
		return master(args[1], args[2], false)
	case len(args) == 3 && args[0] == "master-buffered":
		return master(args[1], args[2], true)
	case len(args) == 3 && args[0] == "dd":
		n, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return err
		}
		return plainWrite(args[2], n)
	}
	return fmt.Errorf("usage: -child master|master-buffered SRC OUT | -child dd BYTES OUT")
}

// master images the tree under src with media into out. buffered hides
// the *os.File from WriteTo, forcing a user-space copy instead of
// copy_file_range.
func master(src, out string, buffered bool) error {
	var files []media.File
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		files = append(files, media.File{Path: filepath.ToSlash(rel), Size: fi.Size(),
			Open: func() (io.ReadCloser, error) {
				f, err := os.Open(p)
				if buffered && err == nil {
					return struct{ io.ReadCloser }{f}, nil
				}
				return f, err
			}})
		return nil
	})
	if err != nil {
		return err
	}
	l, err := media.Plan(media.VolumeInfo{VolumeID: "BENCH", Recorded: time.Unix(0, 0)}, files)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := l.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// plainWrite writes n zero bytes sequentially in 1 MiB writes (dd-style).
func plainWrite(out string, n int64) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := f.Write(buf[:k]); err != nil {
			f.Close()
			return err
		}
		n -= k
	}
	return f.Close()
}

// generate writes the deterministic tree once; an existing complete tree
// (marked by DONE) is reused.
func generate(src string, total int64) error {
	done := filepath.Join(src, fmt.Sprintf("DONE_%d", total))
	if _, err := os.Stat(done); err == nil {
		return nil
	}
	os.RemoveAll(src)
	r := rand.New(rand.NewPCG(1, 2))
	var key [32]byte
	data := rand.NewChaCha8(key)
	for i, sum := 0, int64(0); sum < total; i++ {
		size := 2000 + r.Int64N(10_000_000-2000)
		if i%3 == 0 {
			size = 2000 + r.Int64N(60_000)
		}
		p := filepath.Join(src, fmt.Sprintf("D%02d", i%13), fmt.Sprintf("%08d.BIN", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, data, size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		sum += size
	}
	return os.WriteFile(done, nil, 0o644)
}
