package journaltest

import (
	"context"
	"crypto/sha256"
	"io"
	"testing"

	"github.com/archiver/archiver/journal"
)

// Bodies reads back, through OpenBody, every body the journal still holds
// and returns the messages keyed by the SHA-256 of the bytes read. A body
// whose hash differs from its record fails t; a read error stops it.
// Messages whose body was released are left out.
func Bodies(t testing.TB, j *journal.Journal) map[[32]byte]journal.Message {
	t.Helper()
	ctx := context.Background()
	out := map[[32]byte]journal.Message{}
	err := j.Messages(ctx, "", func(m journal.Message) error {
		if !m.HasBody {
			return nil
		}
		rc, err := j.OpenBody(ctx, m.Tenant, m.Seq)
		if err != nil {
			return err
		}
		defer rc.Close()
		h := sha256.New()
		if _, err := io.Copy(h, rc); err != nil {
			return err
		}
		var sum [32]byte
		copy(sum[:], h.Sum(nil))
		if sum != m.SHA256 {
			t.Errorf("journaltest: %s/%d: body SHA-256 %x, record says %x", m.Tenant, m.Seq, sum, m.SHA256)
		}
		out[sum] = m
		return nil
	})
	if err != nil {
		t.Fatalf("journaltest: reading bodies: %v", err)
	}
	return out
}
