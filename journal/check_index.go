package journal

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
)

// expectedIndexes derives every secondary index from the records: bucket →
// key → value. maybe holds entries that may be present or not: the
// idx_unsealed entries of messages sealed by a mark that finishSealing
// has not finished (it removes them).
func (c *checker) expectedIndexes() (exp, maybe map[string]map[string]string) {
	exp = map[string]map[string]string{bIdxTenant: {}, bIdxIdent: {}, bIdxRev: {}, bIdxUnseal: {}}
	maybe = map[string]map[string]string{bIdxUnseal: {}}
	for _, jseq := range slices.Sorted(maps.Keys(c.recs)) { // the latest record of an identity wins, as in Rebuild
		r := c.recs[jseq]
		j := string(u64(jseq))
		exp[bIdxTenant][string(tenantKey(r.tenant, u64(r.seq)))] = j
		ik := string(tenantKey(r.tenant, r.identity[:]))
		if prev, ok := exp[bIdxIdent][ik]; ok {
			c.add("duplicate-identity", r.tenant, r.seq, "jseq %d has the identity of jseq %d (stored again after index damage)", jseq, getU64([]byte(prev)))
		}
		exp[bIdxIdent][ik] = j
		exp[bIdxRev][string(u64(r.rev))] = j
		if r.state == Journaled {
			exp[bIdxUnseal][string(tenantKey(r.tenant, u64(r.seq)))] = string(u64(uint64(r.received)))
		} else if r.marked {
			maybe[bIdxUnseal][string(tenantKey(r.tenant, u64(r.seq)))] = string(u64(uint64(r.received)))
		}
	}
	return exp, maybe
}

func (c *checker) indexes(ctx context.Context) error {
	exp, maybe := c.expectedIndexes()
	for bucket, want := range exp {
		if err := c.compare(ctx, bucket, want, maybe[bucket]); err != nil {
			return err
		}
	}
	return c.stats(ctx)
}

// compare reports entries of bucket that differ from want (or from maybe,
// whose entries may also be absent), or are missing from it.
func (c *checker) compare(ctx context.Context, bucket string, want, maybe map[string]string) error {
	seen := map[string]bool{}
	err := c.scan(ctx, bucket, func(k, v []byte) error {
		seen[string(k)] = true
		w, ok := want[string(k)]
		if !ok {
			w, ok = maybe[string(k)]
		}
		if !ok || w != string(v) {
			t, _ := splitTenantKey(k)
			if bucket == bIdxRev {
				t = ""
			}
			c.add("index", t, 0, "%s entry %x → %x does not match the records", bucket, k, v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, v := range want {
		if !seen[k] {
			c.add("index", "", 0, "%s lacks entry %x → %x", bucket, k, v)
		}
	}
	return nil
}

func (c *checker) stats(ctx context.Context) error {
	want := map[string]tenantStats{}
	for _, r := range c.recs {
		s := want[r.tenant]
		statsOf(&record{Message: Message{Size: r.size, State: r.state, HasBody: r.hasBody}}, &s)
		want[r.tenant] = s
	}
	seen := map[string]bool{}
	err := c.scan(ctx, bStats, func(k, v []byte) error {
		var got tenantStats
		seen[string(k)] = true
		if json.Unmarshal(v, &got) != nil || got != want[string(k)] {
			c.add("stats", string(k), 0, "stats %s differ from the records %+v", v, want[string(k)])
		}
		return nil
	})
	for t, s := range want {
		if !seen[t] {
			c.add("stats", t, 0, "no stats; records give %+v", s)
		}
	}
	return err
}

// volumes checks that idx_label and bucket volumes agree.
func (c *checker) volumes(ctx context.Context) error {
	want := map[string]string{}
	err := c.scan(ctx, bVolumes, func(k, v []byte) error {
		var vol Volume
		if err := json.Unmarshal(v, &vol); err != nil {
			c.add("corrupt-record", "", 0, "volume record %x cannot be decoded: %v", k, err)
			return nil
		}
		want[vol.Label] = string(k)
		return nil
	})
	if err != nil {
		return err
	}
	return c.compare(ctx, bIdxLabel, want, nil)
}
