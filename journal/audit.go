package journal

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"
)

// canonical is the JSON an event's hash covers: every field but Hash, in
// this order, Time as RFC 3339 with nanoseconds in UTC, byte arrays as
// arrays of numbers (encoding/json).
func canonical(e Event) []byte {
	b, _ := json.Marshal(struct {
		Seq    uint64    `json:"seq"`
		Time   time.Time `json:"time"`
		Actor  string    `json:"actor"`
		Action string    `json:"action"`
		Detail string    `json:"detail"`
		Prev   [32]byte  `json:"prev"`
	}{e.Seq, e.Time.UTC(), e.Actor, e.Action, e.Detail, e.Prev})
	return b
}

// eventHash is SHA-256(Prev ‖ canonical JSON without Hash).
func eventHash(e Event) [32]byte {
	h := sha256.New()
	h.Write(e.Prev[:])
	h.Write(canonical(e))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// appendAudit appends one event to the chain inside tx.
func appendAudit(tx Tx, now time.Time, actor, action, detail string) (Event, error) {
	e := Event{Seq: 1, Time: now.UTC(), Actor: actor, Action: action, Detail: detail}
	if k, v := tx.Cursor(bAudit).Last(); k != nil {
		var prev Event
		if err := json.Unmarshal(v, &prev); err != nil {
			return e, &CorruptError{Bucket: bAudit, Key: append([]byte(nil), k...), Err: err}
		}
		e.Seq, e.Prev = prev.Seq+1, prev.Hash
	}
	e.Hash = eventHash(e)
	v, err := json.Marshal(e)
	if err != nil {
		return e, err
	}
	return e, tx.Put(bAudit, u64(e.Seq), v)
}

// Audit appends an event (Time now, UTC) and returns it. actor "" means
// Options.Actor.
func (j *Journal) Audit(ctx context.Context, actor, action, detail string) (Event, error) {
	if actor == "" {
		actor = j.actor(ctx)
	}
	var e Event
	err := j.update(func(tx Tx) error {
		var err error
		e, err = appendAudit(tx, j.now(), actor, action, detail)
		return err
	})
	return e, err
}

// AuditEvents calls fn for every event in order, outside any transaction.
func (j *Journal) AuditEvents(ctx context.Context, fn func(Event) error) error {
	var after uint64
	for {
		var page []Event
		err := j.view(func(tx Tx) error {
			c := tx.Cursor(bAudit)
			for k, v := c.Seek(u64(after + 1)); k != nil && len(page) < 512; k, v = c.Next() {
				var e Event
				if err := json.Unmarshal(v, &e); err != nil {
					return &AuditError{Seq: getU64(k), Reason: "undecodable event: " + err.Error()}
				}
				page = append(page, e)
			}
			return nil
		})
		if err != nil || len(page) == 0 {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		after = page[len(page)-1].Seq
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
}

// AuditVerify recomputes the chain and returns its head. The error is an
// *AuditError naming the first event whose number, link or hash is wrong.
func (j *Journal) AuditVerify(ctx context.Context) (head Event, err error) {
	var prev Event
	err = j.AuditEvents(ctx, func(e Event) error {
		if e.Seq != prev.Seq+1 {
			return &AuditError{Seq: prev.Seq + 1, Reason: fmt.Sprintf("event %d follows %d", e.Seq, prev.Seq)}
		}
		if e.Prev != prev.Hash {
			return &AuditError{Seq: e.Seq, Reason: "prev does not match the previous event's hash"}
		}
		if eventHash(e) != e.Hash {
			return &AuditError{Seq: e.Seq, Reason: "hash does not match the event's content"}
		}
		prev = e
		return nil
	})
	return prev, err
}

// AuditHead returns the last event (zero Event when the trail is empty).
func (j *Journal) AuditHead(ctx context.Context) (Event, error) {
	var e Event
	err := j.view(func(tx Tx) error {
		k, v := tx.Cursor(bAudit).Last()
		if k == nil {
			return nil
		}
		return json.Unmarshal(v, &e)
	})
	return e, err
}
