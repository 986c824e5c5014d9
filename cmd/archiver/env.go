package main

import (
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"
)

// env is everything a command may touch outside its flags: standard streams,
// the caller's working directory and ARCHIVER_* environment, and, inside a
// running `serve`, the shared open journal and catalog. Tests build their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	cwd            string            // relative paths in flags resolve against it
	vars           map[string]string // ARCHIVER_* (and CI) environment of the caller
	tty            bool              // stdout is a terminal: progress bars allowed
	interactive    bool              // stdin is a terminal: an operator can be asked to insert a disc
	user           string            // actor recorded in the audit trail
	now            func() time.Time
	shared         *shared // non-nil when running inside serve for a forwarded command
}

func osEnv() *env {
	cwd, _ := os.Getwd()
	e := &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		cwd:  cwd,
		vars: map[string]string{},
		tty:  term.IsTerminal(int(os.Stdout.Fd())),
		now:  time.Now,
	}
	e.interactive = term.IsTerminal(int(os.Stdin.Fd()))
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && forwardedVar(k) {
			e.vars[k] = v
		}
	}
	e.user = "unknown"
	if u, err := user.Current(); err == nil {
		e.user = u.Username
	}
	return e
}

// forwardedVar says which environment variables reach a forwarded command.
func forwardedVar(k string) bool { return strings.HasPrefix(k, "ARCHIVER_") }

func (e *env) getenv(k string) string { return e.vars[k] }

// abs resolves p against the caller's working directory ("-" stays stdin).
func (e *env) abs(p string) string {
	if p == "" || p == "-" || filepath.IsAbs(p) {
		return p
	}
	if isDevice(p) {
		return e.absDevice(p)
	}
	return filepath.Join(e.cwd, p)
}

func (e *env) absAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = e.abs(p)
	}
	return out
}

// isDevice reports whether p names a drive for xorriso ("stdio:/path", "/dev/sr0").
func isDevice(p string) bool { return strings.HasPrefix(p, "stdio:") || strings.HasPrefix(p, "mmc:") }

// absDevice resolves the path inside "stdio:PATH".
func (e *env) absDevice(d string) string {
	if rest, ok := strings.CutPrefix(d, "stdio:"); ok {
		return "stdio:" + e.abs(rest)
	}
	return d
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
