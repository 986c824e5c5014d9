package journal

import (
	"encoding/json"
	"fmt"
)

// record is the stored form of a Message (bucket messages).
type record struct {
	Message
	BodyID uint64 `json:"body_id,omitempty"` // key prefix in bucket bodies while HasBody
	Keep   bool   `json:"keep,omitempty"`    // KeepBody: a legal hold keeps the body at release
}

// CorruptError is a primary record that cannot be decoded.
type CorruptError struct {
	Bucket string
	Key    []byte
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("journal: corrupt record %s/%x: %v", e.Bucket, e.Key, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

func decodeRecord(k, v []byte) (record, error) {
	var r record
	if err := json.Unmarshal(v, &r); err != nil {
		return r, &CorruptError{Bucket: bMessages, Key: append([]byte(nil), k...), Err: err}
	}
	if r.JSeq != getU64(k) {
		return r, &CorruptError{Bucket: bMessages, Key: append([]byte(nil), k...),
			Err: fmt.Errorf("record says jseq %d", r.JSeq)}
	}
	return r, nil
}

// decodeRecordTx is decodeRecord with a pending seal applied (see
// withSealing): how every reader sees a record.
func decodeRecordTx(tx Tx, k, v []byte) (record, error) {
	r, err := decodeRecord(k, v)
	if err == nil {
		withSealing(tx, &r)
	}
	return r, err
}

// withSealing applies bucket sealing to r: a message of a recorded volume
// whose record RecordSealed has not rewritten yet reads as Sealed on that
// volume, so the set is seen sealed as a whole from the transaction that
// recorded its volumes. A mark whose volume is not recorded (written by a
// RecordSealed that has not reached that transaction, or never will) does
// not count: the message reads as it is stored.
func withSealing(tx Tx, r *record) {
	if r.State != Journaled {
		return
	}
	v := tx.Get(bSealing, tenantKey(r.Tenant, u64(r.Seq)))
	if v == nil {
		return
	}
	if label, path, ok := markRecorded(tx, v); ok {
		r.State, r.Volume, r.Path = Sealed, label, path
	}
}

// sealedByMark says whether the message with tenantKey k is sealed by a
// mark whose volume is recorded (its record may still read Journaled and
// keep its idx_unsealed entry until finishSealing).
func sealedByMark(tx Tx, k []byte) bool {
	v := tx.Get(bSealing, k)
	if v == nil {
		return false
	}
	_, _, ok := markRecorded(tx, v)
	return ok
}

func getRecord(tx Tx, jseq uint64) (record, error) {
	r, err := getRecordRaw(tx, jseq)
	if err == nil {
		withSealing(tx, &r)
	}
	return r, err
}

// getRecordRaw is the stored record, without bucket sealing applied.
func getRecordRaw(tx Tx, jseq uint64) (record, error) {
	v := tx.Get(bMessages, u64(jseq))
	if v == nil {
		return record{}, fmt.Errorf("%w: message jseq %d", ErrNotFound, jseq)
	}
	return decodeRecord(u64(jseq), v)
}

func putRecord(tx Tx, r *record) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Put(bMessages, u64(r.JSeq), v)
}

// lookupSeq finds a tenant's message by its tenant sequence.
func lookupSeq(tx Tx, tenant string, seq uint64) (record, error) {
	v := tx.Get(bIdxTenant, tenantKey(tenant, u64(seq)))
	if v == nil {
		return record{}, fmt.Errorf("%w: message %s/%d", ErrNotFound, tenant, seq)
	}
	return getRecord(tx, getU64(v))
}

// ReportedRecipients returns the union, in first-seen order, of the
// recipients listed by every journal report received for m (duplicate
// reports of one original merge their recipient sets).
func (m Message) ReportedRecipients() []ReportedRecipient {
	seen := map[ReportedRecipient]bool{}
	var out []ReportedRecipient
	for _, rc := range m.Receipts {
		if rc.Report == nil {
			continue
		}
		for _, r := range rc.Report.Recipients {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}
