package catalog

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/archiver/archiver/journal"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// revKey is the bleve internal key holding the last indexed Rev
// (8 bytes, big-endian), written in the same batch as the documents.
var revKey = []byte("rev")

// A bleve batch is sent when it holds batchSize documents or batchText
// bytes of text, whichever comes first. bleve analyses a whole batch
// before it writes it (every token with its positions: about 15 times the
// text's size in memory), so the text bound is what bounds the indexer's
// memory; the document count bounds the per-document overhead of
// metadata-only batches.
const (
	batchSize = 1000    // documents
	batchText = 1 << 20 // bytes of text (subject, attachment names, body text)
)

// Rev returns the last journal Rev the catalog has indexed.
func (c *Catalog) Rev() (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	idx, err := c.usableLocked()
	if err != nil {
		return 0, err
	}
	rev, err := revOf(idx)
	if errors.Is(err, ErrUnusable) {
		c.dropLocked(err)
	}
	return rev, err
}

// Sync indexes every committed message whose Rev is above the last
// indexed one, reading bodies from the journal (a released body indexes
// metadata only). Call it before Search or Held so answers are complete.
//
// A failure that leaves the index unusable (ErrUnusable: a write bleve
// could not persist, a panic inside bleve) closes it, and the next Sync
// opens it again and resumes after the last Rev it holds.
func (c *Catalog) Sync(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.syncLocked(ctx)
	if errors.Is(err, ErrUnusable) {
		c.dropLocked(err)
	}
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, ErrClosed) {
			c.failing.Store(true)
		}
		return err
	}
	if c.failing.Swap(false) {
		if fn := c.onRecover.Load(); fn != nil {
			(*fn)()
		}
	}
	return nil
}

func (c *Catalog) syncLocked(ctx context.Context) error {
	idx, err := c.usableLocked()
	if err != nil {
		return err
	}
	err = guard(func() error {
		after, err := revOf(idx)
		if err != nil {
			return err
		}
		b := idx.NewBatch()
		text := 0 // bytes of text in b
		err = c.src.Since(ctx, after, func(m journal.Message) error {
			n, err := c.add(ctx, idx, b, m)
			if err != nil {
				return err
			}
			text += n
			b.SetInternal(revKey, u64(m.Rev))
			if b.Size() >= batchSize || text >= batchText {
				if err := c.batchLocked(b); err != nil {
					return err
				}
				b.Reset()
				text = 0
			}
			return ctx.Err()
		})
		if err == nil && b.Size() > 0 {
			err = c.batchLocked(b)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("catalog: sync: %w", err)
	}
	return nil
}

// add puts m's document into b. A message whose body is gone (released)
// and whose indexed document already holds every one of its addresses is
// left alone: rebuilding it would drop the body terms indexed at ingest.
// That is the common case of a duplicate delivery after release (an MTA
// retry with the same envelope). It returns the bytes of text added.
func (c *Catalog) add(ctx context.Context, idx bleve.Index, b *bleve.Batch, m journal.Message) (int, error) {
	text, names := c.bodyText(ctx, m)
	if !m.HasBody {
		covered, err := covers(ctx, idx, m)
		if err != nil { // never rebuild the document without its body terms on a failed lookup
			return 0, err
		}
		if covered {
			return 0, nil
		}
	}
	doc := document(m, text, names)
	return len(doc[fText].(string)), b.Index(docID(m.Tenant, m.Seq), doc)
}

// covers reports whether m's document is indexed with all its current
// sender and recipient addresses, and any error searching for it (an
// error not caused by ctx is ErrUnusable).
func covers(ctx context.Context, idx bleve.Index, m journal.Message) (bool, error) {
	qs := []query.Query{bleve.NewDocIDQuery([]string{docID(m.Tenant, m.Seq)})}
	for _, a := range senders(m) {
		qs = append(qs, term(fFrom, a))
	}
	for _, a := range recipients(m) {
		qs = append(qs, term(fTo, a))
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(qs...), 0, 0, false)
	res, err := idx.SearchInContext(ctx, req)
	if err != nil && ctx.Err() == nil {
		err = unusable(err)
	}
	if err != nil {
		return false, fmt.Errorf("catalog: look up %s: %w", docID(m.Tenant, m.Seq), err)
	}
	return res.Total == 1, nil
}

// revOf reads the last indexed Rev; an error is ErrUnusable.
func revOf(idx bleve.Index) (uint64, error) {
	var b []byte
	err := guard(func() (err error) {
		b, err = idx.GetInternal(revKey)
		return err
	})
	if err != nil && !errors.Is(err, ErrUnusable) {
		err = unusable(err)
	}
	if err != nil {
		return 0, fmt.Errorf("catalog: read rev: %w", err)
	}
	if len(b) != 8 {
		return 0, nil
	}
	return binary.BigEndian.Uint64(b), nil
}

// bodyText extracts the body text and attachment names while the journal
// holds the body; nothing otherwise.
func (c *Catalog) bodyText(ctx context.Context, m journal.Message) (string, []string) {
	if !m.HasBody {
		return "", nil
	}
	rc, err := c.src.OpenBody(ctx, m.Tenant, m.Seq)
	if err != nil {
		return "", nil
	}
	defer rc.Close()
	return extract(rc, c.limit)
}

// Index indexes m with the raw message read from body (nil: metadata
// only), replacing any document for the same tenant and seq. It does not
// move the change-feed position; RebuildCatalog uses it after Sync to add
// body text read back from discs.
func (c *Catalog) Index(ctx context.Context, m journal.Message, body io.Reader) error {
	var text string
	var names []string
	if body != nil {
		text, names = extract(body, c.limit)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	idx, err := c.usableLocked()
	if err != nil {
		return err
	}
	err = guard(func() error { return idx.Index(docID(m.Tenant, m.Seq), document(m, text, names)) })
	if err != nil && !errors.Is(err, ErrUnusable) {
		err = unusable(err)
	}
	if err != nil {
		c.dropLocked(err)
		return fmt.Errorf("catalog: index %s/%d: %w", m.Tenant, m.Seq, err)
	}
	return nil
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}
