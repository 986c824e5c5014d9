package journal

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
)

// Check verifies the journal and returns every finding (nil when clean):
// every record decodes (undecodable ones are moved to bucket quarantine,
// never deleted, and raise "corrupt-record"), every body held hashes to its
// SHA256 and Size, the secondary indexes and stats agree with the records,
// each tenant's sequences are 1..N without gaps, no body is orphaned, and
// the audit chain verifies. Records and indexes are compared in one read
// transaction (a consistent snapshot, safe while the journal ingests);
// bodies are then hashed one per short transaction.
func (j *Journal) Check(ctx context.Context) ([]Finding, error) {
	c := &checker{j: j, recs: map[uint64]recInfo{}}
	err := j.view(func(tx Tx) error {
		c.tx = tx
		defer func() { c.tx = nil }()
		for _, step := range []func(context.Context) error{c.records, c.indexes, c.sequences, c.orphans, c.volumes} {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c.findings, err
	}
	for _, step := range []func(context.Context) error{c.quarantineBad, c.bodies, c.audit} {
		if err := step(ctx); err != nil {
			return c.findings, err
		}
	}
	return c.findings, nil
}

// recInfo is what Check keeps of each record.
type recInfo struct {
	tenant   string
	seq, rev uint64
	identity [32]byte
	sha      [32]byte
	size     int64
	state    State
	hasBody  bool
	bodyID   uint64
	received int64
	marked   bool // sealed by a mark not yet finished: its idx_unsealed entry may remain
}

type checker struct {
	j        *Journal
	tx       Tx                 // the snapshot, during the first phase
	recs     map[uint64]recInfo // by JSeq
	bad      [][2][]byte        // undecodable message records (key, value)
	findings []Finding
}

// scan calls fn for every key/value of bucket in c.tx. fn must copy what
// it keeps.
func (c *checker) scan(ctx context.Context, bucket string, fn func(k, v []byte) error) error {
	cur := c.tx.Cursor(bucket)
	n := 0
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
		if n++; n%4096 == 0 {
			if err := ctxErr(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *checker) add(kind, tenant string, seq uint64, format string, args ...any) {
	c.findings = append(c.findings, Finding{Kind: kind, Tenant: tenant, Seq: seq, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) records(ctx context.Context) error {
	return c.scan(ctx, bMessages, func(k, v []byte) error {
		r, err := decodeRecordTx(c.tx, k, v)
		if err != nil {
			c.bad = append(c.bad, [2][]byte{append([]byte(nil), k...), append([]byte(nil), v...)})
			return nil
		}
		marked := sealedByMark(c.tx, tenantKey(r.Tenant, u64(r.Seq)))
		c.recs[r.JSeq] = recInfo{r.Tenant, r.Seq, r.Rev, r.Identity, r.SHA256, r.Size, r.State, r.HasBody, r.BodyID, r.Received.Unix(), marked}
		return nil
	})
}

// quarantineBad moves undecodable records aside and reports them.
func (c *checker) quarantineBad(ctx context.Context) error {
	for _, kv := range c.bad {
		if err := c.j.quarantine(bMessages, kv[0], kv[1]); err != nil {
			return err
		}
		c.add("corrupt-record", "", 0, "message jseq %d cannot be decoded; moved to quarantine", getU64(kv[0]))
	}
	if len(c.bad) > 0 {
		c.j.RaiseAlarm(Alarm{Kind: "corrupt-record", Message: fmt.Sprintf(
			"%d undecodable message records quarantined; see journal check", len(c.bad))})
	}
	return nil
}

// quarantine moves an undecodable value to bucket quarantine.
func (j *Journal) quarantine(bucket string, k, v []byte) error {
	return j.update(func(tx Tx) error {
		if err := tx.Put(bQuarantine, append([]byte(bucket+"/"), k...), v); err != nil {
			return err
		}
		return tx.Delete(bucket, k)
	})
}

func (c *checker) bodies(ctx context.Context) error {
	for jseq := range c.recs {
		if err := c.body(jseq); err != nil {
			return err
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
	return nil
}

// body hashes one body in its own read transaction, re-reading the record
// (a body released since the snapshot is skipped).
func (c *checker) body(jseq uint64) error {
	return c.j.view(func(tx Tx) error {
		r, err := getRecord(tx, jseq)
		if err != nil || !r.HasBody {
			return nil
		}
		h := sha256.New()
		var n int64
		keys, _ := chunkKeys(tx, r.BodyID)
		for _, k := range keys {
			b := tx.Get(bBodies, k)
			h.Write(b)
			n += int64(len(b))
		}
		if n != r.Size || [32]byte(h.Sum(nil)) != r.SHA256 {
			c.add("body-mismatch", r.Tenant, r.Seq, "jseq %d body has %d bytes / sha256 %x, record says %d / %x",
				jseq, n, h.Sum(nil), r.Size, r.SHA256)
		}
		return nil
	})
}

func (c *checker) sequences(ctx context.Context) error {
	byTenant := map[string][]uint64{}
	for _, r := range c.recs {
		byTenant[r.tenant] = append(byTenant[r.tenant], r.seq)
	}
	counters := map[string]uint64{}
	err := c.scan(ctx, bTSeq, func(k, v []byte) error { counters[string(k)] = getU64(v); return nil })
	if err != nil {
		return err
	}
	for t, seqs := range byTenant {
		sort.Slice(seqs, func(a, b int) bool { return seqs[a] < seqs[b] })
		for i, s := range seqs {
			if s != uint64(i+1) {
				c.add("seq-gap", t, uint64(i+1), "expected seq %d, found %d", i+1, s)
				break
			}
		}
		if counters[t] != uint64(len(seqs)) {
			c.add("seq-gap", t, counters[t], "sequence counter is %d, %d messages exist", counters[t], len(seqs))
		}
	}
	return nil
}

func (c *checker) orphans(ctx context.Context) error {
	used := map[uint64]bool{}
	for _, r := range c.recs {
		if r.hasBody {
			used[r.bodyID] = true
		}
	}
	pending := map[uint64]bool{}
	if err := c.scan(ctx, bPending, func(k, _ []byte) error { pending[getU64(k)] = true; return nil }); err != nil {
		return err
	}
	seen := map[uint64]bool{}
	return c.scan(ctx, bBodies, func(k, _ []byte) error {
		id := getU64(k[:8])
		if !used[id] && !pending[id] && !seen[id] {
			seen[id] = true
			c.add("orphan-body", "", 0, "body %d belongs to no message", id)
		}
		return nil
	})
}

func (c *checker) audit(ctx context.Context) error {
	if _, err := c.j.AuditVerify(ctx); err != nil {
		ae, ok := err.(*AuditError)
		if !ok {
			return err
		}
		c.add("audit", "", ae.Seq, "%s", ae.Reason)
	}
	return nil
}
