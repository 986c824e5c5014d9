package backfill

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kind is what a source path holds.
type Kind string

const (
	KindMessage Kind = "message" // one raw message
	KindMbox    Kind = "mbox"    // first line "From " after an optional BOM
)

// item is one file found under a path argument, or a skipped entry.
type item struct {
	path string
	skip string // non-empty: not ingested, with this reason
}

// walk expands a path argument into files, in lexical order. Directories
// are walked recursively (maildir cur/ and new/ included, tmp/ skipped as
// in-delivery). Dotfiles (.uidvalidity, .noindex…) and empty files outside
// a maildir cur/ or new/ are skipped with a reason; an empty regular file
// inside cur/ or new/ is a zero-byte message.
func walk(root string) ([]item, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []item{{path: root}}, nil
	}
	var items []item
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			items = append(items, item{path: p, skip: err.Error()})
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && name == "tmp" && isMaildir(filepath.Dir(p)) {
				items = append(items, item{path: p, skip: "maildir tmp/ holds deliveries in progress"})
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case !d.Type().IsRegular():
			items = append(items, item{path: p, skip: "not a regular file"})
		case strings.HasPrefix(name, "."):
			items = append(items, item{path: p, skip: "dotfile (maildir/mail client marker)"})
		case isEmpty(d) && !inMaildirSub(p):
			items = append(items, item{path: p, skip: "empty file outside a maildir cur/ or new/"})
		default:
			items = append(items, item{path: p})
		}
		return nil
	})
	sort.SliceStable(items, func(i, j int) bool { return items[i].path < items[j].path })
	return items, err
}

func isEmpty(d fs.DirEntry) bool {
	fi, err := d.Info()
	return err == nil && fi.Size() == 0
}

// isMaildir reports whether dir has cur/ and new/ subdirectories.
func isMaildir(dir string) bool {
	for _, s := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, s)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// inMaildirSub reports whether p sits directly in a maildir's cur/ or new/.
func inMaildirSub(p string) bool {
	parent := filepath.Dir(p)
	base := filepath.Base(parent)
	return (base == "cur" || base == "new") && isMaildir(filepath.Dir(parent))
}

// detect peeks at br and tells an mbox from a single message.
func detect(br *bufio.Reader) Kind {
	b, _ := br.Peek(8)
	b = bytes.TrimPrefix(b, bom)
	if bytes.HasPrefix(b, []byte("From ")) {
		return KindMbox
	}
	return KindMessage
}

// isEML reports whether path names a .eml file: always one message, stored
// byte-exact even when it begins with an mbox "From " postmark line.
func isEML(path string) bool { return strings.EqualFold(filepath.Ext(path), ".eml") }

// openSource opens a file (or stdin for "-") for reading.
func openSource(path string, stdin io.Reader) (io.ReadCloser, error) {
	if path == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		return io.NopCloser(stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("backfill: %w", err)
	}
	return f, nil
}
