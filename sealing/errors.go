package sealing

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/archiver/archiver/journal"

	"github.com/archiver/archiver/sealing/format"
)

// Sentinel errors.
var (
	// ErrNoRecipients: the tenant has no OpenPGP recipient key.
	ErrNoRecipients = errors.New("sealing: tenant has no recipient key")
	// ErrVerifyFailed: a freshly written image failed its self-verification;
	// nothing was recorded as sealed. The *VerifyError carries the findings.
	ErrVerifyFailed = errors.New("sealing: verification failed")
	// ErrSealInProgress: another Seal holds the lock of OutDir (a
	// *SealInProgressError says which); nothing was done.
	ErrSealInProgress = errors.New("sealing: another seal is in progress")
	// ErrFault is returned by an injected fault (SealOptions.Fault, or
	// ARCHIVER_FAULT in a -tags faultinject build; tests only).
	ErrFault = errors.New("sealing: injected fault")
)

// TooLargeError: one message does not fit on an empty volume of the chosen
// medium. Fits names the smallest profile that would hold it ("" if none).
type TooLargeError struct {
	Tenant  string
	Seq     uint64
	Bytes   int64 // ciphertext size, bytes
	Need    int64 // image size with only this message, 2048-byte sectors
	Have    int64 // medium capacity, 2048-byte sectors
	Profile string
	Fits    string
}

func (e *TooLargeError) Error() string {
	hint := "no profile holds it"
	if e.Fits != "" {
		hint = "use --media " + e.Fits
	}
	return fmt.Sprintf("sealing: message %s/%d (%d bytes encrypted) needs %d sectors, %s holds %d: %s",
		e.Tenant, e.Seq, e.Bytes, e.Need, e.Profile, e.Have, hint)
}

// VerifyError lists the findings that failed a self-verification.
type VerifyError struct {
	Image    string
	Findings []format.Finding
}

func (e *VerifyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sealing: %s failed verification:", e.Image)
	for _, f := range e.Findings {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

func (e *VerifyError) Unwrap() error { return ErrVerifyFailed }

// AlreadyReleasedError: Release was asked for a volume that was already
// released (at Released, UTC). Nothing was changed; callers that treat
// release as idempotent (the CLI) report it and succeed. It matches
// journal.ErrReleased.
type AlreadyReleasedError struct {
	Label    string
	Released time.Time // UTC
}

func (e *AlreadyReleasedError) Error() string {
	return fmt.Sprintf("sealing: %s already released on %s", e.Label, e.Released.UTC().Format(time.RFC3339))
}

func (e *AlreadyReleasedError) Unwrap() error { return journal.ErrReleased }

// NameError: a release argument names no file, drive or volume (a path
// that does not exist, a directory, an unknown label). It is a usage
// error: nothing was read or changed. It matches journal.ErrNotFound.
type NameError struct {
	Arg    string
	Detail string // what is wrong with it, e.g. "does not exist"
}

func (e *NameError) Error() string { return e.Arg + " " + e.Detail }

func (e *NameError) Unwrap() error { return journal.ErrNotFound }

// Reasons of a RefusedError.
const (
	// RefusedDamaged: a copy counted failed its re-check at release.
	RefusedDamaged = "damaged"
	// RefusedNotThisVolume: the file or disc given is not the image sealed
	// (altered, or an image of another data directory with the same label).
	RefusedNotThisVolume = "not-this-volume"
	// RefusedTooFew: fewer distinct copies than required.
	RefusedTooFew = "too-few-copies"
)

// RefusedError: Release refused volume Label; no body was deleted. It
// matches journal.ErrNotVerified.
type RefusedError struct {
	Label   string // "" when the argument matched no volume
	Arg     string // the release argument, when it was a file or drive
	Reason  string // RefusedDamaged, RefusedNotThisVolume or RefusedTooFew
	Counted int    // distinct copies counted
	Copies  int    // distinct copies required
	Detail  string // which copy, and why; what did not count
}

func (e *RefusedError) Error() string {
	if e.Label == "" {
		return "release refused: " + e.Detail
	}
	return "release " + e.Label + " refused: " + e.Detail
}

func (e *RefusedError) Unwrap() error { return journal.ErrNotVerified }
