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

// SetSealChunk sets how many records RecordSealed rewrites per transaction
// after recording a set, and a fault run before transaction n (from 1)
// that stops it there as a crash would; restore undoes both.
func SetSealChunk(n int, fault func(n int) error) (restore func()) {
	c0, f0 := sealChunk, sealChunkFault
	sealChunk, sealChunkFault = n, fault
	return func() { sealChunk, sealChunkFault = c0, f0 }
}

// Bucket names and key helpers for tests that damage the database.
const (
	BucketIdxTenant = bIdxTenant
	BucketIdxIdent  = bIdxIdent
	BucketMessages  = bMessages
	BucketAudit     = bAudit
	BucketBodies    = bBodies
	BucketAlarms    = bAlarms
	BucketSealing   = bSealing
)

var (
	TenantKey = tenantKey
	U64       = u64
)

// CommitReleases is how many commits of j's bbolt store ran with the
// mapping being released meanwhile (releaseDuringCommit); -1 for another
// store.
func CommitReleases(j *Journal) int64 {
	if b, ok := j.st.(*boltStore); ok {
		return b.commitReleases.Load()
	}
	return -1
}
