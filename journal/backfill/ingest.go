package backfill

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/archiver/archiver/journal"
)

// Options configure Ingest.
type Options struct {
	Tenant         string       // store every message for this tenant only ("" routes by domains); ErrNotFound if unknown
	DateFromHeader bool         // Received = the Date header (UTC) when it parses, else Received, else now
	Received       time.Time    // receipt time to record instead of now; zero means now (see journal.DeliveryOptions)
	Progress       func(n int)  // nil: none. Called with n messages offered to the journal (stored, duplicate or refused), from several goroutines at once
	Logger         *slog.Logger // nil: discard. One line per failure and per source
	Stdin          io.Reader    // source for "-"; nil means os.Stdin
	Workers        int          // concurrent deliveries (so group commit shares fsyncs); 0 means 4
}

// Failure is one message (or entry) that was not ingested, and why.
type Failure struct {
	Source string // file path, plus "#N" for the Nth mbox message
	Reason string
}

// Result reconciles one path argument: Read = Stored + Duplicate + Failed.
// Skipped entries (dotfiles, maildir tmp/, empty marker files) are not
// messages and are not counted in Read.
type Result struct {
	Source    string
	Read      int // messages read
	Stored    int // new in the journal (for at least one tenant)
	Duplicate int // bytes already known for every tenant routed to: a receipt was added
	Failed    int
	Failures  []Failure
	Skipped   []Failure
}

// ErrFailed: some message failed to ingest; the Results say which.
var ErrFailed = errors.New("backfill: some messages were not ingested")

// Ingest reads every path (a message file, an mbox, a directory or maildir
// tree, or "-" for stdin) and delivers each message to j through
// BeginWith/Write/Commit, with the envelope described in the package doc.
// It returns one Result per path, in order, and an error wrapping
// ErrFailed when any message failed or a path could not be read. A
// cancelled ctx stops it with ctx.Err().
func Ingest(ctx context.Context, j *journal.Journal, paths []string, opts Options) ([]Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	in := &ingester{j: j, opts: opts}
	results := make([]Result, len(paths))
	var errs []error
	for i, p := range paths {
		results[i] = in.source(ctx, p)
		if err := ctx.Err(); err != nil {
			return results, err
		}
		if results[i].Failed > 0 {
			errs = append(errs, fmt.Errorf("%w: %s: %d of %d failed", ErrFailed, p, results[i].Failed, results[i].Read))
		}
	}
	return results, errors.Join(errs...)
}

type ingester struct {
	j    *journal.Journal
	opts Options
}

// job is one message to deliver: bytes (mbox), a file, or a reader to stream.
type job struct {
	source string
	data   []byte
	path   string
	r      io.Reader
}

// source ingests one path argument with a pool of workers.
func (in *ingester) source(ctx context.Context, path string) Result {
	res := Result{Source: path}
	var mu sync.Mutex
	record := func(f func(*Result)) { mu.Lock(); f(&res); mu.Unlock() }
	jobs := make(chan job, in.opts.Workers)
	var wg sync.WaitGroup
	for range in.opts.Workers {
		wg.Go(func() {
			for jb := range jobs {
				in.deliver(ctx, jb, record)
			}
		})
	}
	in.produce(ctx, path, jobs, record)
	close(jobs)
	wg.Wait()
	in.opts.Logger.Info("ingested", "source", path, "read", res.Read, "stored", res.Stored,
		"duplicate", res.Duplicate, "failed", res.Failed, "skipped", len(res.Skipped))
	return res
}

// produce walks path and queues a job per message.
func (in *ingester) produce(ctx context.Context, path string, jobs chan<- job, record func(func(*Result))) {
	fail := func(src, reason string) {
		record(func(r *Result) { r.Read++; r.Failed++; r.Failures = append(r.Failures, Failure{src, reason}) })
	}
	var items []item
	if path == "-" {
		items = []item{{path: "-"}}
	} else {
		var err error
		if items, err = walk(path); err != nil && len(items) == 0 {
			fail(path, err.Error())
			return
		}
	}
	for _, it := range items {
		if ctx.Err() != nil {
			return
		}
		if it.skip != "" {
			record(func(r *Result) { r.Skipped = append(r.Skipped, Failure{it.path, it.skip}) })
			continue
		}
		if err := in.produceFile(ctx, it.path, jobs, record); err != nil {
			fail(it.path, err.Error())
		}
	}
}

// produceFile queues the messages of one file: each mbox message as bytes,
// a single message as a path to stream. A single message on stdin is
// streamed and delivered here, before returning.
func (in *ingester) produceFile(ctx context.Context, path string, jobs chan<- job, record func(func(*Result))) error {
	rc, err := openSource(path, in.opts.Stdin)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	if detect(br) == KindMbox && !isEML(path) {
		n := 0
		return SplitMbox(br, func(msg []byte, _ int64) error {
			n++
			select {
			case jobs <- job{source: fmt.Sprintf("%s#%d", path, n), data: bytes.Clone(msg)}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}
	if path == "-" {
		in.deliver(ctx, job{source: path, r: br}, record)
		return nil
	}
	jb := job{source: path, path: path}
	select {
	case jobs <- jb:
	case <-ctx.Done():
	}
	return nil
}
