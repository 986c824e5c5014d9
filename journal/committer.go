package journal

import (
	"errors"
	"fmt"
	"time"
)

// committer drains the commit queue into group commits: one write
// transaction (one fsync) for up to Options.MaxBatch deliveries.
func (j *Journal) committer() {
	defer j.wg.Done()
	defer close(j.done)
	var w writers
	for {
		select {
		case <-j.stop:
			j.drainClosed()
			return
		case r := <-j.commits:
			batch := j.gather(r, &w)
			start := time.Now()
			j.commitBatch(batch)
			w.observe(len(batch), time.Since(start))
		}
	}
}

func (j *Journal) stopped() <-chan struct{} { return j.done }

// maxLinger bounds how long a group commit waits for more deliveries.
const maxLinger = 4 * time.Millisecond

// writers estimates the concurrent writers from recent batches.
type writers struct {
	expect  int           // decaying maximum of recent batch sizes
	lastDur time.Duration // the previous commit's duration
}

// observe records a commit of n deliveries that took d. The estimate
// falls by an eighth per batch, so a lone writer is back to never
// lingering after a few commits.
func (w *writers) observe(n int, d time.Duration) {
	w.expect = max(n, w.expect-max(1, w.expect/8))
	w.lastDur = d
}

// gather takes r and whatever else is queued, up to the batch limits. When
// recent batches held several deliveries (concurrent writers), it lingers
// until as many deliveries as the largest recent batch have come, for at
// most the previous commit's duration (capped at maxLinger): the writers
// answered by one commit then join the next one together, instead of
// splitting into alternating cohorts that each pay a whole fsync. A lone
// writer never waits. Durability is unchanged: every delivery is answered
// only after the transaction holding it has been fsync'd.
func (j *Journal) gather(r *commitReq, w *writers) []*commitReq {
	batch := []*commitReq{r}
	n := int64(len(r.inline))
	var deadline <-chan time.Time
	if w.expect > 1 {
		t := time.NewTimer(min(w.lastDur, maxLinger))
		defer t.Stop()
		deadline = t.C
	}
	for len(batch) < j.opts.MaxBatch && n < batchBytes {
		select {
		case r2 := <-j.commits:
			batch, n = append(batch, r2), n+int64(len(r2.inline))
			continue
		default:
		}
		if deadline == nil || len(batch) >= w.expect {
			return batch
		}
		select {
		case r2 := <-j.commits:
			batch, n = append(batch, r2), n+int64(len(r2.inline))
		case <-deadline:
			return batch
		}
	}
	return batch
}

func (j *Journal) drainClosed() {
	for {
		select {
		case r := <-j.commits:
			j.dropStaged(r)
			r.done <- commitRes{err: ErrClosed}
		default:
			return
		}
	}
}

// commitBatch applies batch in one transaction and answers every request.
func (j *Journal) commitBatch(batch []*commitReq) {
	results, newDefault, err := j.applyBatch(batch)
	var de deliveryError
	if err != nil && len(batch) > 1 && errors.As(err, &de) {
		// One bad delivery must not fail the others: retry each alone. A
		// failed commit (write, fsync, full disk) fails the batch at once:
		// retrying its deliveries one by one would only fail N more times.
		for _, r := range batch {
			j.commitBatch([]*commitReq{r})
		}
		return
	}
	if err != nil {
		err = unavailable("commit", err)
		j.writeFailed(err)
		for _, r := range batch {
			j.dropStaged(r)
			r.done <- commitRes{err: err}
		}
		return
	}
	if newDefault {
		j.loadTenants()
	}
	for i, r := range batch {
		r.done <- commitRes{stored: results[i]}
	}
	j.signal()
}

// deliveryError is an error applying one delivery of a batch (as opposed
// to committing the batch); its text is the cause's.
type deliveryError struct{ err error }

func (e deliveryError) Error() string { return e.err.Error() }
func (e deliveryError) Unwrap() error { return e.err }

// applyBatch runs the group-commit transaction: the fault hook, every
// delivery, the batch's stats and its audit event.
func (j *Journal) applyBatch(batch []*commitReq) (results [][]Stored, newDefault bool, err error) {
	err = j.update(func(tx Tx) error {
		if f := j.opts.FailCommit; f != nil {
			if err := f(); err != nil {
				return fmt.Errorf("%w: %w", errInjected, err)
			}
		}
		results = make([][]Stored, len(batch))
		b := &batchInfo{}
		for i, r := range batch {
			st, err := j.apply(tx, r, b)
			if err != nil {
				return deliveryError{err}
			}
			results[i] = st
		}
		newDefault = b.newDefault
		if err := b.flushStats(tx); err != nil {
			return err
		}
		return b.audit(tx, j.now(), j.opts.Actor)
	})
	return results, newDefault, err
}

// signal wakes a Notify reader (non-blocking, coalesced).
func (j *Journal) signal() {
	select {
	case j.notify <- struct{}{}:
	default:
	}
}

// writeFailed raises the "write-failure" alarm for a failed commit.
func (j *Journal) writeFailed(err error) {
	j.opts.Logger.Error("journal write failed", "err", err)
	j.RaiseAlarm(Alarm{Kind: "write-failure", Message: fmt.Sprintf(
		"journal could not store a message (senders were told to retry): %v", err)})
}

// batchInfo collects what a group commit did, for its audit event.
type batchInfo struct {
	stored, dups int
	first, last  uint64 // JSeq range of new messages
	newDefault   bool
	stats        map[string]*tenantStats // deltas of this batch
}

func (b *batchInfo) addStats(rec *record) {
	if b.stats == nil {
		b.stats = map[string]*tenantStats{}
	}
	s := b.stats[rec.Tenant]
	if s == nil {
		s = &tenantStats{}
		b.stats[rec.Tenant] = s
	}
	statsOf(rec, s)
}

// flushStats adds the batch's deltas to the stored stats.
func (b *batchInfo) flushStats(tx Tx) error {
	for t, d := range b.stats {
		err := addStats(tx, t, func(s *tenantStats) {
			s.Messages += d.Messages
			s.Sealed += d.Sealed
			s.Released += d.Released
			s.Bytes += d.Bytes
			s.BodyBytes += d.BodyBytes
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *batchInfo) audit(tx Tx, now time.Time, actor string) error {
	if b.stored+b.dups == 0 {
		return nil
	}
	d := fmt.Sprintf("ingest %d messages, %d duplicate receipts", b.stored, b.dups)
	if b.stored > 0 {
		d += fmt.Sprintf(", jseq %d-%d", b.first, b.last)
	}
	_, err := appendAudit(tx, now, actor, "ingest", d)
	return err
}
