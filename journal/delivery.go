package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// memSpool is how many bytes of a delivery are kept in memory before the
// body spills to a spool file under DATA/journal/spool (bytes).
const memSpool = 64 << 10

// DeliveryOptions change how BeginWith routes and dates a delivery.
type DeliveryOptions struct {
	Tenant         string // backfill --tenant: store for this tenant only (ErrNotFound if unknown); "" routes by domains
	DateFromHeader bool   // backfill --date-from-header: Received = the Date header (UTC) when it parses, else Received below
	// Received is the receipt time to record instead of now (backfill
	// --received: mail of a known month whose Date is missing or wrong).
	// Zero means now. With DateFromHeader it applies only where the Date
	// header does not parse.
	Received time.Time
}

// Delivery is one message being received: Begin, Write the raw bytes, then
// Commit or Abort. Memory stays bounded: beyond 64 KiB the body streams to a
// spool file, which Commit moves into the journal in chunks. Not safe for
// concurrent use.
type Delivery struct {
	j    *Journal
	env  Envelope
	opts DeliveryOptions

	mem  []byte // the body while it fits in memSpool bytes; from memPool
	file *os.File
	size int64
	sum  hash.Hash
	err  error // sticky: ErrTooLarge or a spool write error
	done bool
}

// Begin starts a delivery with envelope env. ErrLowSpace when free disk is
// under the watermark; ErrUnavailable when the journal is closed.
func (j *Journal) Begin(ctx context.Context, env Envelope) (*Delivery, error) {
	return j.BeginWith(ctx, env, DeliveryOptions{})
}

// BeginWith is Begin with routing and dating options (backfill).
func (j *Journal) BeginWith(ctx context.Context, env Envelope, o DeliveryOptions) (*Delivery, error) {
	if o.Tenant != "" {
		if _, err := j.Tenant(ctx, o.Tenant); err != nil {
			return nil, err
		}
	}
	if err := j.checkOpen(); err != nil {
		return nil, err
	}
	if err := j.checkSpace(); err != nil {
		return nil, err
	}
	env.RcptTo = append([]string(nil), env.RcptTo...)
	return &Delivery{j: j, env: env, opts: o, sum: sha256.New()}, nil
}

func (j *Journal) checkOpen() error {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.st == nil {
		return ErrClosed
	}
	return nil
}

// Write appends raw message bytes. Past Options.MaxMessageBytes it returns
// ErrTooLarge (and raises an "oversize" alarm); the delivery then can only
// be aborted.
func (d *Delivery) Write(p []byte) (int, error) {
	if d.done {
		return 0, fmt.Errorf("journal: write after commit or abort")
	}
	if d.err != nil {
		return 0, d.err
	}
	if d.size+int64(len(p)) > d.j.opts.MaxMessageBytes {
		d.tooLarge(d.size + int64(len(p)))
		return 0, d.err
	}
	if err := d.spool(p); err != nil {
		d.err = unavailable("spool", err)
		return 0, d.err
	}
	d.sum.Write(p)
	d.size += int64(len(p))
	return len(p), nil
}

func (d *Delivery) tooLarge(atLeast int64) {
	max := d.j.opts.MaxMessageBytes
	d.err = fmt.Errorf("%w: over %d bytes (limit %d bytes)", ErrTooLarge, atLeast-1, max)
	d.j.RaiseAlarm(Alarm{Kind: "oversize", Message: fmt.Sprintf(
		"refused a message of more than %d bytes from %q (limit %d bytes); raise --max-size to at least the MTA's limit",
		atLeast-1, d.env.MailFrom, max)})
	d.release()
}

func (d *Delivery) spool(p []byte) error {
	if d.file == nil && len(d.mem)+len(p) <= memSpool {
		if d.mem == nil {
			d.mem = (*memPool.Get().(*[]byte))[:0]
		}
		d.mem = append(d.mem, p...)
		return nil
	}
	if d.file == nil {
		f, err := os.CreateTemp(filepath.Join(d.j.dir, "spool"), "d-*")
		if err != nil {
			return err
		}
		d.file = f
		if _, err := f.Write(d.mem); err != nil {
			return err
		}
		d.freeMem()
	}
	_, err := d.file.Write(p)
	return err
}

// body returns a reader over the bytes written so far.
func (d *Delivery) body() io.Reader {
	if d.file == nil {
		return bytes.NewReader(d.mem)
	}
	return io.NewSectionReader(d.file, 0, d.size)
}

// bytes returns the whole body; for an in-memory body without copying (it
// stays valid until release).
func (d *Delivery) bytes() ([]byte, error) {
	if d.file == nil {
		return d.mem, nil
	}
	b := make([]byte, d.size)
	_, err := io.ReadFull(d.body(), b)
	return b, err
}

// Abort discards the delivery. Nothing of it was stored.
func (d *Delivery) Abort() error {
	d.done = true
	d.release()
	return nil
}

// release frees the buffer and removes the spool file.
func (d *Delivery) release() {
	d.freeMem()
	if d.file != nil {
		d.file.Close()
		os.Remove(d.file.Name())
		d.file = nil
	}
}

// memPool recycles the memSpool-byte buffers of finished deliveries.
var memPool = sync.Pool{New: func() any { b := make([]byte, 0, memSpool); return &b }}

// freeMem returns the in-memory buffer to memPool.
func (d *Delivery) freeMem() {
	if d.mem != nil {
		b := d.mem[:0]
		memPool.Put(&b)
		d.mem = nil
	}
}

// Ingest stores the message read from r: Begin, copy, Commit.
func (j *Journal) Ingest(ctx context.Context, env Envelope, r io.Reader) ([]Stored, error) {
	return j.IngestWith(ctx, env, DeliveryOptions{}, r)
}

// IngestWith is Ingest with DeliveryOptions.
func (j *Journal) IngestWith(ctx context.Context, env Envelope, o DeliveryOptions, r io.Reader) ([]Stored, error) {
	d, err := j.BeginWith(ctx, env, o)
	if err != nil {
		return nil, err
	}
	buf := copyBufs.Get().(*[]byte)
	_, err = io.CopyBuffer(d, r, *buf)
	copyBufs.Put(buf)
	if err != nil {
		d.Abort()
		return nil, err
	}
	return d.Commit(ctx)
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// cleanSpool removes spool files left by a crash.
func cleanSpool(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		os.Remove(filepath.Join(dir, e.Name()))
	}
}
