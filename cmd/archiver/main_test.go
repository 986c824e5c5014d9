package main

import (
	"errors"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){"archiver": main})
}

// cleanupM removes what the tests left for the whole run (the
// faultinject build) once they are done.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	code := c.m.Run()
	if faultBin.dir != "" {
		os.RemoveAll(faultBin.dir)
	}
	return code
}

// TestScripts runs the txtar scripts in testdata/script against the real
// command (the test binary re-executed as "archiver").
//
// Extra script commands:
//
//	exits CODE PROG ARGS...  run PROG and require exit code CODE
//	waitfile PATH            wait up to 30s for PATH to exist
//	corrupt FILE             flip one bit in the middle of FILE
//	deliver ADDRFILE FROM TO FILE...  send FILEs over SMTP to the address in ADDRFILE
//
// $SAMPLES is the repository's testdata/ (the sample mail).
func TestScripts(t *testing.T) {
	root := testtool.RepoRoot(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(ts *testscript.Env) error {
			ts.Setenv("SAMPLES", filepath.Join(root, "testdata"))
			ts.Setenv("ARCHIVER_DATA", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"waitfile": cmdWaitfile,
			"deliver":  cmdDeliver,
			"corrupt":  cmdCorrupt,
		},
		RequireExplicitExec: true,
	})
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exec %s: %v", args[1], err)
	}
	if (got == want) == neg {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	p := ts.MkAbs(args[0])
	for i := 0; i < 300; i++ {
		if _, err := os.Stat(p); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within 30s", p)
}

// cmdDeliver: deliver ADDRFILE FROM TO FILE... sends each FILE over SMTP
// (net/smtp, the real path) to the address serve wrote into ADDRFILE.
func cmdDeliver(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 4 {
		ts.Fatalf("usage: deliver ADDRFILE FROM TO FILE...")
	}
	addr, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	for _, f := range args[3:] {
		b, err := os.ReadFile(ts.MkAbs(f))
		ts.Check(err)
		err = smtp.SendMail(strings.TrimSpace(string(addr)), nil, args[1], []string{args[2]}, b)
		if (err != nil) != neg {
			ts.Fatalf("deliver %s: %v", f, err)
		}
	}
}

func cmdCorrupt(ts *testscript.TestScript, neg bool, args []string) {
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_RDWR, 0)
	ts.Check(err)
	defer f.Close()
	fi, err := f.Stat()
	ts.Check(err)
	b := make([]byte, 1)
	_, err = f.ReadAt(b, fi.Size()/2)
	ts.Check(err)
	b[0] ^= 0x40
	_, err = f.WriteAt(b, fi.Size()/2)
	ts.Check(err)
}
