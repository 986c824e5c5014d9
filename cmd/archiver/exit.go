package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// Exit codes, documented in --help and docs/cli.md.
const (
	exitOK        = 0   // success
	exitError     = 1   // any error not listed below
	exitAlarm     = 2   // status: an alarm is raised
	exitVerify    = 3   // verification failed (verify, burn, run) or release refused
	exitMedia     = 4   // a message or volume does not fit the medium
	exitCancelled = 130 // SIGINT/SIGTERM (128+2)
)

const exitCodesHelp = `EXIT CODES:
   0    ok
   1    error
   2    alarm raised (status)
   3    verification failed, or something was refused (verify, burn, release, run)
   4    media too small (a message or volume does not fit the chosen medium)
   130  cancelled (SIGINT)`

// codeError carries an exit code other than 1.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codeError{code, err}
}

// hintError ends an error message with the exact next command to run.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &hintError{err, fmt.Sprintf(format, args...)}
}

// silentError is an exit code whose message was already printed (status alarms,
// verify reports).
var errSilent = errors.New("")

// exitCode maps an error to the process exit code; the only place that does.
func exitCode(err error) int {
	var ce *codeError
	var ee cli.ExitCoder
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitCancelled
	case errors.As(err, &ce):
		return ce.code
	case isCapacity(err):
		return exitMedia
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return exitError
}

// report prints err (and its hint) to stderr and returns the exit code.
func report(e *env, err error) int {
	code := exitCode(err)
	if err == nil || errors.Is(err, errSilent) && err.Error() == "" {
		return code
	}
	msg := err.Error()
	if code == exitCancelled {
		msg = "cancelled"
	}
	if msg != "" {
		fmt.Fprintf(e.stderr, "archiver: %s\n", strings.TrimSpace(msg))
	}
	var he *hintError
	if errors.As(err, &he) && he.hint != "" {
		fmt.Fprintf(e.stderr, "hint: %s\n", he.hint)
	}
	return code
}
