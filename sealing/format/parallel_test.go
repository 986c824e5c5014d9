package format

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// ordered calls consume exactly once per index, in index order, with that
// index's result, for n below, at and above its window, while work items
// finish out of order; and never runs more than GOMAXPROCS works at once.
func TestOrderedKeepsOrder(t *testing.T) {
	p := runtime.GOMAXPROCS(0)
	for _, n := range []int{0, 1, 3, orderedWindow * p, orderedWindow*p + 1, 5000} {
		var running, peak atomic.Int64
		next := 0
		ordered(n, func(i int) int {
			r := running.Add(1)
			for {
				m := peak.Load()
				if r <= m || peak.CompareAndSwap(m, r) {
					break
				}
			}
			if i%7 == 0 {
				time.Sleep(50 * time.Microsecond) // finish out of order
			}
			running.Add(-1)
			return i * i
		}, func(i, r int) {
			if i != next || r != i*i {
				t.Fatalf("n=%d: consume(%d, %d), want consume(%d, %d)", n, i, r, next, next*next)
			}
			next++
		})
		if next != n {
			t.Fatalf("n=%d: consumed %d", n, next)
		}
		if peak.Load() > int64(p) {
			t.Fatalf("n=%d: %d works at once, GOMAXPROCS is %d", n, peak.Load(), p)
		}
	}
}
