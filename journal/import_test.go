package journal_test

import (
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

func TestImportSealed(t *testing.T) {
	j := newJ(t)
	v := journal.Volume{Label: "ACME_2026_03_V01", Tenant: "acme", Period: "2026-03", Index: 1, Count: 1,
		FirstSeq: 1, LastSeq: 2, VerifyKey: []byte("secret")}
	var msgs []journal.Message
	for seq := uint64(1); seq <= 2; seq++ {
		sum := sha256.Sum256([]byte{byte(seq)})
		msgs = append(msgs, journal.Message{Tenant: "acme", Seq: seq, JSeq: 10 + seq, SHA256: sum, Size: 1,
			Received: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Path: "MSG/000000000" + string('0'+rune(seq)) + ".PGP"})
		v.Placements = append(v.Placements, journal.Placement{Seq: seq, Path: msgs[seq-1].Path})
	}
	if err := j.ImportSealed(ctx, v, msgs); err != nil {
		t.Fatal(err)
	}
	if err := j.ImportSealed(ctx, v, nil); !errors.Is(err, journal.ErrExists) {
		t.Fatalf("second import: %v", err)
	}
	m, err := j.Message(ctx, "acme", 2)
	if err != nil || m.State != journal.Released || m.HasBody || m.Volume != v.Label || m.JSeq != 12 || m.Rev != 2 {
		t.Fatalf("imported message %+v, %v", m, err)
	}
	if _, err := j.OpenBody(ctx, "acme", 2); !errors.Is(err, journal.ErrReleased) {
		t.Fatalf("body of an imported message: %v", err)
	}
	got, _ := j.Volume(ctx, v.Label)
	if got.VerifyKey != nil || got.Released.IsZero() {
		t.Fatalf("imported volume %+v", got)
	}
	// new mail continues the sequences
	st := ingest(t, j, env("a@acme.example", "b@acme.example"), []byte("after import"))
	if st[0].Seq != 3 || st[0].JSeq != 13 {
		t.Fatalf("after import stored %+v, want seq 3 jseq 13", st[0])
	}
}
