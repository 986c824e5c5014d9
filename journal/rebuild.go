package journal

import (
	"context"
	"encoding/json"
)

// Rebuild regenerates every secondary index (idx_tenant, idx_ident,
// idx_rev, idx_unsealed, idx_label) and the stats from the primary records
// in one transaction, and raises each tenant's sequence counter to its
// highest sequence. Undecodable records are skipped (Check quarantines
// them). Audited as "rebuild".
func (j *Journal) Rebuild(ctx context.Context) error {
	return j.update(func(tx Tx) error {
		for _, b := range indexBuckets {
			if err := tx.Clear(b); err != nil {
				return err
			}
		}
		if err := rebuildLabels(tx); err != nil { // first: a seal mark counts only once its label is indexed
			return err
		}
		if err := rebuildMessages(tx); err != nil {
			return err
		}
		_, err := appendAudit(tx, j.now(), j.actor(ctx), "rebuild", "rebuilt journal indexes from records")
		return err
	})
}

func rebuildMessages(tx Tx) error {
	c := tx.Cursor(bMessages)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		r, err := decodeRecordTx(tx, k, v)
		if err != nil {
			continue
		}
		if err := putIndexes(tx, &r); err != nil {
			return err
		}
		if err := addStats(tx, r.Tenant, func(s *tenantStats) { statsOf(&r, s) }); err != nil {
			return err
		}
		if getU64(tx.Get(bTSeq, []byte(r.Tenant))) < r.Seq {
			if err := tx.Put(bTSeq, []byte(r.Tenant), u64(r.Seq)); err != nil {
				return err
			}
		}
	}
	return nil
}

func rebuildLabels(tx Tx) error {
	c := tx.Cursor(bVolumes)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var vol Volume
		if json.Unmarshal(v, &vol) != nil {
			continue
		}
		if err := tx.Put(bIdxLabel, []byte(vol.Label), append([]byte(nil), k...)); err != nil {
			return err
		}
	}
	return nil
}
