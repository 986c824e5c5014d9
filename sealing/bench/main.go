// Command bench measures sealing end to end against a manual gpg/xorriso
// pipeline on the same messages, a plain sequential write (dd with
// conv=fdatasync), and sha256sum; it prints the ratios and peak RSS.
//
//	go run ./sealing/bench -size 128MiB      # quick
//	go run ./sealing/bench -size 1GiB        # the figure
//
// Messages are the files of ../shared/corpus (mbox files whole), repeated
// with a unique first header line until -size bytes; without the corpus,
// synthetic text mail. Needs gpg, xorriso, bsdtar, sha256sum, dd.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/pgp"
)

func main() {
	size := flag.String("size", "128MiB", "bytes of messages (suffix KiB, MiB, GiB)")
	corpus := flag.String("corpus", "../shared/corpus", "message source directory")
	profile := flag.String("media", "dvd5", "media profile")
	skipManual := flag.Bool("skip-manual", false, "skip the manual gpg pipeline")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of seal+verify to this file")
	hashProfile := flag.String("hashprofile", "", "write a CPU profile of the hash-only verify to this file")
	memLimit := flag.String("memlimit", "", "Go soft memory limit during seal+verify (e.g. 192MiB; the runtime's GOMEMLIMIT would also throttle loading the messages)")
	verbose := flag.Bool("v", false, "log seal phases (encrypt, master, self-verify) with their durations")
	flag.StringVar(&heapProfile, "memprofile", "", "write a heap profile taken at the peak Go heap of seal+verify to this file")
	flag.Parse()
	if *verbose {
		phaseLog.next = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})
	}
	n, err := parseSize(*size)
	if err != nil {
		log.Fatal(err)
	}
	work, err := os.MkdirTemp("", "sealbench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	msgs := loadMessages(*corpus, n)
	fmt.Printf("messages: %d, %.1f MiB, work dir %s\n", msgs.count, mib(msgs.total), work)
	total := msgs.total
	b := &bench{work: work, msgs: msgs, total: total}
	b.setup()
	ingest := timeIt(func() { b.ingest() })
	fmt.Printf("ingest (journal, not part of the comparison): %v\n", ingest)
	if !*skipManual {
		b.writeRaw() // the manual pipeline's input files
	}
	// nothing of the messages stays: the peaks below are archiver's
	b.msgs = nil
	runtime.GC()
	debug.FreeOSMemory()
	if *memLimit != "" {
		lim, err := parseSize(*memLimit)
		if err != nil {
			log.Fatal(err)
		}
		debug.SetMemoryLimit(lim)
	}
	resetPeakRSS()
	stopHeap := sampleHeap()
	phaseLog.start()
	p, err := media.ParseProfile(*profile)
	if err != nil {
		log.Fatal(err)
	}
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(pf)
	}
	var res *sealing.SealResult
	sealT := timeIt(func() { res = b.seal(p) })
	verifyT := timeIt(func() { b.verify(res, true) })
	phaseLog.end("verify --data")
	e2e := sealT + verifyT
	pprof.StopCPUProfile()
	var imgBytes int64
	for _, im := range res.Images {
		imgBytes += im.Bytes
	}
	fmt.Printf("seal: %v (%d images, %.1f MiB), verify --data: %v, end to end %v = %.1f MiB/s of messages\n",
		sealT, len(res.Images), mib(imgBytes), verifyT, e2e, mib(total)/e2e.Seconds())
	rss := phaseLog.hwm() // seal + verify only: the largest VmHWM of a phase (each phase resets it)
	mem := stopHeap()
	if *hashProfile != "" {
		pf, err := os.Create(*hashProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(pf)
	}
	hashT := timeIt(func() { b.verify(res, false) })
	pprof.StopCPUProfile()
	sumT := timeIt(func() { run("sha256sum", imagePaths(res)...) })
	fmt.Printf("hash-only verify: %v, sha256sum of the images: %v, ratio %.2fx\n", hashT, sumT, sumT.Seconds()/hashT.Seconds())
	ddT := timeIt(func() {
		run("dd", "if=/dev/zero", "of="+filepath.Join(work, "dd.out"), "bs=1M", "count="+strconv.FormatInt(total>>20+1, 10), "conv=fdatasync", "status=none")
	})
	os.Remove(filepath.Join(work, "dd.out"))
	fmt.Printf("dd conv=fdatasync of %.1f MiB: %v = %.1f MiB/s; seal+verify is %.0f%% of it\n",
		mib(total), ddT, mib(total)/ddT.Seconds(), 100*ddT.Seconds()/e2e.Seconds())
	if !*skipManual {
		manT := timeIt(func() { b.manual() })
		fmt.Printf("manual pipeline (gpg --encrypt per message, sha256sum, gpg --detach-sign, xorriso, bsdtar, sha256sum -c): %v; archiver seal+verify --data is %.1fx faster, seal alone (which already verifies deeply against the journal) %.1fx\n",
			manT, manT.Seconds()/e2e.Seconds(), manT.Seconds()/sealT.Seconds())
	}
	fmt.Printf("peak RSS during seal+verify: VmHWM %.1f MiB; sampled every 20 ms: RssAnon peak %.1f MiB, RssFile peak %.1f MiB (the journal's bbolt mmap), Go heap in use peak %.1f MiB\n",
		rss, mem.anon, mem.file, mem.heap)
	fmt.Print(phaseLog.report())
	if *verbose {
		fmt.Printf("file mappings at the RssFile peak (%s):\n%s", mem.fileAt.UTC().Format("15:04:05.000"), mem.maps)
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func timeIt(fn func()) time.Duration {
	t := time.Now()
	fn()
	return time.Since(t)
}

// resetPeakRSS resets VmHWM (Linux ≥ 4.0: "5" > /proc/self/clear_refs).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM from /proc/self/status in MiB.
func peakRSS() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

// messages is the bench's mail: corpus-like messages totalling about n
// bytes, made one at a time from the corpus files (a unique first header
// line and a corpus file), so that they are never all in memory (at 4 GiB
// they were 137 MiB of RssAnon still resident when sealing started).
type messages struct {
	base  [][]byte
	count int
	total int64
}

// loadMessages reads the corpus and counts the messages of about n bytes.
func loadMessages(dir string, n int64) *messages {
	var base [][]byte
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".md") {
			if b, err := os.ReadFile(p); err == nil && len(b) > 0 && len(b) < 32<<20 {
				base = append(base, b)
			}
		}
		return nil
	})
	if len(base) == 0 {
		for i := 0; i < 1000; i++ {
			base = append(base, bytes.Repeat([]byte(fmt.Sprintf("Subject: synthetic %d\r\n\r\nsome words of mail text %d\r\n", i, i)), 200))
		}
	}
	m := &messages{base: base}
	for m.total < n {
		m.total += int64(len(m.header(m.count)) + len(m.body(m.count)))
		m.count++
	}
	return m
}

func (m *messages) header(i int) string { return fmt.Sprintf("X-Bench-Copy: %d\r\n", i) }
func (m *messages) body(i int) []byte   { return m.base[i%len(m.base)] }

// reader returns message i.
func (m *messages) reader(i int) io.Reader {
	return io.MultiReader(strings.NewReader(m.header(i)), bytes.NewReader(m.body(i)))
}

func run(name string, args ...string) []byte {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		log.Fatalf("%s %v: %v", name, args, err)
	}
	return out
}

type bench struct {
	work    string
	msgs    *messages
	count   int
	total   int64
	j       *journal.Journal
	signer  []byte
	tenant  []byte
	tsecret []byte
}

func (b *bench) setup() {
	var err error
	if b.j, err = journal.Open(filepath.Join(b.work, "journal"), journal.Options{MinFreeBytes: -1}); err != nil {
		log.Fatal(err)
	}
	_, b.signer, _ = pgp.GenerateKey("Bench archive", "a@bench.example", pgp.KeyOptions{})
	b.tenant, b.tsecret, _ = pgp.GenerateKey("Bench tenant", "t@bench.example", pgp.KeyOptions{})
	if err := b.j.AddTenant(context.Background(), journal.Tenant{Name: "bench", Domains: []string{"bench.example"}, Recipients: [][]byte{b.tenant}}); err != nil {
		log.Fatal(err)
	}
}

// ingest journals the messages from 32 concurrent writers (group commit).
func (b *bench) ingest() {
	env := journal.Envelope{MailFrom: "x@bench.example", RcptTo: []string{"y@bench.example"}, Protocol: "ingest"}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := b.j.Ingest(context.Background(), env, b.msgs.reader(i)); err != nil {
					log.Fatal(err)
				}
			}
		}()
	}
	for i := range b.msgs.count {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (b *bench) seal(p media.Profile) *sealing.SealResult {
	s, _ := pgp.ReadSecret(b.signer, nil)
	res, err := sealing.Seal(context.Background(), b.j, sealing.SealOptions{Tenant: "bench", Until: time.Now().Add(time.Hour),
		Profile: p, OutDir: filepath.Join(b.work, "out"), Signer: s[0], Logger: slog.New(phaseLog)})
	if err != nil {
		log.Fatal(err)
	}
	phaseLog.end("record") // RecordSealed and the work directory's removal
	return res
}

func (b *bench) verify(res *sealing.SealResult, data bool) {
	pub, _ := pgp.ReadKeys(b.signer)
	o := sealing.VerifyOptions{Signer: pub}
	if data {
		o.Journal = b.j
	}
	rep, err := sealing.Verify(context.Background(), imagePaths(res), o)
	if err != nil || !rep.OK {
		log.Fatalf("verify: %v %v", err, rep.AllFindings())
	}
}

func imagePaths(res *sealing.SealResult) []string {
	var out []string
	for _, im := range res.Images {
		out = append(out, im.Path)
	}
	return out
}

// rssSplit returns RssAnon and RssFile from /proc/self/status in MiB.
func rssSplit() (anon, file float64) {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "RssAnon:":
			anon = kb / 1024
		case "RssFile:":
			file = kb / 1024
		}
	}
	return anon, file
}

var (
	heapProfile string
	phaseLog    = &phases{next: slog.DiscardHandler} // seal phases; -v: logged to stderr too
)

// writeHeapProfile writes the heap profile to -memprofile, if given.
func writeHeapProfile() {
	if heapProfile == "" {
		return
	}
	if f, err := os.Create(heapProfile); err == nil {
		pprof.WriteHeapProfile(f)
		f.Close()
	}
}

// peaks are the largest values seen by sampleHeap, in MiB.
type peaks struct {
	heap, anon, file float64
	maps             string    // file mappings by RSS at the RssFile peak
	fileAt           time.Time // when RssFile peaked
}

// fileMappings lists the file-backed mappings of /proc/self/smaps with
// more than 1 MiB resident: "RSS-MiB path" lines.
func fileMappings() string {
	b, _ := os.ReadFile("/proc/self/smaps")
	var out strings.Builder
	name := ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 6 && strings.Contains(f[0], "-"):
			name = f[5]
		case len(f) >= 2 && f[0] == "Rss:" && strings.HasPrefix(name, "/"):
			if kb, _ := strconv.ParseFloat(f[1], 64); kb > 1024 {
				fmt.Fprintf(&out, "  %.1f MiB %s\n", kb/1024, name)
			}
		}
	}
	return out.String()
}

// sampleHeap samples HeapInuse+StackInuse, RssAnon and RssFile every
// 20 ms until the returned function is called, which returns the peaks.
func sampleHeap() func() peaks {
	stop := make(chan struct{})
	peak := make(chan peaks)
	go func() {
		var p peaks
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if h := float64(ms.HeapInuse+ms.StackInuse) / (1 << 20); h > p.heap*1.05 {
				p.heap = h
				writeHeapProfile()
			}
			anon, file := rssSplit()
			phaseLog.sample(float64(ms.HeapInuse+ms.StackInuse)/(1<<20), anon, file)
			if file > p.file {
				p.maps = fileMappings()
				p.fileAt = time.Now()
			}
			p.anon, p.file = max(p.anon, anon), max(p.file, file)
			select {
			case <-stop:
				peak <- p
				return
			case <-t.C:
			}
		}
	}()
	return func() peaks { close(stop); return <-peak }
}
