package journal

import (
	"context"
	"encoding/json"
	"fmt"
)

// AddHold stores a legal hold (Created defaults to now, By to
// Options.Actor); ErrExists if the name is taken. Audited as "hold".
func (j *Journal) AddHold(ctx context.Context, h Hold) error {
	if h.Name == "" {
		return fmt.Errorf("journal: hold without a name")
	}
	if h.Created.IsZero() {
		h.Created = j.now()
	}
	if h.By == "" {
		h.By = j.actor(ctx)
	}
	v, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return j.update(func(tx Tx) error {
		if tx.Get(bHolds, []byte(h.Name)) != nil {
			return fmt.Errorf("%w: hold %q", ErrExists, h.Name)
		}
		if err := tx.Put(bHolds, []byte(h.Name), v); err != nil {
			return err
		}
		_, err := appendAudit(tx, j.now(), h.By, "hold", fmt.Sprintf("add hold %s query %s", h.Name, h.Query))
		return err
	})
}

// RemoveHold deletes a hold; ErrNotFound. Audited as "hold".
func (j *Journal) RemoveHold(ctx context.Context, name string) error {
	return j.update(func(tx Tx) error {
		if tx.Get(bHolds, []byte(name)) == nil {
			return fmt.Errorf("%w: hold %q", ErrNotFound, name)
		}
		if err := tx.Delete(bHolds, []byte(name)); err != nil {
			return err
		}
		_, err := appendAudit(tx, j.now(), j.actor(ctx), "hold", "remove hold "+name)
		return err
	})
}

// Holds returns every hold sorted by name.
func (j *Journal) Holds(ctx context.Context) ([]Hold, error) {
	var out []Hold
	err := j.view(func(tx Tx) error {
		c := tx.Cursor(bHolds)
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var h Hold
			if err := json.Unmarshal(v, &h); err != nil {
				return &CorruptError{Bucket: bHolds, Key: append([]byte(nil), k...), Err: err}
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}
