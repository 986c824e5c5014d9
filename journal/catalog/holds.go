package catalog

import (
	"context"
	"fmt"

	"github.com/archiver/archiver/journal"
)

// Held syncs, evaluates every legal hold (journal.Hold.Query decoded with
// DecodeQuery) and returns a predicate that is true for a message matching
// any hold, for journal.ReleaseOptions.Keep. The predicate reflects the
// holds and messages at the time of the call. A hold whose query cannot
// be decoded is an error: releasing past a hold we cannot read could
// destroy evidence.
func (c *Catalog) Held(ctx context.Context) (func(journal.Message) bool, error) {
	set, err := c.heldSet(ctx)
	if err != nil {
		return nil, err
	}
	return func(m journal.Message) bool { return set[Key{m.Tenant, m.Seq}] }, nil
}

// HoldCounts syncs and returns, per hold name, how many messages match.
func (c *Catalog) HoldCounts(ctx context.Context) (map[string]int, error) {
	if err := c.Sync(ctx); err != nil {
		return nil, err
	}
	holds, err := c.src.Holds(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: holds: %w", err)
	}
	out := make(map[string]int, len(holds))
	for _, h := range holds {
		q, err := DecodeQuery(h.Query)
		if err != nil {
			return nil, fmt.Errorf("catalog: hold %q: %w", h.Name, err)
		}
		keys, err := c.Keys(ctx, q)
		if err != nil {
			return nil, err
		}
		out[h.Name] = len(keys)
	}
	return out, nil
}

func (c *Catalog) heldSet(ctx context.Context) (map[Key]bool, error) {
	if err := c.Sync(ctx); err != nil {
		return nil, err
	}
	holds, err := c.src.Holds(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: holds: %w", err)
	}
	set := map[Key]bool{}
	for _, h := range holds {
		q, err := DecodeQuery(h.Query)
		if err != nil {
			return nil, fmt.Errorf("catalog: hold %q: %w", h.Name, err)
		}
		keys, err := c.Keys(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			set[k] = true
		}
	}
	return set, nil
}
