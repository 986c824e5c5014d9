package journal

import "io"

// Test-only access for package journal_test.

// SetParsers replaces the header-summary and journal-report parsers until
// the returned restore func runs. A nil argument keeps that parser.
func SetParsers(sum func(io.Reader) Summary, rep func(io.Reader) *JournalReport) (restore func()) {
	s0, r0 := summarize, parseReport
	if sum != nil {
		summarize = sum
	}
	if rep != nil {
		parseReport = rep
	}
	return func() { summarize, parseReport = s0, r0 }
}

// RawUpdate runs fn in a write transaction on the underlying store.
func (j *Journal) RawUpdate(fn func(Tx) error) error { return j.update(fn) }

// Bucket names and key helpers for tests that damage the database.
const (
	BucketIdxTenant = bIdxTenant
	BucketIdxIdent  = bIdxIdent
	BucketMessages  = bMessages
	BucketAudit     = bAudit
	BucketBodies    = bBodies
	BucketAlarms    = bAlarms
)

var (
	TenantKey = tenantKey
	U64       = u64
)
