package format

import "runtime"

// ordered runs work(i) for i in [0, n) on up to GOMAXPROCS goroutines and
// calls consume(i, result) in index order from the calling goroutine. At
// most 2×GOMAXPROCS results are held at once.
func ordered[R any](n int, work func(i int) R, consume func(i int, r R)) {
	p := runtime.GOMAXPROCS(0)
	window := 2 * p
	sem := make(chan struct{}, p)
	type slot struct {
		r    R
		done chan struct{}
	}
	start := func(i int) *slot {
		s := &slot{done: make(chan struct{})}
		go func() {
			sem <- struct{}{}
			s.r = work(i)
			<-sem
			close(s.done)
		}()
		return s
	}
	var q []*slot
	next := 0
	for i := 0; i < n; i++ {
		for next < n && next < i+window {
			q = append(q, start(next))
			next++
		}
		s := q[0]
		q = q[1:]
		<-s.done
		consume(i, s.r)
	}
}
