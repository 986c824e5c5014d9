package journal

import (
	"context"
	"time"
)

// UnsealedSeqs returns the tenant sequences of the messages Unsealed would
// return (State Journaled, Received in [from, until), zero meaning
// unbounded), in Seq order: 8 bytes a message instead of the full record,
// for a caller that reads each record with Message when it needs it (Seal:
// about 120 MiB of records for 124,000 messages, docs/sealing.md).
func (j *Journal) UnsealedSeqs(ctx context.Context, tenant string, from, until time.Time) ([]uint64, error) {
	var out []uint64
	err := j.scan(ctx, bIdxUnseal, tenantPrefix(tenant), 0, unsealedIn(tenant, from, until),
		func(m Message) error { out = append(out, m.Seq); return nil })
	return out, err
}

// unsealedIn keeps the entries of bucket idx_unsealed whose message reads
// as Journaled (a counting seal mark makes it Sealed) and was received in
// [from, until), zero meaning unbounded.
func unsealedIn(tenant string, from, until time.Time) decodeFn {
	return func(tx Tx, k, v []byte) (Message, bool, error) {
		_, seq := splitTenantKey(k)
		r, err := lookupSeq(tx, tenant, getU64(seq))
		if err != nil {
			return Message{}, false, err
		}
		ok := r.State == Journaled && !r.Received.Before(from) && (until.IsZero() || r.Received.Before(until))
		return r.Message, ok, nil
	}
}
