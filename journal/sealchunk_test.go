package journal_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

// TestRecordSealedChunkedCrash stops RecordSealed after it recorded the set
// and rewrote one chunk of records (as a crash would): every reader sees
// the whole set sealed anyway, a second seal of its messages is refused
// atomically, Check is clean, and the next Open finishes the records.
func TestRecordSealedChunkedCrash(t *testing.T) {
	dir := t.TempDir()
	const n = 10
	j := openAcme(t, dir, n, 500)
	stop := errors.New("crash")
	restore := journal.SetSealChunk(j, 3, func(k int) error {
		if k == 2 {
			return stop
		}
		return nil
	})
	defer restore()
	v := seal(t, j, "acme", "ACME_2026_03_V01") // the set is recorded: no error
	if len(v.Placements) != n {
		t.Fatalf("%d placements", len(v.Placements))
	}
	marks := func(j *journal.Journal) int {
		c := 0
		j.RawUpdate(func(tx journal.Tx) error {
			cur := tx.Cursor(journal.BucketSealing)
			for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
				c++
			}
			return nil
		})
		return c
	}
	if got := marks(j); got != n-3 {
		t.Fatalf("%d marks left, want %d", got, n-3)
	}
	assertSealed := func(j *journal.Journal) {
		t.Helper()
		for seq := uint64(1); seq <= n; seq++ {
			m, err := j.Message(ctx, "acme", seq)
			if err != nil || m.State != journal.Sealed || m.Volume != v.Label || m.Path != fmt.Sprintf("MSG/%010d.PGP", seq) {
				t.Fatalf("message %d: %+v %v", seq, m, err)
			}
		}
		if ms, err := j.Unsealed(ctx, "acme", timeZero, timeZero); err != nil || len(ms) != 0 {
			t.Fatalf("unsealed %d %v", len(ms), err)
		}
		st, err := j.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range st.Tenants {
			if ts.Tenant == "acme" && (ts.Sealed != n || ts.Unsealed != 0) {
				t.Fatalf("status %+v", ts)
			}
		}
		seen := 0
		err = j.Messages(ctx, "", func(m journal.Message) error {
			if m.State != journal.Sealed {
				t.Fatalf("listed %d as %s", m.Seq, m.State)
			}
			seen++
			return nil
		})
		if err != nil || seen != n {
			t.Fatalf("listed %d %v", seen, err)
		}
		journaltest.CheckClean(t, j)
	}
	assertSealed(j)
	// a seal of the same messages is refused whole; still nothing finishes (the fault)
	other := journal.Volume{Label: "OTHER", Tenant: "acme", Placements: v.Placements[n-1:]}
	if err := j.RecordSealed(ctx, other); err == nil {
		t.Fatal("second seal accepted")
	}
	restore()
	if err := j.RecordSealed(ctx, other); !errors.Is(err, journal.ErrAlreadySealed) {
		t.Fatalf("second seal: %v", err)
	}
	if _, err := j.Volume(ctx, "OTHER"); !errors.Is(err, journal.ErrNotFound) {
		t.Fatalf("refused volume recorded: %v", err)
	}
	if got := marks(j); got != 0 { // that RecordSealed finished the first set before refusing
		t.Fatalf("%d marks left", got)
	}
	assertSealed(j)
	j.Close()

	// a crash before any record was rewritten: Open finishes them
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ingest(t, j, env("a@acme.example", "b@acme.example"), msg(100+i, 500))
	}
	calls := 0
	restore = journal.SetSealChunk(j, 4, func(int) error {
		if calls++; calls > 1 { // past RecordSealed's check for leftovers
			return stop
		}
		return nil
	})
	seal(t, j, "acme", "ACME_2026_03_V02")
	restore()
	if got := marks(j); got != n {
		t.Fatalf("%d marks, want %d", got, n)
	}
	j.Close()
	j, err = journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := marks(j); got != 0 {
		t.Fatalf("%d marks after open", got)
	}
	for seq := uint64(n + 1); seq <= 2*n; seq++ {
		if m, err := j.Message(ctx, "acme", seq); err != nil || m.State != journal.Sealed || m.Volume != "ACME_2026_03_V02" {
			t.Fatalf("message %d: %+v %v", seq, m, err)
		}
	}
	journaltest.CheckClean(t, j)
}

// TestRecordSealedCrashAtEveryStep stops RecordSealed of a two-volume set
// of 10 messages (3 marked or rewritten per transaction) at every step, as
// a crash would, and checks every reader before and after reopening: up to
// the transaction recording the volumes nothing is sealed (the marks are
// orphans: ignored, dropped at Open, and the same set seals again), from
// it on the whole set is sealed (and a second seal of it is refused). Never
// a part, no message or body lost, Check clean throughout.
func TestRecordSealedCrashAtEveryStep(t *testing.T) {
	const n = 10
	type point struct {
		step string
		k    int
	}
	var points []point
	for k := 1; k <= 4; k++ { // before mark transaction k: k-1 chunks marked
		points = append(points, point{"marks", k})
	}
	points = append(points, point{"volumes", 0}, point{"recorded", 0})
	for k := 1; k <= 4; k++ { // before rewrite transaction k
		points = append(points, point{"finish", k})
	}
	stop := errors.New("crash")
	for _, pt := range points {
		t.Run(fmt.Sprintf("%s-%d", pt.step, pt.k), func(t *testing.T) {
			dir := t.TempDir()
			open := func() *journal.Journal {
				j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
				if err != nil {
					t.Fatal(err)
				}
				return j
			}
			j := open()
			if err := j.AddTenant(ctx, journal.Tenant{Name: "acme", Domains: []string{"acme.example"}}); err != nil {
				t.Fatal(err)
			}
			sums := map[uint64][32]byte{}
			for i := range n {
				st := ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 500))
				sums[st[0].Seq] = st[0].SHA256
			}
			set := crashSet(n)
			recorded := false
			restore := journal.SetSealChunk(j, 3, func(k int) error {
				if recorded && pt.step == "finish" && k == pt.k {
					return stop
				}
				return nil
			})
			restoreF := journal.SetSealFault(j, func(step string, k int) error {
				if step == "recorded" {
					recorded = true
				}
				if step == pt.step && k == pt.k {
					return stop
				}
				return nil
			})
			err := j.RecordSealed(ctx, set...)
			restore()
			restoreF()
			sealed := pt.step == "recorded" || pt.step == "finish"
			if sealed != (err == nil) {
				t.Fatalf("RecordSealed: %v", err)
			}
			check := func(j *journal.Journal) {
				t.Helper()
				assertAllOrNothing(t, j, set, sealed, sums)
			}
			check(j)
			if !sealed && pt.step == "marks" && pt.k > 1 && sealMarks(t, j) == 0 {
				t.Fatalf("no orphan marks after %d mark transactions: the crash was not simulated", pt.k-1)
			}
			j.Close()
			j = open()
			defer func() { j.Close() }()
			if m := sealMarks(t, j); m != 0 {
				t.Fatalf("%d marks after Open", m)
			}
			check(j)
			if !sealed { // the same set seals again, whole
				if err := j.RecordSealed(ctx, set...); err != nil {
					t.Fatal(err)
				}
				sealed = true
				check(j)
			}
			// a second seal of any of its messages is refused, recording nothing
			again := journal.Volume{Label: "AGAIN", Tenant: "acme", Placements: []journal.Placement{{Seq: 1, Path: "MSG/1"}}}
			if err := j.RecordSealed(ctx, again); !errors.Is(err, journal.ErrAlreadySealed) {
				t.Fatalf("second seal: %v", err)
			}
			if _, err := j.Volume(ctx, "AGAIN"); !errors.Is(err, journal.ErrNotFound) {
				t.Fatalf("refused volume recorded: %v", err)
			}
			check(j)
		})
	}
}

// crashSet is a set of two volumes over seqs 1-6 and 7-n.
func crashSet(n int) []journal.Volume {
	var vs []journal.Volume
	for i, r := range [][2]int{{1, 6}, {7, n}} {
		v := journal.Volume{Label: fmt.Sprintf("ACME_202603_V%02dOF02", i+1), Tenant: "acme", Period: "2026-03", SetID: "s",
			Index: i + 1, Count: 2, FirstSeq: uint64(r[0]), LastSeq: uint64(r[1])}
		for s := r[0]; s <= r[1]; s++ {
			v.Placements = append(v.Placements, journal.Placement{Seq: uint64(s), Path: fmt.Sprintf("MSG/%010d.PGP", s)})
		}
		vs = append(vs, v)
	}
	return vs
}

func sealMarks(t *testing.T, j *journal.Journal) int {
	c := 0
	err := j.RawUpdate(func(tx journal.Tx) error {
		cur := tx.Cursor(journal.BucketSealing)
		for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
			c++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// assertAllOrNothing checks through every reader that the messages of set
// are all Sealed on their volumes (sealed) or all Journaled and unsealed,
// that the volumes exist accordingly, that every body is still held with
// its SHA-256, and that Check is clean. The tenant acme has only these
// messages but for other, all sealed.
func assertAllOrNothing(t *testing.T, j *journal.Journal, set []journal.Volume, sealed bool, sums map[uint64][32]byte, other ...uint64) {
	t.Helper()
	total := 0
	isOther := map[uint64]bool{}
	for _, s := range other {
		isOther[s] = true
	}
	for _, v := range set {
		_, err := j.Volume(ctx, v.Label)
		if sealed != (err == nil) {
			t.Fatalf("volume %s: %v (sealed %v)", v.Label, err, sealed)
		}
		for _, p := range v.Placements {
			total++
			m, err := j.Message(ctx, v.Tenant, p.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if sealed && (m.State != journal.Sealed || m.Volume != v.Label || m.Path != p.Path) ||
				!sealed && (m.State != journal.Journaled || m.Volume != "" || m.Path != "") {
				t.Fatalf("message %d: %s %q %q (sealed %v)", p.Seq, m.State, m.Volume, m.Path, sealed)
			}
			if got, size := bodySHA(t, j, v.Tenant, p.Seq); got != sums[p.Seq] || size != m.Size || !m.HasBody {
				t.Fatalf("message %d: body lost or changed", p.Seq)
			}
		}
	}
	want := total
	if sealed {
		want = 0
	}
	ms, err := j.Unsealed(ctx, "acme", timeZero, timeZero)
	if err != nil || len(ms) != want {
		t.Fatalf("Unsealed: %d, want %d (%v)", len(ms), want, err)
	}
	seqs, err := j.UnsealedSeqs(ctx, "acme", timeZero, timeZero)
	if err != nil || len(seqs) != want {
		t.Fatalf("UnsealedSeqs: %d, want %d (%v)", len(seqs), want, err)
	}
	st, err := j.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range st.Tenants {
		if ts.Tenant != "acme" {
			continue
		}
		if ts.Unsealed != int64(want) || ts.Sealed != int64(total-want+len(other)) || ts.OldestUnsealed.IsZero() != sealed {
			t.Fatalf("status %+v (sealed %v)", ts, sealed)
		}
	}
	listed := 0
	err = j.Messages(ctx, "", func(m journal.Message) error {
		if isOther[m.Seq] {
			return nil
		}
		if (m.State == journal.Sealed) != sealed {
			t.Fatalf("Messages lists %d as %s (sealed %v)", m.Seq, m.State, sealed)
		}
		listed++
		return nil
	})
	if err != nil || listed != total {
		t.Fatalf("Messages: %d %v", listed, err)
	}
	err = j.Since(ctx, 0, func(m journal.Message) error {
		if isOther[m.Seq] {
			return nil
		}
		if (m.State == journal.Sealed) != sealed {
			t.Fatalf("Since lists %d as %s (sealed %v)", m.Seq, m.State, sealed)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	journaltest.CheckClean(t, j)
}

// TestRecordSealedRefusedMidway: a set refused after some of its mark
// transactions (a message already sealed, or placed twice, in a later
// chunk) records nothing and leaves no mark; and orphan marks of a crashed
// attempt never count for a later volume of the same label that places
// fewer messages.
func TestRecordSealedRefusedMidway(t *testing.T) {
	j := newJ(t)
	const n = 10
	sums := map[uint64][32]byte{}
	for i := range n {
		st := ingest(t, j, env("a@acme.example", "b@acme.example"), msg(i, 500))
		sums[st[0].Seq] = st[0].SHA256
	}
	defer journal.SetSealChunk(j, 3, nil)()
	first := journal.Volume{Label: "FIRST", Tenant: "acme", Placements: []journal.Placement{{Seq: 10, Path: "MSG/10"}}}
	if err := j.RecordSealed(ctx, first); err != nil {
		t.Fatal(err)
	}
	set := crashSet(n - 1) // 1-6, 7-9
	for name, bad := range map[string]journal.Placement{"already sealed": {Seq: 10, Path: "MSG/X"}, "placed twice": {Seq: 2, Path: "MSG/X"}} {
		vs := crashSet(n - 1)
		vs[1].Placements = append(vs[1].Placements, bad) // in the fourth mark transaction
		if err := j.RecordSealed(ctx, vs...); !errors.Is(err, journal.ErrAlreadySealed) {
			t.Fatalf("%s: %v", name, err)
		}
		if m := sealMarks(t, j); m != 0 {
			t.Fatalf("%s: %d marks left", name, m)
		}
		assertAllOrNothing(t, j, set, false, sums, 10)
	}
	// a crash after two mark transactions of the whole set, then the same
	// label again for seqs 1-3 only: 4-6 must stay unsealed
	restore := journal.SetSealFault(j, func(step string, k int) error {
		if step == "marks" && k == 3 {
			return errors.New("crash")
		}
		return nil
	})
	if err := j.RecordSealed(ctx, set...); err == nil {
		t.Fatal("no crash")
	}
	restore()
	if m := sealMarks(t, j); m != 6 {
		t.Fatalf("%d orphan marks, want 6", m)
	}
	small := set[0]
	small.Placements = small.Placements[:3]
	if err := j.RecordSealed(ctx, small); err != nil {
		t.Fatal(err)
	}
	for _, p := range small.Placements {
		if m, err := j.Message(ctx, "acme", p.Seq); err != nil || m.State != journal.Sealed || m.Volume != small.Label {
			t.Fatalf("message %d: %s %q %v", p.Seq, m.State, m.Volume, err)
		}
	}
	journaltest.CheckClean(t, j)
	rest := set[0]
	rest.Label, rest.Placements = "REST", rest.Placements[3:]
	// not sealed: Unsealed lists 4-9, so the checks above cannot be used whole
	for _, p := range append(rest.Placements, set[1].Placements...) {
		if m, err := j.Message(ctx, "acme", p.Seq); err != nil || m.State != journal.Journaled {
			t.Fatalf("message %d: %s %v", p.Seq, m.State, err)
		}
	}
	if us, err := j.UnsealedSeqs(ctx, "acme", timeZero, timeZero); err != nil || len(us) != 6 {
		t.Fatalf("unsealed %v %v", us, err)
	}
	if err := j.RecordSealed(ctx, rest, set[1]); err != nil {
		t.Fatal(err)
	}
	if us, err := j.UnsealedSeqs(ctx, "acme", timeZero, timeZero); err != nil || len(us) != 0 {
		t.Fatalf("unsealed %v %v", us, err)
	}
	journaltest.CheckClean(t, j)
}
