package discovery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/format"
)

// backfilledChain seals, with the real sealer, November (seq 1–3), then
// old mail backfilled with --date-from-header and sealed with seal --until
// (seq 7–8, received in October), then December (seq 4–6 and 9–10): three
// linked volumes whose chain order is not their sequence order. It
// returns the images in seal order.
func backfilledChain(t *testing.T) (*env, []string) {
	t.Helper()
	clock := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return clock })
	ctx := context.Background()
	n := 0
	live := func(count int) {
		for ; count > 0; count-- {
			n++
			e.ingest(fmt.Sprintf("From: a@outside.example\r\nTo: custodian@acme.example\r\nSubject: live %d\r\nMessage-ID: <live.%d@x>\r\nDate: %s\r\n\r\nlive %d\r\n",
				n, n, clock.Format(time.RFC1123Z), n))
		}
	}
	old := time.Date(2026, 10, 7, 8, 0, 0, 0, time.UTC)
	backfill := func(n int) {
		for i := 0; i < n; i++ {
			raw := fmt.Appendf(nil, "From: b@outside.example\r\nTo: custodian@acme.example\r\nSubject: old %d\r\nMessage-ID: <old.%d@x>\r\nDate: %s\r\n\r\nold %d\r\n",
				i, i, old.Format(time.RFC1123Z), i)
			st, err := e.j.IngestWith(ctx, journal.Envelope{MailFrom: "b@outside.example", RcptTo: []string{"custodian@acme.example"}, Protocol: "backfill"},
				journal.DeliveryOptions{DateFromHeader: true}, bytes.NewReader(raw))
			if err != nil || len(st) != 1 {
				t.Fatalf("backfill: %v %v", st, err)
			}
			e.raw[st[0].Seq] = raw
		}
	}
	prof, err := media.ParseProfile("cd700")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	seal := func(period string, until time.Time, now time.Time, first, last uint64) string {
		t.Helper()
		res, err := sealing.Seal(ctx, e.j, sealing.SealOptions{Tenant: "acme", Period: period, Until: until, Profile: prof,
			OutDir: out, Signer: e.archive.sec[0], Now: func() time.Time { return now }})
		if err != nil || len(res.Images) != 1 || res.Images[0].FirstSeq != first || res.Images[0].LastSeq != last {
			t.Fatalf("seal %q until %v: %+v %v", period, until, res, err)
		}
		return res.Images[0].Path
	}
	live(3) // seq 1–3, November
	nov := seal("2026-11", time.Time{}, time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC), 1, 3)
	clock = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	live(3)     // seq 4–6, December
	backfill(2) // seq 7–8, received in October
	live(2)     // seq 9–10, December
	late := seal("", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC), 7, 8)
	dec := seal("2026-12", time.Time{}, time.Date(2027, 1, 1, 1, 0, 0, 0, time.UTC), 4, 10)
	return e, []string{nov, late, dec}
}

// Issue 10, item 8: catalog rebuild walked a tenant's volumes in sequence
// order and refused a chain that verify accepts, because a seal --until
// backfill holds higher sequence numbers than the month sealed after it.
// The rebuild now follows the links (format.CheckChain, shared with
// verify) and imports the volumes in chain order, so the next seal links
// to the true last volume.
func TestRebuildRefusesBackfilledSets(t *testing.T) {
	e, imgs := backfilledChain(t)
	ctx := context.Background()
	labels := []string{"ACME_202611_V01OF01", "ACME_U20261201_V01OF01", "ACME_202612_V01OF01"}

	for _, media := range [][]string{imgs, {imgs[2], imgs[0], imgs[1]}} {
		tg := newTarget(t)
		res, err := RebuildCatalog(ctx, tg.j, tg.cat, RebuildOptions{Media: media, Keys: e.tenant.sec, Signers: e.archive.pub})
		if err != nil {
			t.Fatalf("rebuild %v: %v (findings %v)", media, err, res.Findings)
		}
		if res.Messages != 10 || res.Indexed != 10 || fmt.Sprint(res.Volumes) != fmt.Sprint(labels) {
			t.Fatalf("rebuild: %d messages, %d indexed, volumes %v; want 10, 10, %v", res.Messages, res.Indexed, res.Volumes, labels)
		}
		vols, err := tg.j.Volumes(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vols {
			got = append(got, v.Label)
		}
		if fmt.Sprint(got) != fmt.Sprint(labels) { // a seal takes the last one as its previous volume
			t.Fatalf("journal volumes after rebuild in order %v, want the chain order %v", got, labels)
		}
		for seq := uint64(1); seq <= 10; seq++ {
			m, err := tg.j.Message(ctx, "acme", seq)
			if err != nil || m.SHA256 != sha256.Sum256(e.raw[seq]) {
				t.Fatalf("seq %d after rebuild: %+v %v", seq, m, err)
			}
		}
	}

	// before December is sealed: November and the backfill alone
	tg := newTarget(t)
	if res, err := RebuildCatalog(ctx, tg.j, tg.cat, RebuildOptions{Media: imgs[:2], Keys: e.tenant.sec, Signers: e.archive.pub}); err != nil || res.Messages != 5 {
		t.Fatalf("rebuild November + backfill: %+v %v", res, err)
	}

	// still refused: the backfill volume missing (a gap in the chain), or
	// the tenant's first volume missing
	for name, media := range map[string][]string{"backfill missing": {imgs[0], imgs[2]}, "first missing": imgs[1:]} {
		tg := newTarget(t)
		res, err := RebuildCatalog(ctx, tg.j, tg.cat, RebuildOptions{Media: media, Keys: e.tenant.sec, Signers: e.archive.pub})
		if !errors.Is(err, ErrRebuildRefused) || len(res.Findings) == 0 || res.Findings[0].Check != format.CheckChain {
			t.Fatalf("%s: err %v, findings %v; want a chain finding", name, err, res.Findings)
		}
		if !strings.Contains(fmt.Sprint(res.Findings), "missing") {
			t.Errorf("%s: findings %v do not say a volume is missing", name, res.Findings)
		}
		if tenants, msgs := tg.counts(t); tenants != 0 || msgs != 0 {
			t.Errorf("%s: refused rebuild imported %d messages, %d tenants", name, msgs, tenants)
		}
	}
}
