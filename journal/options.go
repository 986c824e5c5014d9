package journal

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxMessageBytes is the message size limit when
// Options.MaxMessageBytes is 0: 256 MiB.
const DefaultMaxMessageBytes = 256 << 20

// DefaultMinFreeBytes is the free-disk watermark when Options.MinFreeBytes
// is 0: 1 GiB.
const DefaultMinFreeBytes = 1 << 30

// Options configure Open. The zero value is usable.
type Options struct {
	MaxMessageBytes int64            // per message, bytes; 0 means DefaultMaxMessageBytes
	MinFreeBytes    int64            // refuse with ErrLowSpace below this many free bytes; 0 means 1 GiB, <0 disables
	Logger          *slog.Logger     // nil: discard
	Now             func() time.Time // nil: time.Now; tests inject
	Actor           string           // audit actor for ingest batches and tenant changes; "" means the OS user ("service" for serve)
	LockTimeout     time.Duration    // wait for the file lock; 0 means 1s, then ErrLocked
	MaxBatch        int              // messages per group commit (one fsync); 0 means 256, 1 means one fsync per message

	// FailCommit, when set, runs inside every ingest commit transaction;
	// a non-nil result aborts that transaction as a write failure would.
	// For tests only. A binary built with -tags faultinject (never a
	// release build; docs/journal.md) also reads ARCHIVER_FAULT in Open:
	// "commit:N" fails the Nth commit, "commit:N+" fails the Nth and every
	// later one; several specs may be joined with ",".
	FailCommit func() error
}

func (o Options) withDefaults() (Options, error) {
	if o.MaxMessageBytes == 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.MinFreeBytes == 0 {
		o.MinFreeBytes = DefaultMinFreeBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = time.Second
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Actor == "" {
		o.Actor = osUser()
	}
	return o, faultFromEnv(&o)
}

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "uid:" + strconv.Itoa(os.Getuid())
}

// errInjected is the cause of an injected commit failure.
var errInjected = errors.New("injected fault (FailCommit)")

// parseFault parses a commit fault spec ("commit:3", "commit:5+",
// "commit:1,commit:4"), as ARCHIVER_FAULT gives it to a faultinject build.
func parseFault(spec string) (func() error, error) {
	type rule struct {
		n    int64
		from bool
	}
	var rules []rule
	for _, s := range strings.Split(spec, ",") {
		num, ok := strings.CutPrefix(strings.TrimSpace(s), "commit:")
		if !ok {
			return nil, fmt.Errorf("ARCHIVER_FAULT: unknown fault %q (want commit:N or commit:N+)", s)
		}
		r := rule{}
		num, r.from = strings.CutSuffix(num, "+")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("ARCHIVER_FAULT: bad count in %q", s)
		}
		r.n = n
		rules = append(rules, r)
	}
	var count atomic.Int64
	return func() error {
		c := count.Add(1)
		for _, r := range rules {
			if c == r.n || (r.from && c > r.n) {
				return fmt.Errorf("ARCHIVER_FAULT: commit %d", c)
			}
		}
		return nil
	}, nil
}

func chainFault(a, b func() error) func() error {
	if a == nil {
		return b
	}
	return func() error {
		if err := a(); err != nil {
			return err
		}
		return b()
	}
}
