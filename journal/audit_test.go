package journal_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/archiver/archiver/journal"
)

func TestAuditChain(t *testing.T) {
	j := newJ(t) // two "tenant" events
	ingest(t, j, env("a@acme.example", "b@acme.example"), []byte("one"))
	e, err := j.Audit(ctx, "alice", "export", "exported 1 message")
	if err != nil {
		t.Fatal(err)
	}
	head, err := j.AuditVerify(ctx)
	if err != nil || head != e || head.Seq != 4 {
		t.Fatalf("verify: head %+v err %v; want %+v", head, err, e)
	}
	var actions []string
	j.AuditEvents(ctx, func(e journal.Event) error { actions = append(actions, e.Action); return nil })
	if len(actions) != 4 || actions[0] != "tenant" || actions[2] != "ingest" || actions[3] != "export" {
		t.Fatalf("actions %v", actions)
	}
	// Tamper with event 2's detail, keeping its stored hash.
	err = j.RawUpdate(func(tx journal.Tx) error {
		var ev journal.Event
		json.Unmarshal(tx.Get(journal.BucketAudit, journal.U64(2)), &ev)
		ev.Detail = "add tenant evil"
		b, _ := json.Marshal(ev)
		return tx.Put(journal.BucketAudit, journal.U64(2), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = j.AuditVerify(ctx)
	var ae *journal.AuditError
	if !errors.As(err, &ae) || ae.Seq != 2 {
		t.Fatalf("tampered chain: %v, want AuditError at 2", err)
	}
	fs, _ := j.Check(ctx)
	if len(fs) != 1 || fs[0].Kind != "audit" || fs[0].Seq != 2 {
		t.Fatalf("check findings %v", fs)
	}
	// Restore so the cleanup check passes: deleting the tail is also caught.
	j.RawUpdate(func(tx journal.Tx) error {
		for s := uint64(2); s <= 4; s++ {
			tx.Delete(journal.BucketAudit, journal.U64(s))
		}
		return nil
	})
	if _, err := j.AuditVerify(ctx); err != nil {
		t.Fatalf("truncated chain verify: %v (a truncated chain is detected only against a recorded head)", err)
	}
}
