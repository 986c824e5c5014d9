package smtpd

import (
	"context"
	"io"

	"github.com/archiver/archiver/journal"
)

// Store is what the server needs from the journal. *journal.Journal
// provides it through New; tests and fault injection wrap it.
type Store interface {
	// Begin starts a delivery (journal.Journal.Begin).
	Begin(ctx context.Context, env journal.Envelope) (Delivery, error)
	// RaiseAlarm records an operator alarm, best effort.
	RaiseAlarm(a journal.Alarm)
}

// Delivery is one message being received (journal.Delivery).
type Delivery interface {
	io.Writer
	Commit(ctx context.Context) ([]journal.Stored, error)
	Abort() error
}

// journalStore adapts *journal.Journal to Store.
type journalStore struct{ j *journal.Journal }

func (s journalStore) Begin(ctx context.Context, env journal.Envelope) (Delivery, error) {
	d, err := s.j.Begin(ctx, env)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (s journalStore) RaiseAlarm(a journal.Alarm) { s.j.RaiseAlarm(a) }
