package journal

import "encoding/json"

// tenantStats are per-tenant counters kept in bucket stats (schema v2).
type tenantStats struct {
	Messages  int64 `json:"messages"`   // ever journaled (duplicates excluded)
	Sealed    int64 `json:"sealed"`     // State Sealed now
	Released  int64 `json:"released"`   // State Released now
	Bytes     int64 `json:"bytes"`      // raw size of all messages
	BodyBytes int64 `json:"body_bytes"` // raw size of the bodies still held
}

func getStats(tx Tx, tenant string) tenantStats {
	var s tenantStats
	if v := tx.Get(bStats, []byte(tenant)); v != nil {
		_ = json.Unmarshal(v, &s) // a bad stats value is a Check finding, rebuilt by Rebuild
	}
	return s
}

func addStats(tx Tx, tenant string, fn func(*tenantStats)) error {
	s := getStats(tx, tenant)
	fn(&s)
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.Put(bStats, []byte(tenant), v)
}

// statsOf is what one record contributes to its tenant's counters.
func statsOf(r *record, s *tenantStats) {
	s.Messages++
	s.Bytes += r.Size
	switch r.State {
	case Sealed:
		s.Sealed++
	case Released:
		s.Released++
	}
	if r.HasBody {
		s.BodyBytes += r.Size
	}
}
