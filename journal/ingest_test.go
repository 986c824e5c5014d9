package journal_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

func TestByteExact(t *testing.T) {
	j := newJ(t)
	long := append([]byte("X-Long: "), bytes.Repeat([]byte("a"), 1<<20)...)
	cases := map[string][]byte{
		"zero-byte":     {},
		"nul":           []byte("Subject: n\x00ul\r\n\r\nbody\x00\x00\r\n"),
		"bare-cr-lf":    []byte("Subject: x\rY: z\n\nline\rmore\nend"),
		"no-header":     []byte("just text, no header block at all"),
		"8bit":          []byte("Subject: caf\xe9 \xff\xfe\r\n\r\n\x80\x81"),
		"1mib-header":   append(long, "\r\n\r\nbody\r\n"...),
		"chunk-border":  bytes.Repeat([]byte{0xAB}, 64<<10),
		"chunk-border1": bytes.Repeat([]byte{0xCD}, 64<<10+1),
		"staged":        bytes.Repeat([]byte("0123456789abcdef"), (3<<20)/16+7),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			st := ingest(t, j, env("x@acme.example", "y@acme.example"), raw)
			if len(st) != 1 || st[0].Tenant != "acme" || st[0].Duplicate {
				t.Fatalf("stored %+v", st)
			}
			want := sha256.Sum256(raw)
			if st[0].SHA256 != want || st[0].Size != int64(len(raw)) {
				t.Fatalf("stored sha/size %x/%d, want %x/%d", st[0].SHA256, st[0].Size, want, len(raw))
			}
			got, n := bodySHA(t, j, "acme", st[0].Seq)
			if got != want || n != int64(len(raw)) {
				t.Fatalf("read back %x (%d bytes), want %x (%d)", got, n, want, len(raw))
			}
			m, err := j.Message(ctx, "acme", st[0].Seq)
			if err != nil || m.SHA256 != want || !m.HasBody || m.State != journal.Journaled {
				t.Fatalf("message %+v err %v", m, err)
			}
		})
	}
}

// patternReader yields n bytes of a pattern without holding them.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(b)), p.left)
	for i := range b[:n] {
		b[i] = byte(p.left - int64(i))
	}
	p.left -= n
	return int(n), nil
}

func TestLargeMessageBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB message; skipped with -short")
	}
	j := newJ(t)
	const size = 64 << 20
	h := sha256.New()
	io.Copy(h, &patternReader{left: size})
	want := [32]byte(h.Sum(nil))

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	st, err := j.Ingest(ctx, env("a@acme.example", "b@acme.example"), &patternReader{left: size})
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	if st[0].SHA256 != want || st[0].Size != size {
		t.Fatalf("stored %x/%d", st[0].SHA256, st[0].Size)
	}
	if got, _ := bodySHA(t, j, "acme", st[0].Seq); got != want {
		t.Fatal("64 MiB body read back differs")
	}
	if d := int64(peak.Load()) - int64(base); d > 48<<20 {
		t.Errorf("heap grew by %d MiB while ingesting 64 MiB; want < 48 MiB", d>>20)
	}
	t.Logf("peak heap growth %d MiB", (int64(peak.Load())-int64(base))>>20)
}

func TestTooLarge(t *testing.T) {
	j := newJ(t, journal.Options{MinFreeBytes: -1, MaxMessageBytes: 1000})
	_, err := j.Ingest(ctx, env("a@acme.example", "b@acme.example"), bytes.NewReader(make([]byte, 1001)))
	if !errors.Is(err, journal.ErrTooLarge) || !errors.Is(err, journal.ErrTransient) {
		t.Fatalf("err = %v, want ErrTooLarge (transient)", err)
	}
	st := status(t, j)
	if !hasAlarm(st, "oversize") {
		t.Fatalf("no oversize alarm: %+v", st.Alarms)
	}
	if ingest(t, j, env("a@acme.example", "b@acme.example"), make([]byte, 1000))[0].Seq != 1 {
		t.Fatal("message at the limit not stored as seq 1")
	}
}

func TestLowSpace(t *testing.T) {
	j := journaltest.NewWith(t, journal.Options{MinFreeBytes: 1 << 62})
	_, err := j.Begin(ctx, env("a@x.example", "b@x.example"))
	if !errors.Is(err, journal.ErrLowSpace) || !errors.Is(err, journal.ErrTransient) {
		t.Fatalf("err = %v, want ErrLowSpace", err)
	}
	st := status(t, j)
	if !hasAlarm(st, "low-disk") {
		t.Fatalf("no low-disk alarm: %+v", st.Alarms)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(dir, journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	_, err = journal.Open(dir, journal.Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, journal.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestAbortStoresNothing(t *testing.T) {
	j := newJ(t)
	d, err := j.Begin(ctx, env("a@acme.example", "b@acme.example"))
	if err != nil {
		t.Fatal(err)
	}
	d.Write(make([]byte, 200<<10))
	d.Abort()
	if _, err := j.Message(ctx, "acme", 1); !errors.Is(err, journal.ErrNotFound) {
		t.Fatalf("aborted message visible: %v", err)
	}
	if st := ingest(t, j, env("a@acme.example", "b@acme.example"), []byte("x")); st[0].Seq != 1 {
		t.Fatalf("seq after abort = %d, want 1", st[0].Seq)
	}
}

func status(t testing.TB, j *journal.Journal) journal.Status {
	t.Helper()
	st, err := j.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func hasAlarm(st journal.Status, kind string) bool {
	for _, a := range st.Alarms {
		if a.Kind == kind {
			return true
		}
	}
	return false
}
