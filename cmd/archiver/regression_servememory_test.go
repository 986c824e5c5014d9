package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
)

// serveMemoryLimit is the resident peak serve must stay under, whatever
// the catalog's backlog and whatever is delivered or exported meanwhile.
const serveMemoryLimit = 256 << 20 // bytes

// TestServeMemoryBoundedCatchingUp: one serve was found at 1.5 GiB
// resident after restarts, each of which caught the catalog up with a
// backlog. Here serve starts with a backlog of 20,000 corpus messages
// (ingested through the real commit path, so the catalog is 20,000
// behind), takes 100 MiB of large messages over SMTP while it catches up,
// then runs a forwarded export of them; its VmHWM (peak resident set,
// /proc/PID/status) must stay under 256 MiB.
func TestServeMemoryBoundedCatchingUp(t *testing.T) {
	testtool.Long(t)
	corpus := testtool.Corpus(t)
	const backlog = 20000
	data := t.TempDir()
	archiver(t, 0, "init", "--data", data)
	archiver(t, 0, "tenant", "add", "--data", data, "acme", "--domain", "acme.example")

	mbox := filepath.Join(t.TempDir(), "backlog.mbox")
	writeBacklogMbox(t, corpus, mbox, backlog)
	start := time.Now()
	out := archiver(t, 0, "ingest", "--data", data, "--tenant", "acme", "--date-from-header", mbox)
	if !strings.Contains(out, fmt.Sprintf("read %d", backlog)) {
		t.Logf("ingest output:\n%s", out)
	}
	t.Logf("ingested the backlog in %v", time.Since(start).Round(time.Millisecond))

	cmd, addr, logPath := startServeLog(t, data)
	pid := cmd.Process.Pid
	// Opening the journal maps its whole file once (bbolt rebuilds its
	// free list by walking every page: NoFreelistSync), which the journal
	// releases right after; that peak is the journal's, measured and
	// logged here but not what this test bounds. Reset VmHWM to the
	// current resident set (proc(5), clear_refs "5") and measure from here.
	openPeak, err := vmHWM(pid)
	if err != nil {
		testtool.Unavailable(t, "cannot read VmHWM of serve: %v", err)
	}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		testtool.Unavailable(t, "cannot reset VmHWM of serve: %v", err)
	}
	now, _ := vmHWM(pid)
	t.Logf("serve VmHWM after opening the journal (%d messages): %d MiB; reset to %d MiB", backlog, openPeak>>20, now>>20)
	var peak peakWatcher
	stopWatch := peak.watch(t, pid)
	defer stopWatch()

	start = time.Now()
	var wg sync.WaitGroup
	var sendErr error
	wg.Add(1)
	go func() { // 100 MiB over SMTP while the catalog catches up
		defer wg.Done()
		for i, kind := range []string{"plain", "html", "attachment", "qp"} {
			msg := bigMessage(i, kind, 25<<20)
			if err := smtp.SendMail(addr, nil, "alice@acme.example", []string{"bob@acme.example"}, msg); err != nil {
				sendErr = fmt.Errorf("deliver big message %d (%s): %w", i, kind, err)
				return
			}
		}
	}()
	wg.Wait()
	if sendErr != nil {
		t.Fatal(sendErr)
	}
	// A forwarded search syncs the catalog first: it returns once serve
	// has caught up with the whole backlog and the big messages.
	got := archiver(t, 0, "search", "--data", data, "--subject", "memtest big")
	if n := strings.Count(got, "\n"); n < 4 {
		t.Fatalf("search for the big messages found %d lines, want 4:\n%s", n, got)
	}
	last := archiver(t, 0, "search", "--data", data, "--message-id", fmt.Sprintf("memtest-%d@archiver.test", backlog-1))
	if strings.Count(last, "\n") < 1 {
		t.Fatalf("the last backlog message is not searchable:\n%s", last)
	}
	t.Logf("caught up with %d messages and 100 MiB in %v", backlog, time.Since(start).Round(time.Millisecond))
	exp := filepath.Join(t.TempDir(), "export")
	archiver(t, 0, "export", "--data", data, "--subject", "memtest big", "--out", exp, "--no-sign")
	var exported int64
	filepath.WalkDir(exp, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".eml") {
			fi, _ := d.Info()
			exported += fi.Size()
		}
		return nil
	})
	if exported < 100<<20 {
		t.Fatalf("export wrote %d bytes of .eml, want the 100 MiB delivered", exported)
	}
	hwm := peak.hwm(t, pid)
	t.Logf("serve VmHWM %d MiB (limit %d MiB)", hwm>>20, serveMemoryLimit>>20)
	if hwm >= serveMemoryLimit {
		b, _ := os.ReadFile(logPath)
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Fatalf("serve's peak resident set was %d MiB catching up %d messages and taking 100 MiB; the limit is %d MiB\nserve log (end):\n%s",
			hwm>>20, backlog, serveMemoryLimit>>20, b)
	}
}

// writeBacklogMbox writes n corpus messages (enron, edge and maildir, in
// name order, repeated) as an mboxrd file, each with a distinct
// Message-ID prepended so none is a duplicate.
func writeBacklogMbox(t *testing.T, corpus, path string, n int) {
	t.Helper()
	var files []string
	for _, sub := range []string{"enron", "edge", "maildir"} {
		filepath.WalkDir(filepath.Join(corpus, sub), func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
	}
	sort.Strings(files)
	if len(files) < 4000 {
		t.Fatalf("corpus has %d message files, want the 4,700", len(files))
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fromLine := regexp.MustCompile(`(?m)^(>*From )`)
	for i := 0; i < n; i++ {
		b, err := os.ReadFile(files[i%len(files)])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "From memtest@archiver.test Mon Jan  1 00:00:00 2024\nMessage-ID: <memtest-%d@archiver.test>\r\n", i)
		w.Write(fromLine.ReplaceAll(b, []byte(">$1")))
		if !bytes.HasSuffix(b, []byte("\n")) {
			w.WriteString("\n")
		}
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// bigMessage is a size-byte message of one kind: a text/plain body, a
// text/html body, a base64 attachment, or a quoted-printable text
// attachment.
func bigMessage(i int, kind string, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: alice@acme.example\r\nTo: bob@acme.example\r\nSubject: memtest big %s\r\nMessage-ID: <memtest-big-%d@archiver.test>\r\nDate: Mon, 1 Jan 2024 12:00:00 +0000\r\nMIME-Version: 1.0\r\n", kind, i)
	line := func(n int) string {
		return fmt.Sprintf("word%d lorem ipsum dolor sit amet consectetur %d adipiscing elit sed do", n%50000, n)
	}
	switch kind {
	case "plain":
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
		for n := 0; b.Len() < size; n++ {
			b.WriteString(line(n) + "\r\n")
		}
	case "html":
		b.WriteString("Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>\r\n")
		for n := 0; b.Len() < size; n++ {
			b.WriteString("<p><b>" + line(n) + "</b> &amp; <!-- c --></p>\r\n")
		}
		b.WriteString("</body></html>\r\n")
	case "attachment", "qp":
		b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\n")
		if kind == "attachment" {
			b.WriteString("Content-Type: application/octet-stream; name=\"big.bin\"\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
			for n := 0; b.Len() < size; n++ {
				b.WriteString(strings.Repeat(strconv.Itoa(n%10)+"ABCDEFGHabcdefgh", 5)[:76] + "\r\n")
			}
		} else {
			b.WriteString("Content-Type: text/plain; charset=iso-8859-1; name=\"big.txt\"\r\nContent-Disposition: attachment; filename=\"big.txt\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
			for n := 0; b.Len() < size; n++ {
				b.WriteString(line(n) + " caf=E9=\r\n")
			}
			b.WriteString("end\r\n")
		}
		b.WriteString("--b1--\r\n")
	}
	return b.Bytes()
}

// peakWatcher samples a process's memory while it runs: the largest
// VmHWM seen (so the peak is known even if the process is gone at the
// end) and the breakdown of the largest VmRSS sample, for the log.
type peakWatcher struct {
	mu   sync.Mutex
	last int64  // largest VmHWM sampled, bytes
	rss  int64  // largest VmRSS sampled, bytes
	at   string // its VmRSS, RssAnon and RssFile lines
}

func (p *peakWatcher) watch(t *testing.T, pid int) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if st, err := procStatus(pid); err == nil {
				p.mu.Lock()
				p.last = max(p.last, st["VmHWM"])
				if st["VmRSS"] > p.rss {
					p.rss = st["VmRSS"]
					p.at = fmt.Sprintf("VmRSS %d MiB (RssAnon %d, RssFile %d MiB)", st["VmRSS"]>>20, st["RssAnon"]>>20, st["RssFile"]>>20)
				}
				p.mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() { close(stop); <-done }
}

// hwm returns the process's VmHWM now (or the last sample, if it is gone).
func (p *peakWatcher) hwm(t *testing.T, pid int) int64 {
	t.Helper()
	v, err := vmHWM(pid)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil && p.last == 0 {
		testtool.Unavailable(t, "cannot read VmHWM of serve: %v", err)
	}
	t.Logf("largest sample: %s", p.at)
	return max(v, p.last)
}

// procStatus reads the kB fields of /proc/PID/status, in bytes.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				out[k] = n << 10
			}
		}
	}
	return out, nil
}

// vmHWM reads VmHWM (peak resident set, bytes) from /proc/PID/status.
func vmHWM(pid int) (int64, error) {
	st, err := procStatus(pid)
	if err != nil {
		return 0, err
	}
	v, ok := st["VmHWM"]
	if !ok {
		return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
	}
	return v, nil
}
