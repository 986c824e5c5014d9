package journal

import (
	"context"
	"fmt"
	"time"
)

// stageMin is the body size in bytes above which Commit moves the body into
// the database in separate transactions of stageTx bytes before the commit
// transaction, so that no transaction holds a large body in memory.
const (
	stageMin = 1 << 20
	stageTx  = 4 << 20
	// batchBytes bounds the inline body bytes of one group commit.
	batchBytes = 8 << 20
)

// Stored says where one tenant's copy of a delivery went.
type Stored struct {
	Tenant    string
	Seq, JSeq uint64
	SHA256    [32]byte // of the bytes delivered
	Size      int64    // bytes
	Duplicate bool     // identity already known: only a Receipt was added
}

// commitReq is one delivery waiting for the committer.
type commitReq struct {
	env      Envelope
	received time.Time
	sum      [32]byte
	size     int64
	summary  Summary
	report   *JournalReport
	tenants  []string
	unrouted bool
	inline   []byte // body when size <= stageMin
	staged   uint64 // body ID of a staged body when size > stageMin
	done     chan commitRes
}

type commitRes struct {
	stored []Stored
	err    error
}

// Commit stores the message for every tenant it routes to and returns once
// the data is fsync'd: one Stored per tenant, in tenant-name order.
// Concurrent Commits share one transaction and fsync (group commit).
// Errors: the sticky Write error (ErrTooLarge), ErrLowSpace, and
// ErrUnavailable (wrapping the cause) when nothing was stored; never
// success for data that is not durable. Once the delivery is queued, ctx is
// no longer consulted: the caller always learns the real outcome.
func (d *Delivery) Commit(ctx context.Context) ([]Stored, error) {
	if d.done {
		return nil, fmt.Errorf("journal: commit after commit or abort")
	}
	defer func() { d.done = true; d.release() }()
	if d.err != nil {
		return nil, d.err
	}
	if err := d.j.checkSpace(); err != nil {
		return nil, err
	}
	req, err := d.request()
	if err != nil {
		return nil, err
	}
	if d.size > stageMin {
		if req.staged, err = d.j.stageBody(ctx, d.body(), d.size); err != nil {
			d.j.writeFailed(err)
			return nil, err
		}
	} else if req.inline, err = d.bytes(); err != nil {
		return nil, unavailable("spool", err)
	}
	return d.j.submit(req)
}

// request parses the header summary and journal report and routes.
func (d *Delivery) request() (*commitReq, error) {
	r := &commitReq{env: d.env, size: d.size, received: d.j.now(), done: make(chan commitRes, 1)}
	copy(r.sum[:], d.sum.Sum(nil))
	if d.mayBeReport() {
		r.report = d.j.hooks.parseReport(d.body())
	}
	var ok bool
	if r.report != nil { // a journal report is summarized by the original it carries
		r.summary, ok = originalSummary(d.body(), d.j.hooks.summarize)
	}
	if !ok {
		r.summary = d.j.hooks.summarize(d.body())
	}
	if !d.opts.Received.IsZero() {
		r.received = d.opts.Received.UTC()
	}
	if d.opts.DateFromHeader && !r.summary.Date.IsZero() {
		r.received = r.summary.Date.UTC()
	}
	if d.opts.Tenant != "" {
		r.tenants = []string{d.opts.Tenant}
	} else {
		r.tenants, r.unrouted = d.j.route(d.env, r.report)
	}
	return r, nil
}

// submit queues req for the committer and waits for its result.
func (j *Journal) submit(req *commitReq) ([]Stored, error) {
	select {
	case j.commits <- req:
	case <-j.stop:
		j.dropStaged(req)
		return nil, ErrClosed
	}
	select {
	case res := <-req.done:
		return res.stored, res.err
	case <-j.stopped():
		select {
		case res := <-req.done:
			return res.stored, res.err
		default:
			return nil, ErrClosed
		}
	}
}
