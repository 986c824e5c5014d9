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
// the audit chain verifies. Reads in short transactions; it may run while
// the journal ingests, but findings about messages committed meanwhile are
// possible then.
func (j *Journal) Check(ctx context.Context) ([]Finding, error) {
	c := &checker{j: j, recs: map[uint64]recInfo{}}
	steps := []func(context.Context) error{c.records, c.bodies, c.indexes, c.sequences, c.orphans, c.volumes, c.audit}
	for _, step := range steps {
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
}

type checker struct {
	j        *Journal
	recs     map[uint64]recInfo // by JSeq
	findings []Finding
}

func (c *checker) add(kind, tenant string, seq uint64, format string, args ...any) {
	c.findings = append(c.findings, Finding{Kind: kind, Tenant: tenant, Seq: seq, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) records(ctx context.Context) error {
	var bad [][2][]byte
	err := c.j.rawScan(ctx, bMessages, func(k, v []byte) error {
		r, err := decodeRecord(k, v)
		if err != nil {
			bad = append(bad, [2][]byte{k, v})
			return nil
		}
		c.recs[r.JSeq] = recInfo{r.Tenant, r.Seq, r.Rev, r.Identity, r.SHA256, r.Size, r.State, r.HasBody, r.BodyID, r.Received.Unix()}
		return nil
	})
	if err != nil {
		return err
	}
	for _, kv := range bad {
		if err := c.j.quarantine(bMessages, kv[0], kv[1]); err != nil {
			return err
		}
		c.add("corrupt-record", "", 0, "message jseq %d cannot be decoded; moved to quarantine", getU64(kv[0]))
	}
	if len(bad) > 0 {
		c.j.RaiseAlarm(Alarm{Kind: "corrupt-record", Message: fmt.Sprintf(
			"%d undecodable message records quarantined; see journal check", len(bad))})
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
	for jseq, r := range c.recs {
		if !r.hasBody {
			continue
		}
		h := sha256.New()
		var n int64
		err := c.j.view(func(tx Tx) error {
			keys, _ := chunkKeys(tx, r.bodyID)
			for _, k := range keys {
				b := tx.Get(bBodies, k)
				h.Write(b)
				n += int64(len(b))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n != r.size || [32]byte(h.Sum(nil)) != r.sha {
			c.add("body-mismatch", r.tenant, r.seq, "jseq %d body has %d bytes / sha256 %x, record says %d / %x",
				jseq, n, h.Sum(nil), r.size, r.sha)
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) sequences(ctx context.Context) error {
	byTenant := map[string][]uint64{}
	for _, r := range c.recs {
		byTenant[r.tenant] = append(byTenant[r.tenant], r.seq)
	}
	counters := map[string]uint64{}
	err := c.j.rawScan(ctx, bTSeq, func(k, v []byte) error { counters[string(k)] = getU64(v); return nil })
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
	if err := c.j.rawScan(ctx, bPending, func(k, _ []byte) error { pending[getU64(k)] = true; return nil }); err != nil {
		return err
	}
	seen := map[uint64]bool{}
	return c.j.rawScan(ctx, bBodies, func(k, _ []byte) error {
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
