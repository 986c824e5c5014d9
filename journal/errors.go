package journal

import (
	"errors"
	"fmt"
)

// ErrTransient matches (errors.Is) every error after which the sender must
// retry later: an SMTP front end answers 4xx for it, never 5xx and never 250
// (RFC 5321 §4.2.1). ErrTooLarge, ErrLowSpace and ErrUnavailable match it.
var ErrTransient = errors.New("journal: transient failure, retry later")

// Sentinel errors returned by this package. Wrapped errors keep them
// reachable with errors.Is.
var (
	// ErrNotFound: no tenant, message, volume or hold by that name/number.
	ErrNotFound = errors.New("journal: not found")
	// ErrExists: a tenant, volume label or hold of that name already exists.
	ErrExists = errors.New("journal: already exists")
	// ErrLocked: Open could not lock journal.db within LockTimeout.
	ErrLocked = errors.New("journal is in use by another archiver process")
	// ErrReleased: the body was deleted by Release, or the volume is released.
	ErrReleased = errors.New("journal: released, body no longer in the journal")
	// ErrAlreadySealed: RecordSealed named a message that is not Journaled.
	ErrAlreadySealed = errors.New("journal: message already sealed")
	// ErrNotVerified: Release found too few OK deep verifications.
	ErrNotVerified = errors.New("journal: volume not verified")
	// ErrTooLarge: the message exceeds Options.MaxMessageBytes (SMTP 452).
	ErrTooLarge error = &transient{"journal: message too large"}
	// ErrLowSpace: free disk is below Options.MinFreeBytes (SMTP 452).
	ErrLowSpace error = &transient{"journal: free disk space below watermark"}
	// ErrUnavailable: the journal could not write (I/O error, disk full,
	// read-only file system, closed). Wraps the cause. SMTP 451.
	ErrUnavailable error = &transient{"journal: unavailable"}
	// ErrClosed: the Journal was closed. Matches ErrUnavailable.
	ErrClosed = fmt.Errorf("%w: closed", ErrUnavailable)
)

// transient is a sentinel that also matches ErrTransient.
type transient struct{ msg string }

func (e *transient) Error() string        { return e.msg }
func (e *transient) Is(target error) bool { return target == ErrTransient }

// unavailable wraps a storage error as ErrUnavailable, keeping the cause.
func unavailable(op string, err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

// AuditError says where the audit hash chain breaks.
type AuditError struct {
	Seq    uint64 // first event that does not verify
	Reason string
}

func (e *AuditError) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", e.Seq, e.Reason)
}

// Finding is one inconsistency reported by Check.
type Finding struct {
	Kind   string `json:"kind"` // "corrupt-record", "body-mismatch", "index", "duplicate-identity", "seq-gap", "stats", "orphan-body", "audit"
	Tenant string `json:"tenant,omitempty"`
	Seq    uint64 `json:"seq,omitempty"` // tenant sequence, or audit event number for "audit"
	Detail string `json:"detail"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s tenant=%q seq=%d: %s", f.Kind, f.Tenant, f.Seq, f.Detail)
}
