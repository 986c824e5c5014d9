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
