package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// phases is a slog.Handler for Seal's logger that splits seal+verify into
// its phases at Seal's "seal phase" records (encrypt, master, self-verify)
// and at the bench's own marks (end: record, verify --data), and keeps the
// memory peaks of each: VmHWM (reset at every phase boundary), and RssAnon,
// RssFile and the Go heap in use as sampled by sampleHeap. Records go on
// to next (stderr with -v, else discarded).
type phases struct {
	next slog.Handler

	mu    sync.Mutex
	began time.Time
	cur   phasePeak   // the phase running
	done  []phasePeak // the phases ended, in order
}

// phasePeak is one phase's peaks in MiB.
type phasePeak struct {
	name             string
	took             time.Duration
	vmhwm            float64
	heap, anon, file float64
}

func (p *phases) Enabled(context.Context, slog.Level) bool { return true }

func (p *phases) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "seal phase" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "phase" {
				p.end(a.Value.String())
				return false
			}
			return true
		})
	}
	if p.next.Enabled(ctx, r.Level) {
		return p.next.Handle(ctx, r)
	}
	return nil
}

func (p *phases) WithAttrs(as []slog.Attr) slog.Handler {
	return &phases{next: p.next.WithAttrs(as)} // not used by Seal; would lose the peaks
}

func (p *phases) WithGroup(name string) slog.Handler {
	return &phases{next: p.next.WithGroup(name)}
}

// start begins the first phase (VmHWM was just reset).
func (p *phases) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.began = time.Now()
}

// sample records one sample of the Go heap in use, RssAnon and RssFile.
func (p *phases) sample(heap, anon, file float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur.heap, p.cur.anon, p.cur.file = max(p.cur.heap, heap), max(p.cur.anon, anon), max(p.cur.file, file)
}

// end closes the phase running as name and starts the next one, resetting
// VmHWM.
func (p *phases) end(name string) {
	anon, file := rssSplit() // the phase's last moment, in case no sample fell in it
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.cur
	c.name, c.took, c.vmhwm = name, time.Since(p.began), peakRSS()
	c.anon, c.file = max(c.anon, anon), max(c.file, file)
	p.done = append(p.done, c)
	p.cur, p.began = phasePeak{}, time.Now()
	resetPeakRSS()
}

// hwm is the largest VmHWM of the phases ended.
func (p *phases) hwm() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var m float64
	for _, c := range p.done {
		m = max(m, c.vmhwm)
	}
	return m
}

// report is one line per phase ended.
func (p *phases) report() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, c := range p.done {
		fmt.Fprintf(&b, "phase %-13s %6.1f s: VmHWM %6.1f MiB, RssAnon peak %6.1f MiB, RssFile peak %6.1f MiB, Go heap in use peak %6.1f MiB\n",
			c.name, c.took.Seconds(), c.vmhwm, c.anon, c.file, c.heap)
	}
	return b.String()
}
