package catalog

import (
	"context"
	"io"

	"github.com/archiver/archiver/journal"
)

// Source is what the catalog needs from the journal. *journal.Journal
// implements it; tests may substitute their own.
type Source interface {
	// Since calls fn for every message whose Rev > afterRev, in Rev order.
	Since(ctx context.Context, afterRev uint64, fn func(journal.Message) error) error
	// Message returns the current record of one message.
	Message(ctx context.Context, tenant string, seq uint64) (journal.Message, error)
	// OpenBody opens the raw bytes while the journal still holds them.
	OpenBody(ctx context.Context, tenant string, seq uint64) (io.ReadCloser, error)
	// Notify receives (coalesced) after each commit.
	Notify() <-chan struct{}
	// Holds lists the stored legal holds.
	Holds(ctx context.Context) ([]journal.Hold, error)
}

var _ Source = (*journal.Journal)(nil)
