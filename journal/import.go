package journal

import (
	"context"
	"fmt"
)

// ImportSealed records, in one transaction, a volume read back from a disc
// (catalog rebuild from discs) and its messages as Released records
// without bodies, each with a new Rev so the catalog's change feed sees it.
// A message keeps its Tenant, Seq and, when still free, its JSeq; Identity
// defaults to SHA256; Volume defaults to v.Label. The tenant's sequence
// counter moves up to the highest Seq imported (a tenant whose discs are
// not all imported shows seq-gap findings in Check: the missing discs).
// ErrExists if the label or any tenant/seq is already present; ErrNotFound
// if v.Tenant is unknown. v.Released defaults to now; VerifyKey is dropped.
// Audited as "import".
func (j *Journal) ImportSealed(ctx context.Context, v Volume, msgs []Message) error {
	if v.Released.IsZero() {
		v.Released = j.now()
	}
	v.VerifyKey = nil
	j.sealMu.Lock() // no label recorded while a RecordSealed writes marks (see RecordSealed)
	defer j.sealMu.Unlock()
	defer j.signal()
	return j.update(func(tx Tx) error {
		if tx.Get(bTenants, []byte(v.Tenant)) == nil {
			return fmt.Errorf("%w: tenant %q", ErrNotFound, v.Tenant)
		}
		if tx.Get(bIdxLabel, []byte(v.Label)) != nil {
			return fmt.Errorf("%w: volume %q", ErrExists, v.Label)
		}
		for _, m := range msgs {
			if err := importMessage(tx, v, m); err != nil {
				return err
			}
		}
		n, err := nextCounter(tx, "vol")
		if err != nil {
			return err
		}
		if err := tx.Put(bIdxLabel, []byte(v.Label), u64(n)); err != nil {
			return err
		}
		if err := putVolume(tx, n, v); err != nil {
			return err
		}
		_, err = appendAudit(tx, j.now(), j.actor(ctx), "import", fmt.Sprintf(
			"imported volume %s (tenant %s, seq %d-%d, %d messages) from disc", v.Label, v.Tenant, v.FirstSeq, v.LastSeq, len(msgs)))
		return err
	})
}

func importMessage(tx Tx, v Volume, m Message) error {
	if m.Tenant == "" {
		m.Tenant = v.Tenant
	}
	if m.Tenant != v.Tenant || m.Seq == 0 {
		return fmt.Errorf("journal: import %s: message %s/%d does not belong to tenant %s", v.Label, m.Tenant, m.Seq, v.Tenant)
	}
	if tx.Get(bIdxTenant, tenantKey(m.Tenant, u64(m.Seq))) != nil {
		return fmt.Errorf("%w: message %s/%d", ErrExists, m.Tenant, m.Seq)
	}
	rec := record{Message: m}
	rec.State, rec.HasBody = Released, false
	if rec.Volume == "" {
		rec.Volume = v.Label
	}
	if rec.Identity == ([32]byte{}) {
		rec.Identity = rec.SHA256
	}
	if err := importSeqs(tx, &rec); err != nil {
		return err
	}
	if err := putRecord(tx, &rec); err != nil {
		return err
	}
	if err := putIndexes(tx, &rec); err != nil {
		return err
	}
	return addStats(tx, rec.Tenant, func(s *tenantStats) { statsOf(&rec, s) })
}

// importSeqs keeps JSeq when free (else assigns one), assigns a new Rev and
// raises the counters.
func importSeqs(tx Tx, rec *record) error {
	var err error
	if rec.JSeq == 0 || tx.Get(bMessages, u64(rec.JSeq)) != nil {
		if rec.JSeq, err = nextCounter(tx, "jseq"); err != nil {
			return err
		}
	} else if counter(tx, "jseq") < rec.JSeq {
		if err := tx.Put(bMeta, []byte("jseq"), u64(rec.JSeq)); err != nil {
			return err
		}
	}
	if rec.Rev, err = nextCounter(tx, "rev"); err != nil {
		return err
	}
	if getU64(tx.Get(bTSeq, []byte(rec.Tenant))) < rec.Seq {
		return tx.Put(bTSeq, []byte(rec.Tenant), u64(rec.Seq))
	}
	return nil
}
