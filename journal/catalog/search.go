package catalog

import (
	"context"
	"fmt"
	"sort"

	"github.com/archiver/archiver/journal"
	"github.com/blevesearch/bleve/v2"
)

// firstFetch is the size of Keys' first request.
var firstFetch = 1000 // a variable so tests can make it small

// Key names one message: tenant and per-tenant sequence.
type Key struct {
	Tenant string
	Seq    uint64
}

// Keys returns the tenant and seq of every indexed message matching q,
// sorted by tenant, then seq. It does not Sync.
//
// It fetches up to firstFetch hits in one unsorted, unscored request; when
// that comes back full it fetches again sized one above the reported total,
// and keeps doubling while a request comes back full (documents added in
// between), so no match is ever cut off.
func (c *Catalog) Keys(ctx context.Context, q Query) ([]Key, error) {
	idx, err := c.index()
	if err != nil {
		return nil, err
	}
	bq := q.bleveQuery()
	size := firstFetch
	var res *bleve.SearchResult
	for {
		req := bleve.NewSearchRequestOptions(bq, size, 0, false)
		req.Score = "none"
		err = guard(func() (err error) {
			res, err = idx.SearchInContext(ctx, req)
			return err
		})
		if err != nil {
			c.dropIfUnusable(idx, err)
			return nil, fmt.Errorf("catalog: search: %w", err)
		}
		if len(res.Hits) < size {
			break
		}
		size = max(2*size, int(res.Total)+1)
	}
	keys := make([]Key, 0, len(res.Hits))
	for _, h := range res.Hits {
		t, s, err := parseDocID(h.ID)
		if err != nil {
			return nil, err
		}
		keys = append(keys, Key{t, s})
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Tenant != keys[j].Tenant {
			return keys[i].Tenant < keys[j].Tenant
		}
		return keys[i].Seq < keys[j].Seq
	})
	return keys, nil
}

// Search syncs, then returns the journal's current record of every message
// matching q, sorted by tenant, then seq. Released messages match too: their
// terms were indexed at ingest. A catalog hit the journal no longer knows
// (journal.ErrNotFound) is an error: the catalog is stale or the journal
// damaged, and a discovery answer must not be silently short.
func (c *Catalog) Search(ctx context.Context, q Query) ([]journal.Message, error) {
	if err := c.Sync(ctx); err != nil {
		return nil, err
	}
	keys, err := c.Keys(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]journal.Message, 0, len(keys))
	for _, k := range keys {
		m, err := c.src.Message(ctx, k.Tenant, k.Seq)
		if err != nil {
			return nil, fmt.Errorf("catalog: search: message %s/%d: %w", k.Tenant, k.Seq, err)
		}
		out = append(out, m)
	}
	return out, nil
}
