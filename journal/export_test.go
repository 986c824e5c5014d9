package journal

import (
	"crypto/sha256"
	"fmt"
	"io"
	"time"
)

// Test-only access for package journal_test.

// SetParsers replaces j's header-summary and journal-report parsers until
// the returned restore func runs. A nil argument keeps that parser.
func SetParsers(j *Journal, sum func(io.Reader) Summary, rep func(io.Reader) *JournalReport) (restore func()) {
	h0 := j.hooks
	if sum != nil {
		j.hooks.summarize = sum
	}
	if rep != nil {
		j.hooks.parseReport = rep
	}
	return func() { j.hooks.summarize, j.hooks.parseReport = h0.summarize, h0.parseReport }
}

// RawUpdate runs fn in a write transaction on the underlying store.
func (j *Journal) RawUpdate(fn func(Tx) error) error { return j.update(fn) }

// SetSealChunk sets how many messages j's RecordSealed marks, and
// finishSealing rewrites, per transaction, and a fault run before
// finishSealing's transaction n (from 1) that stops it there as a crash
// would; restore undoes both.
func SetSealChunk(j *Journal, n int, fault func(n int) error) (restore func()) {
	c0, f0 := j.hooks.sealChunk, j.hooks.sealChunkFault
	j.hooks.sealChunk, j.hooks.sealChunkFault = n, fault
	return func() { j.hooks.sealChunk, j.hooks.sealChunkFault = c0, f0 }
}

// SetSealFault sets a fault run at each step of RecordSealed: step "marks"
// before mark transaction n (from 1), "volumes" before the transaction
// recording the volumes, "recorded" after it (n 0). An error stops
// RecordSealed there as a crash would: no cleanup; at "recorded" it
// returns nil, the set being recorded. restore undoes it.
func SetSealFault(j *Journal, fault func(step string, n int) error) (restore func()) {
	f0 := j.hooks.sealFault
	j.hooks.sealFault = fault
	return func() { j.hooks.sealFault = f0 }
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

// FillJournaled stores n bodyless Journaled messages of tenant directly,
// 10,000 per transaction, received at recv: RecordSealed at the scale of
// a full volume without ingesting that many messages.
func FillJournaled(j *Journal, tenant string, n int, recv time.Time) error {
	for done := 0; done < n; {
		err := j.update(func(tx Tx) error {
			var b batchInfo
			for ; done < n && b.stored < 10000; done++ {
				rec := record{Message: Message{Tenant: tenant, Received: recv, State: Journaled}}
				rec.SHA256 = sha256.Sum256(fmt.Appendf(nil, "%s/%d", tenant, done))
				rec.Identity = rec.SHA256
				if err := insertRecord(tx, &rec, &b); err != nil {
					return err
				}
				b.stored++
			}
			return b.flushStats(tx)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SetReleaseChunk sets how many messages one of j's Release transactions
// releases and a fault run before transaction n (from 1); an error stops
// Release there as a crash would. restore undoes both.
func SetReleaseChunk(j *Journal, n int, fault func(n int) error) (restore func()) {
	c0, f0 := j.hooks.releaseChunk, j.hooks.releaseFault
	j.hooks.releaseChunk, j.hooks.releaseFault = n, fault
	return func() { j.hooks.releaseChunk, j.hooks.releaseFault = c0, f0 }
}

// ParseFault parses a commit fault spec ("commit:N", "commit:N+", joined
// by commas) into a func for Options.FailCommit.
func ParseFault(spec string) (func() error, error) { return parseFault(spec) }
