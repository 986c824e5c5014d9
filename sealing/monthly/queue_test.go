package monthly

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// run --queue burns nothing and releases nothing; burn --next burns the
// queued discs one at a time; a failed disc stays queued; once every disc
// is verified, the next run releases.
func TestQueueThenBurnNextThenRelease(t *testing.T) {
	j, o, d := setup(t)
	ctx := context.Background()
	o.Devices, o.Queue, o.QueueFile = nil, true, filepath.Join(t.TempDir(), QueueFileName)
	rep, err := Run(ctx, j, o)
	if err != nil || !rep.OK {
		t.Fatalf("run --queue: %v %+v", err, rep)
	}
	if len(d.burns) != 0 {
		t.Fatalf("run --queue burned %q", d.burns)
	}
	var ids []string
	for _, dc := range rep.ToBurn {
		ids = append(ids, dc.ID())
	}
	want := "disc:ACME_202611_V01OF01#1 disc:ACME_202611_V01OF01#2 disc:GLOBEX_202611_V01OF01#1 disc:GLOBEX_202611_V01OF01#2"
	if strings.Join(ids, " ") != want {
		t.Fatalf("to burn: %s\nwant:     %s", strings.Join(ids, " "), want)
	}
	if n := withBody(t, j); n != 12 {
		t.Fatalf("%d bodies after run --queue, want all 12 (release waits for the discs)", n)
	}
	var txt bytes.Buffer
	rep.WriteText(&txt)
	if !strings.Contains(txt.String(), "STILL TO BURN: 4 discs") || !strings.Contains(txt.String(), "ACME_202611_V01OF01 copy 2 of 2: queued to burn") ||
		!strings.Contains(txt.String(), "NOT released: waiting for 2 queued discs (archiver burn --next)") {
		t.Errorf("text report:\n%s", txt.String())
	}
	// A second run --queue queues nothing twice.
	if rep, err = Run(ctx, j, o); err != nil || len(rep.ToBurn) != 4 {
		t.Fatalf("second run --queue: %v, %d to burn", err, len(rep.ToBurn))
	}

	q := Queue{Path: o.QueueFile}
	b := o.burner(j)
	b.Changer.Interactive = false
	// The first disc goes bad: it is recorded as failed and stays queued.
	b.AfterBurn = func(dev, image string, c int) error { d.discs[dev][len(d.discs[dev])/2] ^= 1; return nil }
	dc, r, left, err := BurnNext(ctx, j, q, "drive-a", b)
	var de *DiscError
	if !errors.As(err, &de) || de.Step != "verify" || r.State != DiscFailed || dc.ID() != "disc:ACME_202611_V01OF01#1" || len(left) != 4 {
		t.Fatalf("bad disc: %v %+v %+v, %d left", err, dc, r, len(left))
	}
	b.AfterBurn = nil
	// Not interactive, and the drive still holds the bad disc until taken
	// out: it is never burned over.
	d.absent["drive-a"], d.discs["drive-a"] = false, []byte("bad disc")
	if _, _, _, err := BurnNext(ctx, j, q, "drive-a", b); !errors.Is(err, ErrNoBlankDisc) || !strings.Contains(err.Error(), "insert blank disc for ACME_202611_V01OF01 copy 1 in drive-a") {
		t.Fatalf("burn --next on a written disc: %v", err)
	}
	for i, wantID := range strings.Fields(want) {
		d.insert(DiscPrompt{Device: "drive-a"})
		dc, r, left, err := BurnNext(ctx, j, q, "drive-a", b)
		if err != nil || dc.ID() != wantID || r.State != DiscVerified || len(left) != 3-i {
			t.Fatalf("burn --next %d: %v %s %+v, %d left", i+1, err, dc.ID(), r, len(left))
		}
	}
	if _, _, _, err := BurnNext(ctx, j, q, "drive-a", b); !errors.Is(err, ErrQueueEmpty) {
		t.Fatalf("burn --next on an empty queue: %v", err)
	}
	if all, _ := q.Load(); len(all) != 0 {
		t.Errorf("queue file keeps %d done discs", len(all))
	}
	rep, err = Run(ctx, j, o)
	if err != nil || !rep.OK || len(rep.ToBurn) != 0 {
		t.Fatalf("run after the discs: %v %+v", err, rep)
	}
	if n := withBody(t, j); n != 0 {
		t.Errorf("%d bodies left after every disc was burned and verified", n)
	}
}

// Not interactive, and a drive without a blank disc: the copy is refused
// (nothing of the tenant released) naming the disc to insert; nothing is
// burned over the written disc.
func TestRunNoBlankDiscRefusesNamingTheDisc(t *testing.T) {
	j, o, d := setup(t)
	o.Changer.Interactive = false
	o.Devices = []string{"drive-a"}
	o.Copies = 1
	rep, err := Run(context.Background(), j, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || len(d.burns) != 1 {
		t.Fatalf("report OK %v, burns %q; want acme burned, globex refused", rep.OK, d.burns)
	}
	for _, tr := range rep.Tenants {
		switch tr.Tenant {
		case "acme":
			if tr.Released != 6 {
				t.Errorf("acme released %d", tr.Released)
			}
		case "globex":
			if tr.Released != 0 || len(tr.Refusals) != 1 || tr.Refusals[0].Step != "burn" ||
				!strings.HasSuffix(tr.Refusals[0].Reason, "insert blank disc for GLOBEX_202611_V01OF01 copy 1 in drive-a") {
				t.Errorf("globex: released %d, refusals %+v", tr.Released, tr.Refusals)
			}
		}
	}
	if len(rep.ToBurn) != 1 || rep.ToBurn[0].ID() != "disc:GLOBEX_202611_V01OF01#1" {
		t.Errorf("to burn: %+v", rep.ToBurn)
	}
}
