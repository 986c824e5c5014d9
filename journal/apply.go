package journal

import (
	"fmt"
	"strings"
	"time"
)

// apply stores one delivery inside the group-commit transaction: for each
// routed tenant either a new message (sequences assigned here, so they are
// gapless: a failed transaction assigns nothing) or, when the identity is
// already known, one more Receipt on the existing message.
func (j *Journal) apply(tx Tx, r *commitReq, b *batchInfo) ([]Stored, error) {
	out := make([]Stored, 0, len(r.tenants))
	adopted := false
	for _, t := range r.tenants {
		if err := ensureTenant(tx, t, j.now(), b); err != nil {
			return nil, err
		}
		st, isNew, err := j.applyTenant(tx, r, t, !adopted, b)
		if err != nil {
			return nil, err
		}
		adopted = adopted || (isNew && r.staged != 0)
		if isNew {
			b.stored++
			if b.first == 0 {
				b.first = st.JSeq
			}
			b.last = st.JSeq
		} else {
			b.dups++
		}
		out = append(out, st)
	}
	if r.staged != 0 && !adopted {
		if _, err := deleteBody(tx, r.staged); err != nil {
			return nil, err
		}
	}
	if r.staged != 0 {
		if err := tx.Delete(bPending, u64(r.staged)); err != nil {
			return nil, err
		}
	}
	if r.unrouted && len(out) > 0 {
		return out, putAlarm(tx, Alarm{Kind: "unrouted", Tenant: DefaultTenant, Time: j.now(), Message: fmt.Sprintf(
			"message from %q to %s matched no tenant; stored for tenant %q as seq %d",
			r.env.MailFrom, firstFew(r.env.RcptTo), DefaultTenant, out[0].Seq)})
	}
	return out, nil
}

// ensureTenant creates DefaultTenant on first use.
func ensureTenant(tx Tx, name string, now time.Time, b *batchInfo) error {
	if tx.Get(bTenants, []byte(name)) != nil {
		return nil
	}
	if name != DefaultTenant {
		return fmt.Errorf("%w: tenant %q", ErrNotFound, name)
	}
	b.newDefault = true
	return putTenant(tx, Tenant{Name: DefaultTenant, Created: now})
}

// applyTenant stores r for tenant t. adopt says whether a staged body may be
// taken over rather than copied.
func (j *Journal) applyTenant(tx Tx, r *commitReq, t string, adopt bool, b *batchInfo) (Stored, bool, error) {
	identity := r.sum
	if r.report != nil {
		identity = r.report.OriginalSHA256
	}
	st := Stored{Tenant: t, SHA256: r.sum, Size: r.size}
	rc := Receipt{Received: r.received, Envelope: r.env, Report: r.report}
	if v := tx.Get(bIdxIdent, tenantKey(t, identity[:])); v != nil {
		rec, err := getRecord(tx, getU64(v))
		if err == nil {
			st.Seq, st.JSeq, st.Duplicate = rec.Seq, rec.JSeq, true
			return st, false, addReceipt(tx, &rec, rc)
		}
		// A damaged index or record never blocks ingest: store the message
		// anew (the index entry is overwritten) and raise the alarm.
		err = putAlarm(tx, Alarm{Kind: "corrupt-record", Tenant: t, Time: j.now(), Message: fmt.Sprintf(
			"dedup index entry for %x points to an unreadable record (%v); message stored again; run journal check", identity, err)})
		if err != nil {
			return st, false, err
		}
	}
	rec := record{Message: Message{Tenant: t, SHA256: r.sum, Identity: identity, Size: r.size,
		Received: r.received, Receipts: []Receipt{rc}, Summary: r.summary, State: Journaled, HasBody: true}}
	var err error
	if rec.BodyID, err = j.storeBody(tx, r, adopt); err != nil {
		return st, false, err
	}
	if err := insertRecord(tx, &rec, b); err != nil {
		return st, false, err
	}
	st.Seq, st.JSeq = rec.Seq, rec.JSeq
	return st, true, nil
}

// storeBody writes (or adopts, or copies) the body of r; returns its ID.
func (j *Journal) storeBody(tx Tx, r *commitReq, adopt bool) (uint64, error) {
	if r.staged != 0 && adopt {
		return r.staged, nil
	}
	id, err := nextCounter(tx, "body")
	if err != nil {
		return 0, err
	}
	if r.staged != 0 {
		return id, copyBody(tx, r.staged, id)
	}
	return id, writeChunks(tx, id, 0, r.inline)
}

// insertRecord assigns JSeq, Seq and Rev to a new record and writes it with
// its index entries; its stats go to b, written once per batch.
func insertRecord(tx Tx, rec *record, b *batchInfo) error {
	var err error
	if rec.JSeq, err = nextCounter(tx, "jseq"); err != nil {
		return err
	}
	if rec.Rev, err = nextCounter(tx, "rev"); err != nil {
		return err
	}
	rec.Seq = getU64(tx.Get(bTSeq, []byte(rec.Tenant))) + 1
	if err := tx.Put(bTSeq, []byte(rec.Tenant), u64(rec.Seq)); err != nil {
		return err
	}
	if err := putRecord(tx, rec); err != nil {
		return err
	}
	if err := putIndexes(tx, rec); err != nil {
		return err
	}
	b.addStats(rec)
	return nil
}

// putIndexes writes every secondary index entry of rec (not stats).
func putIndexes(tx Tx, rec *record) error {
	j := u64(rec.JSeq)
	if err := tx.Put(bIdxTenant, tenantKey(rec.Tenant, u64(rec.Seq)), j); err != nil {
		return err
	}
	if err := tx.Put(bIdxIdent, tenantKey(rec.Tenant, rec.Identity[:]), j); err != nil {
		return err
	}
	if err := tx.Put(bIdxRev, u64(rec.Rev), j); err != nil {
		return err
	}
	if rec.State == Journaled {
		return tx.Put(bIdxUnseal, tenantKey(rec.Tenant, u64(rec.Seq)), u64(uint64(rec.Received.Unix())))
	}
	return nil
}

// addReceipt appends rc to rec and moves it to a new Rev.
func addReceipt(tx Tx, rec *record, rc Receipt) error {
	if err := tx.Delete(bIdxRev, u64(rec.Rev)); err != nil {
		return err
	}
	rev, err := nextCounter(tx, "rev")
	if err != nil {
		return err
	}
	rec.Rev = rev
	rec.Receipts = append(rec.Receipts, rc)
	if err := tx.Put(bIdxRev, u64(rev), u64(rec.JSeq)); err != nil {
		return err
	}
	return putRecord(tx, rec)
}

// firstFew joins up to five addresses for an alarm message.
func firstFew(addrs []string) string {
	if len(addrs) > 5 {
		return fmt.Sprintf("%s and %d more", strings.Join(addrs[:5], ","), len(addrs)-5)
	}
	return strings.Join(addrs, ",")
}
