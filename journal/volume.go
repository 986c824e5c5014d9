package journal

import (
	"context"
	"encoding/json"
	"fmt"
)

// RecordSealed stores a sealed volume set in one transaction: each volume
// (Label unique, else ErrExists), and each placed message moved from
// Journaled to Sealed with its Volume and Path. ErrAlreadySealed (nothing
// recorded) if any placed message is not Journaled; ErrNotFound if one does
// not exist. Audited as "seal".
func (j *Journal) RecordSealed(ctx context.Context, vols ...Volume) error {
	return j.update(func(tx Tx) error {
		for _, v := range vols {
			if err := recordVolume(tx, v); err != nil {
				return err
			}
			_, err := appendAudit(tx, j.now(), j.actor(ctx), "seal", fmt.Sprintf(
				"sealed volume %s (tenant %s, period %s, %d of %d, seq %d-%d, %d messages, image sha256 %x)",
				v.Label, v.Tenant, v.Period, v.Index, v.Count, v.FirstSeq, v.LastSeq, len(v.Placements), v.ImageSHA256))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func recordVolume(tx Tx, v Volume) error {
	if v.Label == "" {
		return fmt.Errorf("journal: volume without label")
	}
	if tx.Get(bIdxLabel, []byte(v.Label)) != nil {
		return fmt.Errorf("%w: volume %q", ErrExists, v.Label)
	}
	for _, p := range v.Placements {
		if err := sealMessage(tx, v, p); err != nil {
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
	return putVolume(tx, n, v)
}

func sealMessage(tx Tx, v Volume, p Placement) error {
	rec, err := lookupSeq(tx, v.Tenant, p.Seq)
	if err != nil {
		return err
	}
	if rec.State != Journaled {
		return fmt.Errorf("%w: %s/%d is %s on %s", ErrAlreadySealed, v.Tenant, p.Seq, rec.State, rec.Volume)
	}
	rec.State, rec.Volume, rec.Path = Sealed, v.Label, p.Path
	if err := tx.Delete(bIdxUnseal, tenantKey(v.Tenant, u64(p.Seq))); err != nil {
		return err
	}
	if err := addStats(tx, v.Tenant, func(s *tenantStats) { s.Sealed++ }); err != nil {
		return err
	}
	return putRecord(tx, &rec)
}

func putVolume(tx Tx, n uint64, v Volume) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(bVolumes, u64(n), b)
}

// getVolume returns the volume labelled label and its seal-order key.
func getVolume(tx Tx, label string) (Volume, uint64, error) {
	var v Volume
	nb := tx.Get(bIdxLabel, []byte(label))
	if nb == nil {
		return v, 0, fmt.Errorf("%w: volume %q", ErrNotFound, label)
	}
	n := getU64(nb)
	b := tx.Get(bVolumes, u64(n))
	if b == nil {
		return v, 0, fmt.Errorf("%w: volume %q (index stale; run journal rebuild)", ErrNotFound, label)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, 0, &CorruptError{Bucket: bVolumes, Key: u64(n), Err: err}
	}
	return v, n, nil
}

// Volume returns the volume labelled label; ErrNotFound.
func (j *Journal) Volume(ctx context.Context, label string) (Volume, error) {
	var v Volume
	err := j.view(func(tx Tx) error {
		var err error
		v, _, err = getVolume(tx, label)
		return err
	})
	return v, err
}

// Volumes returns the tenant's volumes (tenant "" = all) in seal order.
func (j *Journal) Volumes(ctx context.Context, tenant string) ([]Volume, error) {
	var out []Volume
	err := j.view(func(tx Tx) error {
		c := tx.Cursor(bVolumes)
		for k, b := c.First(); k != nil; k, b = c.Next() {
			var v Volume
			if err := json.Unmarshal(b, &v); err != nil {
				return &CorruptError{Bucket: bVolumes, Key: append([]byte(nil), k...), Err: err}
			}
			if tenant == "" || v.Tenant == tenant {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// AddVerification appends one verification result to a volume's record
// (Time defaults to now). Audited as "verify".
func (j *Journal) AddVerification(ctx context.Context, label string, ver Verification) error {
	if ver.Time.IsZero() {
		ver.Time = j.now()
	}
	return j.update(func(tx Tx) error {
		v, n, err := getVolume(tx, label)
		if err != nil {
			return err
		}
		v.Verifications = append(v.Verifications, ver)
		if err := putVolume(tx, n, v); err != nil {
			return err
		}
		_, err = appendAudit(tx, j.now(), j.actor(ctx), "verify", fmt.Sprintf(
			"verify %s copy %q method %s ok=%v image sha256 %x findings %d",
			label, ver.Copy, ver.Method, ver.OK, ver.ImageSHA256, len(ver.Findings)))
		return err
	})
}
