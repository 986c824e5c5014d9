package catalog

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sort"
	"sync"

	"github.com/archiver/archiver/journal"
)

// fakeSource is an in-memory Source for unit tests that do not need the
// real journal (the corpus tests use journal.Open).
type fakeSource struct {
	mu     sync.Mutex
	msgs   []journal.Message // by Rev
	bodies map[Key][]byte
	holds  []journal.Hold
	notify chan struct{}
	since  []uint64 // afterRev of each Since call
}

func newFake() *fakeSource {
	return &fakeSource{bodies: map[Key][]byte{}, notify: make(chan struct{}, 1)}
}

func (f *fakeSource) add(m journal.Message, raw string) journal.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	m.Rev = uint64(len(f.msgs) + 1)
	if m.Seq == 0 {
		m.Seq = m.Rev
	}
	m.HasBody = raw != ""
	f.bodies[Key{m.Tenant, m.Seq}] = []byte(raw)
	f.msgs = append(f.msgs, m)
	select {
	case f.notify <- struct{}{}:
	default:
	}
	return m
}

func (f *fakeSource) Since(ctx context.Context, after uint64, fn func(journal.Message) error) error {
	f.mu.Lock()
	f.since = append(f.since, after)
	var todo []journal.Message
	for _, m := range f.msgs {
		if m.Rev > after {
			todo = append(todo, m)
		}
	}
	f.mu.Unlock()
	sort.Slice(todo, func(i, j int) bool { return todo[i].Rev < todo[j].Rev })
	for _, m := range todo {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) Message(ctx context.Context, tenant string, seq uint64) (journal.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.msgs) - 1; i >= 0; i-- {
		if m := f.msgs[i]; m.Tenant == tenant && m.Seq == seq {
			return m, nil
		}
	}
	return journal.Message{}, errors.New("not found")
}

func (f *fakeSource) OpenBody(ctx context.Context, tenant string, seq uint64) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.bodies[Key{tenant, seq}]
	if !ok || len(b) == 0 {
		return nil, errors.New("released")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (f *fakeSource) Notify() <-chan struct{} { return f.notify }

func (f *fakeSource) Holds(ctx context.Context) ([]journal.Hold, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]journal.Hold(nil), f.holds...), nil
}
