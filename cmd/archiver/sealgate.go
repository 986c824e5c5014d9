package main

import (
	"context"
	"fmt"
)

// lockSeal lets one seal or run at a time work on the journal inside serve,
// where forwarded commands run concurrently. Two at once took the same
// label round and image names for the same messages; the one that lost at
// journal.RecordSealed then removed, as its own partial work, the image the
// other had just recorded, leaving a volume recorded as sealed without an
// image. Outside serve the command holds the journal alone and nothing is
// locked. It waits, saying so on stderr, until the other finishes or ctx
// ends; the caller must call unlock.
func (e *env) lockSeal(ctx context.Context) (unlock func(), err error) {
	sh := e.shared
	if sh == nil {
		return func() {}, nil
	}
	sh.sealOnce.Do(func() { sh.sealGate = make(chan struct{}, 1) })
	select {
	case sh.sealGate <- struct{}{}:
	default:
		fmt.Fprintln(e.stderr, "archiver: another seal or run is in progress in serve; waiting for it to finish")
		select {
		case sh.sealGate <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return func() { <-sh.sealGate }, nil
}
