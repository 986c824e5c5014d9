package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// RecordSealed stores a sealed volume set atomically: each volume (Label
// unique, else ErrExists), and each placed message moved from Journaled to
// Sealed with its Volume and Path. ErrAlreadySealed (nothing recorded) if
// any placed message is not Journaled; ErrNotFound if one does not exist.
// Audited as "seal".
//
// One transaction records the volumes, checks every placed message, and
// marks each one in bucket sealing (key and label/path only, not its
// record), which every reader applies, so the whole set reads as sealed
// from that commit on. The records are then rewritten in transactions of
// sealChunk messages (finishSealing), which keeps memory bounded whatever
// the volume size: one transaction rewriting every record held all of
// their JSON and bbolt's copies of their pages (1.1 GiB at 124,000
// messages). A crash between them leaves marks that the next Open or
// RecordSealed finishes; readers see the same state either way.
func (j *Journal) RecordSealed(ctx context.Context, vols ...Volume) error {
	if err := j.finishSealing(ctx); err != nil {
		return err
	}
	err := j.update(func(tx Tx) error {
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
	if err != nil {
		return err
	}
	// The set is recorded: an error past this point must not make the
	// caller remove its images. Marks left over (a storage error) read the
	// same and are finished by the next Open or RecordSealed.
	_ = j.finishSealing(context.WithoutCancel(ctx))
	return nil
}

// sealChunk is how many records one finishSealing transaction rewrites.
var sealChunk = 2048

// sealChunkFault, TEST ONLY, runs before finishSealing's transaction n
// (from 1); an error stops it there, as a crash would.
var sealChunkFault func(n int) error

// finishSealing rewrites the records marked in bucket sealing as Sealed,
// sealChunk per transaction, and removes the marks. A record no longer
// Journaled (released meanwhile, which wrote it as read: sealed) only
// loses its mark.
func (j *Journal) finishSealing(ctx context.Context) error {
	for n := 1; ; n++ {
		if sealChunkFault != nil {
			if err := sealChunkFault(n); err != nil {
				return err
			}
		}
		done := false
		err := j.update(func(tx Tx) error {
			var keys, vals [][]byte
			c := tx.Cursor(bSealing)
			for k, v := c.First(); k != nil && len(keys) < sealChunk; k, v = c.Next() {
				keys = append(keys, append([]byte(nil), k...))
				vals = append(vals, append([]byte(nil), v...))
			}
			done = len(keys) < sealChunk
			for i, k := range keys {
				tenant, seq := splitTenantKey(k)
				if jv := tx.Get(bIdxTenant, k); jv != nil {
					rec, err := getRecordRaw(tx, getU64(jv))
					if err != nil {
						return err
					}
					if rec.State == Journaled {
						label, path, _ := strings.Cut(string(vals[i]), "\x00")
						rec.State, rec.Volume, rec.Path = Sealed, label, path
						if err := putRecord(tx, &rec); err != nil {
							return err
						}
					}
				} else {
					return fmt.Errorf("%w: message %s/%d (marked sealed)", ErrNotFound, tenant, getU64(seq))
				}
				if err := tx.Delete(bSealing, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("journal: finishing a recorded seal: %w", err)
		}
		if done {
			return nil
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
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
	if len(v.Placements) > 0 {
		err := addStats(tx, v.Tenant, func(s *tenantStats) { s.Sealed += int64(len(v.Placements)) })
		if err != nil {
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

// sealMessage checks that a placed message reads as Journaled and marks it
// in bucket sealing; finishSealing rewrites its record.
func sealMessage(tx Tx, v Volume, p Placement) error {
	rec, err := lookupSeq(tx, v.Tenant, p.Seq)
	if err != nil {
		return err
	}
	if rec.State != Journaled {
		return fmt.Errorf("%w: %s/%d is %s on %s", ErrAlreadySealed, v.Tenant, p.Seq, rec.State, rec.Volume)
	}
	k := tenantKey(v.Tenant, u64(p.Seq))
	if err := tx.Delete(bIdxUnseal, k); err != nil {
		return err
	}
	return tx.Put(bSealing, k, []byte(v.Label+"\x00"+p.Path))
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
