package backfill

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"

	"github.com/archiver/archiver/journal"
)

// deliver stores one message and records the outcome.
func (in *ingester) deliver(ctx context.Context, jb job, record func(func(*Result))) {
	stored, err := in.store(ctx, jb)
	if in.opts.Progress != nil {
		in.opts.Progress(1)
	}
	record(func(r *Result) {
		r.Read++
		switch {
		case err != nil:
			r.Failed++
			r.Failures = append(r.Failures, Failure{jb.source, err.Error()})
		case allDuplicate(stored):
			r.Duplicate++
		default:
			r.Stored++
		}
	})
	if err != nil {
		in.opts.Logger.Warn("ingest failed", "source", jb.source, "error", err)
	}
}

func allDuplicate(st []journal.Stored) bool {
	for _, s := range st {
		if !s.Duplicate {
			return false
		}
	}
	return len(st) > 0
}

// store streams the message into a journal delivery and commits it.
func (in *ingester) store(ctx context.Context, jb job) ([]journal.Stored, error) {
	var br *bufio.Reader
	switch {
	case jb.r != nil:
		br = bufio.NewReaderSize(jb.r, maxEnvelopeHeader)
	case jb.data == nil:
		f, err := os.Open(jb.path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		br = bufio.NewReaderSize(f, maxEnvelopeHeader)
	}
	var r io.Reader
	var head []byte
	if br != nil {
		head, _ = br.Peek(maxEnvelopeHeader)
		r = br
	} else {
		head = jb.data[:min(len(jb.data), maxEnvelopeHeader)]
		r = bytes.NewReader(jb.data)
	}
	env := envelopeOf(head, jb.source)
	d, err := in.j.BeginWith(ctx, env, journal.DeliveryOptions{Tenant: in.opts.Tenant, DateFromHeader: in.opts.DateFromHeader, Received: in.opts.Received})
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(d, r); err != nil {
		return nil, errors.Join(err, d.Abort())
	}
	return d.Commit(ctx)
}
