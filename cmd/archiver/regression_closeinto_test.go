package main

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
)

// TestStoreCloseFailureIsNotExitZero (bug: every command ran `defer
// s.close()`, dropping the error of closing its journal and catalog, so a
// command whose catalog did not close cleanly still exited 0).
func TestStoreCloseFailureIsNotExitZero(t *testing.T) {
	open := func() *store {
		dir := t.TempDir()
		j, err := journal.Open(filepath.Join(dir, "journal"), journal.Options{MinFreeBytes: -1})
		if err != nil {
			t.Fatal(err)
		}
		cat, err := catalog.Open(filepath.Join(dir, "catalog"), j)
		if err != nil {
			t.Fatal(err)
		}
		return &store{data: dir, j: j, cat: cat, owned: true}
	}
	run := func(s *store, result error) (err error) {
		defer s.closeInto(&err)
		return result
	}

	if err := run(open(), nil); err != nil {
		t.Fatalf("clean close: %v", err)
	}

	s := open()
	s.cat.Close() // a second Close fails with catalog.ErrClosed
	err := run(s, nil)
	if !errors.Is(err, catalog.ErrClosed) || exitCode(err) == exitOK {
		t.Fatalf("close failure: err = %v, exit %d; want catalog.ErrClosed and a non-zero exit", err, exitCode(err))
	}

	s = open()
	s.cat.Close()
	verr := errors.New("verification failed")
	err = run(s, withCode(exitVerify, verr))
	if !errors.Is(err, verr) || !errors.Is(err, catalog.ErrClosed) || exitCode(err) != exitVerify {
		t.Fatalf("command error and close failure: err = %v, exit %d; want both, exit %d", err, exitCode(err), exitVerify)
	}
}
