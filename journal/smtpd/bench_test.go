package smtpd

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
)

// BenchmarkSMTP delivers 20 KB messages over loopback SMTP from N
// concurrent sessions into a real journal (every 250 after fsync), and
// reports msgs/s and the ratio to one fsync per message (write+fsync of a
// 20 KB append, measured in the same run on the same file system).
//
//	go test -run XXX -bench SMTP -benchtime 3000x ./journal/smtpd/
func BenchmarkSMTP(b *testing.B) {
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchSMTP(b, n) })
	}
}

const benchBody = 20 << 10 // bytes per message

func benchMessage(id int64) string {
	line := strings.Repeat("abcdefghij", 7) + "\r\n" // 72 bytes
	head := fmt.Sprintf("Subject: bench %d\r\nMessage-ID: <%d@bench.example>\r\n\r\n", id, id)
	return head + strings.Repeat(line, (benchBody-len(head))/len(line)) + ".\r\n"
}

func benchSMTP(b *testing.B, clients int) {
	addr, _, _ := start(b, journal.Options{}, Config{})
	baseline := fsyncRate(b, b.TempDir())
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	b.ResetTimer()
	startT := time.Now()
	for range clients {
		wg.Go(func() {
			if err := benchClient(addr, &next, int64(b.N)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(startT)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(rate*benchBody/1e6, "MB/s")
	b.ReportMetric(rate/baseline, "x-fsync")
	b.ReportMetric(baseline, "fsyncs/s")
}

// benchClient sends messages until next reaches total.
func benchClient(addr string, next *atomic.Int64, total int64) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	br := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	expect := func(code string) error {
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return err
			}
			if len(l) >= 4 && l[3] == '-' {
				continue
			}
			if !strings.HasPrefix(l, code) {
				return fmt.Errorf("want %s, got %q", code, l)
			}
			return nil
		}
	}
	send := func(s, code string) error {
		w.WriteString(s)
		if err := w.Flush(); err != nil {
			return err
		}
		return expect(code)
	}
	if err := expect("220"); err != nil {
		return err
	}
	if err := send("EHLO bench.example\r\n", "250"); err != nil {
		return err
	}
	for {
		id := next.Add(1)
		if id > total {
			return send("QUIT\r\n", "221")
		}
		if err := send("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n", "250"); err != nil {
			return err
		}
		if err := expect("250"); err != nil {
			return err
		}
		if err := expect("354"); err != nil {
			return err
		}
		if err := send(benchMessage(id), "250"); err != nil {
			return err
		}
	}
}

// fsyncRate measures appends of one 20 KB message followed by fsync, per
// second, in dir.
func fsyncRate(b *testing.B, dir string) float64 {
	f, err := os.Create(filepath.Join(dir, "fsync-baseline"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, benchBody)
	const n = 200
	t0 := time.Now()
	for range n {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	return n / time.Since(t0).Seconds()
}
