package journal

import (
	"context"
	"time"
)

// pageSize is how many records one short read transaction loads.
const pageSize = 256

// Message returns one message by tenant sequence; ErrNotFound.
func (j *Journal) Message(ctx context.Context, tenant string, seq uint64) (Message, error) {
	var rec record
	err := j.view(func(tx Tx) error {
		var err error
		rec, err = lookupSeq(tx, tenant, seq)
		return err
	})
	return rec.Message, err
}

// Messages calls fn for every message of tenant in Seq order, or for
// tenant "" every message of every tenant in JSeq order. fn runs outside
// any transaction, so it may call back into the journal.
func (j *Journal) Messages(ctx context.Context, tenant string, fn func(Message) error) error {
	if tenant == "" {
		return j.scan(ctx, bMessages, nil, 0, func(tx Tx, k, v []byte) (Message, bool, error) {
			r, err := decodeRecordTx(tx, k, v)
			return r.Message, true, err
		}, fn)
	}
	return j.scan(ctx, bIdxTenant, tenantPrefix(tenant), 0, viaIndex, fn)
}

// Since calls fn for every message whose Rev > afterRev, in Rev order (the
// catalog's change feed).
func (j *Journal) Since(ctx context.Context, afterRev uint64, fn func(Message) error) error {
	return j.scan(ctx, bIdxRev, nil, afterRev+1, viaIndex, fn)
}

// Unsealed returns the tenant's messages in State Journaled whose Received
// is in [from, until), in Seq order. Zero from/until mean unbounded.
func (j *Journal) Unsealed(ctx context.Context, tenant string, from, until time.Time) ([]Message, error) {
	var out []Message
	err := j.scan(ctx, bIdxUnseal, tenantPrefix(tenant), 0, unsealedIn(tenant, from, until),
		func(m Message) error { out = append(out, m); return nil })
	return out, err
}

func viaIndex(tx Tx, k, v []byte) (Message, bool, error) {
	r, err := getRecord(tx, getU64(v))
	return r.Message, true, err
}

// decodeFn turns one bucket entry into a message; keep=false skips it.
type decodeFn func(tx Tx, k, v []byte) (m Message, keep bool, err error)

// scan walks bucket keys with prefix (starting at prefix‖u64(start) when
// start > 0) in pages of short read transactions, calling fn outside them.
func (j *Journal) scan(ctx context.Context, bucket string, prefix []byte, start uint64, dec decodeFn, fn func(Message) error) error {
	seek := prefix
	if start > 0 {
		seek = append(append([]byte(nil), prefix...), u64(start)...)
	}
	skipFirst := false
	for {
		var page []Message
		var last []byte
		err := j.view(func(tx Tx) error {
			c := tx.Cursor(bucket)
			k, v := c.Seek(seek)
			if skipFirst && k != nil && string(k) == string(seek) {
				k, v = c.Next()
			}
			for ; k != nil && hasPrefix(k, prefix) && len(page) < pageSize; k, v = c.Next() {
				m, keep, err := dec(tx, k, v)
				if err != nil {
					return err
				}
				if keep {
					page = append(page, m)
				}
				last = append(last[:0], k...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range page {
			if err := fn(m); err != nil {
				return err
			}
		}
		if last == nil {
			return nil
		}
		seek, skipFirst = last, true
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
}
