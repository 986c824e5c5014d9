package sealing

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// crash is what a FaultFunc panics with to simulate SIGKILL: Seal's own
// cleanup does not run, so leftovers stay as a killed process leaves them.
type crash struct{ point string }

func leftovers(t *testing.T, dir string) []string {
	var out []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".seal-work-") || strings.HasSuffix(e.Name(), ".partial") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestCrashAndRerun kills Seal (in-process) at every fault point, then
// reruns it: nothing is sealed twice, nothing is lost, nothing is marked
// sealed without a verified image, stale files are removed.
func TestCrashAndRerun(t *testing.T) {
	points := []struct {
		point string
		n     int
	}{{FaultStaged, 0}, {FaultPartial, 1}, {FaultImage, 1}, {FaultPartial, 2}, {FaultImage, 3}, {FaultVerified, 0}, {FaultRecorded, 0}}
	for _, p := range points {
		t.Run(p.point+"-"+string(rune('0'+p.n)), func(t *testing.T) {
			f := newFixture(t)
			f.ingest(12, 20000)
			o := f.opts("50")
			o.Fault = func(point string, n int) error {
				if point == p.point && (p.n == 0 || n == p.n) {
					panic(crash{point})
				}
				return nil
			}
			func() {
				defer func() {
					if r := recover(); r == nil {
						t.Fatal("fault point not reached")
					} else if _, ok := r.(crash); !ok {
						panic(r)
					}
				}()
				Seal(f.ctx, f.j, o)
			}()
			vols, _ := f.j.Volumes(f.ctx, "acme")
			recorded := len(vols) > 0
			if recorded != (p.point == FaultRecorded) {
				t.Fatalf("after crash at %s: %d volumes recorded", p.point, len(vols))
			}
			for _, v := range vols {
				if len(v.Verifications) != 1 || !v.Verifications[0].OK {
					t.Fatalf("%s recorded without its verification", v.Label)
				}
			}
			if !recorded {
				if left, _ := f.j.Unsealed(f.ctx, "acme", time.Time{}, time.Time{}); len(left) != 12 {
					t.Fatalf("%d journaled after crash, want 12", len(left))
				}
			}
			if p.point != FaultRecorded && len(leftovers(t, f.out)) == 0 && p.point != FaultImage && p.point != FaultVerified {
				t.Fatalf("crash simulation left no stale files")
			}
			// rerun
			res, err := Seal(f.ctx, f.j, f.opts("50"))
			if err != nil {
				t.Fatal(err)
			}
			if l := leftovers(t, f.out); len(l) != 0 && !recorded {
				t.Fatalf("stale files after rerun: %v", l)
			}
			if recorded != res.Empty {
				t.Fatalf("rerun: empty=%v with recorded=%v", res.Empty, recorded)
			}
			vols, _ = f.j.Volumes(f.ctx, "acme")
			seen := map[uint64]int{}
			var imgs []string
			for _, v := range vols {
				for _, pl := range v.Placements {
					seen[pl.Seq]++
				}
				imgs = append(imgs, filepath.Join(f.out, v.ImageName))
			}
			for seq := range f.raw {
				if seen[seq] != 1 {
					t.Fatalf("seq %d sealed %d times", seq, seen[seq])
				}
			}
			isos, _ := filepath.Glob(filepath.Join(f.out, "*.iso"))
			if len(isos) != len(imgs) {
				t.Fatalf("images in out %v, recorded %v", isos, imgs)
			}
			if rep := f.verify(true, imgs...); !rep.OK {
				t.Fatalf("verify after rerun: %s", checks(rep))
			}
		})
	}
}

// TestSealCancelled: a cancelled context stops Seal with ctx.Err(), leaves
// nothing recorded and no files behind.
func TestSealCancelled(t *testing.T) {
	f := newFixture(t)
	f.ingest(12, 20000)
	ctx, cancel := context.WithCancel(f.ctx)
	o := f.opts("50")
	o.Fault = func(point string, n int) error {
		if point == FaultImage && n == 2 {
			cancel()
		}
		return nil
	}
	_, err := Seal(ctx, f.j, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if vols, _ := f.j.Volumes(f.ctx, "acme"); len(vols) != 0 {
		t.Fatal("volumes recorded")
	}
	if ents, _ := os.ReadDir(f.out); len(ents) != 0 {
		t.Fatalf("left behind: %v", ents)
	}
	if m, _ := f.j.Message(f.ctx, "acme", 1); m.State != journal.Journaled {
		t.Fatal("message state changed")
	}
}

// TestStaleFilesOfOtherTenantsKept: a rerun for "acme" removes only acme's
// leftovers, never those of a tenant whose name starts the same.
func TestStaleFilesOfOtherTenantsKept(t *testing.T) {
	f := newFixture(t)
	f.ingest(1, 100)
	keep := []string{".seal-work-acme-corp-ACME_CORP_202611_0000ABCD", "acme-corp-2026-11-v01of01.iso.partial", "acme-corp-2026-11-v01of01.iso", "notes.txt"}
	drop := []string{".seal-work-acme-ACME_202611_0000ABCD", "acme-2026-10-v01of02.iso.partial", "acme-2026-11-v02of02.iso"}
	for _, n := range append(append([]string{}, keep...), drop...) {
		if err := os.WriteFile(filepath.Join(f.out, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.seal("dvd5")
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(f.out, n)); err != nil {
			t.Errorf("%s removed", n)
		}
	}
	for _, n := range drop {
		if _, err := os.Stat(filepath.Join(f.out, n)); err == nil {
			t.Errorf("%s kept", n)
		}
	}
}
