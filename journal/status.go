package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// UnsealedAlarmAge is how old the oldest unsealed message of a tenant may
// get before Status raises "unsealed-age": 35 days.
const UnsealedAlarmAge = 35 * 24 * time.Hour

// Status is the journal's state for `archiver status` (issue 2 item 10).
type Status struct {
	Tenants          []TenantStatus `json:"tenants"`            // sorted by name
	Alarms           []Alarm        `json:"alarms"`             // stored and live alarms; status exits 2 when non-empty
	JournalBytes     int64          `json:"journal_bytes"`      // size of journal.db
	JournalUsedBytes int64          `json:"journal_used_bytes"` // extent of journal.db in use (pages up to the high-water mark)
	FreeBytes        int64          `json:"free_bytes"`         // free disk for the journal directory
	AuditHead        Event          `json:"audit_head"`
}

// TenantStatus are one tenant's counts.
type TenantStatus struct {
	Tenant         string    `json:"tenant"`
	Journaled      int64     `json:"journaled"`               // messages ever journaled (duplicates excluded)
	Unsealed       int64     `json:"unsealed"`                // State Journaled now
	Sealed         int64     `json:"sealed"`                  // State Sealed now
	Released       int64     `json:"released"`                // State Released now
	Bytes          int64     `json:"bytes"`                   // raw size of all messages
	BodyBytes      int64     `json:"body_bytes"`              // raw size of bodies still in the journal
	OldestUnsealed time.Time `json:"oldest_unsealed"`         // Received of the oldest unsealed message; zero if none
	LastVerified   string    `json:"last_verified,omitempty"` // label of the latest volume with an OK verification
	LastVerifiedAt time.Time `json:"last_verified_at"`
}

// Status returns per-tenant counts and every alarm, the live ones
// (unsealed-age, low-disk) computed now.
func (j *Journal) Status(ctx context.Context) (Status, error) {
	var st Status
	ts, err := j.Tenants(ctx)
	if err != nil {
		return st, err
	}
	err = j.view(func(tx Tx) error {
		for _, t := range ts {
			st.Tenants = append(st.Tenants, tenantStatus(tx, t.Name))
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	if err := j.lastVerified(ctx, st.Tenants); err != nil {
		return st, err
	}
	st.Alarms = append(j.storedAlarms(), j.liveAlarms(&st)...)
	if st.AuditHead, err = j.AuditHead(ctx); err != nil {
		st.Alarms = append(st.Alarms, Alarm{Kind: "corrupt-record", Time: j.now(), Message: fmt.Sprintf(
			"audit chain head unreadable: %v; run archiver audit verify", err)})
	}
	j.mu.RLock()
	if j.st != nil {
		var serr error
		if st.JournalBytes, st.JournalUsedBytes, serr = j.st.Size(); serr != nil {
			st.Alarms = append(st.Alarms, Alarm{Kind: "write-failure", Time: j.now(), Message: fmt.Sprintf(
				"journal.db size unreadable: %v", serr)})
		}
	}
	j.mu.RUnlock()
	return st, nil
}

func tenantStatus(tx Tx, t string) TenantStatus {
	s := getStats(tx, t)
	ts := TenantStatus{Tenant: t, Journaled: s.Messages, Sealed: s.Sealed, Released: s.Released,
		Bytes: s.Bytes, BodyBytes: s.BodyBytes}
	ts.Unsealed = s.Messages - s.Sealed - s.Released
	p := tenantPrefix(t)
	c := tx.Cursor(bIdxUnseal)
	for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
		if sealedByMark(tx, k) { // sealed; finishSealing has not removed the entry yet
			continue
		}
		r := time.Unix(int64(getU64(v)), 0).UTC()
		if ts.OldestUnsealed.IsZero() || r.Before(ts.OldestUnsealed) {
			ts.OldestUnsealed = r
		}
	}
	return ts
}

func (j *Journal) lastVerified(ctx context.Context, ts []TenantStatus) error {
	// Only the verifications are needed: volumes are decoded without their
	// placements (Volumes would build every one, 500,000 for a full DVD,
	// on each status call and each metrics scrape).
	var vols []Volume
	err := j.view(func(tx Tx) error {
		c := tx.Cursor(bVolumes)
		for k, b := c.First(); k != nil; k, b = c.Next() {
			var sv volumeSansPlacements
			if err := json.Unmarshal(b, &sv); err != nil {
				return &CorruptError{Bucket: bVolumes, Key: append([]byte(nil), k...), Err: err}
			}
			vols = append(vols, sv.Volume)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range ts {
		for _, v := range vols {
			for _, ver := range v.Verifications {
				if v.Tenant == ts[i].Tenant && ver.OK && !ver.Time.Before(ts[i].LastVerifiedAt) {
					ts[i].LastVerified, ts[i].LastVerifiedAt = v.Label, ver.Time
				}
			}
		}
	}
	return nil
}

// liveAlarms computes the alarms that depend on now: unsealed-age, low-disk.
func (j *Journal) liveAlarms(st *Status) []Alarm {
	now := j.now()
	var out []Alarm
	for _, t := range st.Tenants {
		if !t.OldestUnsealed.IsZero() && now.Sub(t.OldestUnsealed) > UnsealedAlarmAge {
			out = append(out, Alarm{Kind: "unsealed-age", Tenant: t.Tenant, Time: now, Message: fmt.Sprintf(
				"oldest unsealed message received %s, %d days ago; run archiver seal --tenant %s",
				t.OldestUnsealed.Format(time.RFC3339), int(now.Sub(t.OldestUnsealed).Hours()/24), t.Tenant)})
		}
	}
	free, err := j.freeBytes()
	st.FreeBytes = free
	if err == nil && j.opts.MinFreeBytes >= 0 && free/2 < j.opts.MinFreeBytes {
		out = append(out, Alarm{Kind: "low-disk", Time: now, Message: fmt.Sprintf(
			"%d bytes free for the journal; ingest refuses (452) below %d bytes", free, j.opts.MinFreeBytes)})
	}
	return out
}
