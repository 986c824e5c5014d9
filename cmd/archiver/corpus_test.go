package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
)

// deliverPy delivers files over SMTP with Python's smtplib (a non-Go
// client), 4 connections, and prints "SHA256 TENANT PATH" for each message
// answered 250, where SHA256 is computed independently of archiver: the
// bytes smtplib transmits, dot-unstuffed as RFC 5321 §4.5.2 says a server
// must, without the terminating ".CRLF".
const deliverPy = `
import hashlib, smtplib, sys, threading
addr, listfile = sys.argv[1], sys.argv[2]
host, port = addr.rsplit(":", 1)
jobs = [l.rstrip("\n").split(" ", 1) for l in open(listfile)]
lock = threading.Lock()
out, failed = [], []
def stored(data):
    q = smtplib._quote_periods(data)
    if q[-2:] != b"\r\n":
        q += b"\r\n"
    return b"\r\n".join(p[1:] if p.startswith(b".") else p for p in q.split(b"\r\n"))
def worker(k):
    s = smtplib.SMTP(host, int(port), timeout=30)
    for i in range(k, len(jobs), 4):
        tenant, path = jobs[i]
        data = open(path, "rb").read()
        try:
            s.sendmail("archive@%s.example" % tenant, ["journal@%s.example" % tenant], data)
            with lock: out.append("%s %s %s" % (hashlib.sha256(stored(data)).hexdigest(), tenant, path))
        except Exception as e:
            with lock: failed.append("%s: %r" % (path, e))
            s = smtplib.SMTP(host, int(port), timeout=30)
    s.quit()
ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print("\n".join(out))
if failed:
    sys.stderr.write("\n".join(failed) + "\n"); sys.exit(1)
`

// TestCorpusEndToEnd is issue 6's end-to-end test on ../shared/corpus: the
// non-mbox files go over SMTP from Python's smtplib to a running `archiver
// serve`, the mbox files through `archiver ingest`; `archiver run` burns two
// copies to stdio: pseudo-drives; then gpg and sha256sum check every volume
// independently, and export from the discs returns every message byte-exact.
func TestCorpusEndToEnd(t *testing.T) {
	testtool.Long(t)
	corpus := testtool.Corpus(t)
	for _, tool := range []string{"python3", "xorriso", "gpg", "bsdtar", "sha256sum"} {
		testtool.Require(t, tool)
	}
	var (
		work, data, period string
		serve              *exec.Cmd
		want               map[string]map[string]string
	)
	for { // mail received across a month boundary would span two periods: start again
		period = time.Now().UTC().Format("2006-01")
		work = t.TempDir()
		data = filepath.Join(work, "data")
		archiver(t, 0, "init", "--data", data)
		archiver(t, 0, "tenant", "add", "--data", data, "enron", "--domain", "enron.example")
		archiver(t, 0, "tenant", "add", "--data", data, "misc", "--domain", "misc.example")
		var addr string
		// run is forwarded into serve, so serve reads
		// ARCHIVER_TEST_CORRUPT_COPY: a -tags faultinject build
		serve, addr, _ = startServeBin(t, faultArchiverBin(t), data)
		list := corpusList(t, corpus, filepath.Join(work, "files.txt"))
		want = deliverPython(t, work, addr, list)
		archiver(t, 0, "ingest", "--data", data, "--tenant", "misc", filepath.Join(corpus, "mbox"))
		if time.Now().UTC().Format("2006-01") == period {
			break
		}
		serve.Process.Signal(syscall.SIGTERM)
		serve.Wait()
	}
	discs := filepath.Join(work, "discs")
	runArgs := []string{"run", "--data", data, "--period", period, "--out", discs, "--media", "4000", "--copies", "2",
		"--device", "stdio:" + filepath.Join(discs, "drive-a") + "/", "--device", "stdio:" + filepath.Join(discs, "drive-b") + "/"}

	// First the run with copy 2 corrupted after burning: exit 3, the report
	// names the bad copy, and nothing is released.
	runBin(t, faultArchiverBin(t), append(os.Environ(), "ARCHIVER_TEST_CORRUPT_COPY=2"), 3, runArgs...)
	bad := readRunReport(t, discs, period)
	if bad.OK {
		t.Fatal("run with a corrupted copy reported OK")
	}
	for _, tr := range bad.Tenants {
		if tr.Released != 0 || len(tr.Refusals) == 0 || !strings.Contains(tr.Refusals[0].Copy, "copy 2 on stdio:"+filepath.Join(discs, "drive-b")+"/") {
			t.Fatalf("%s: released %d, refusals %+v; want nothing released and the bad copy named", tr.Tenant, tr.Released, tr.Refusals)
		}
	}
	if st := archiver(t, 0, "status", "--data", data, "--json"); strings.Contains(st, `"released":1`) || !strings.Contains(st, `"released":0`) {
		t.Fatalf("status after the refused run shows releases:\n%s", st)
	}

	// The same run again, with the bad discs discarded: it resumes, burns
	// the copies 2 again, and releases.
	badDiscs, _ := filepath.Glob(filepath.Join(discs, "drive-b", "*-copy2.iso"))
	for _, f := range badDiscs {
		os.Remove(f)
	}
	archiver(t, 0, runArgs...)
	r := readRunReport(t, discs, period)
	if !r.OK {
		t.Fatalf("run refused: %+v", r)
	}
	serve.Process.Signal(syscall.SIGTERM)
	serve.Wait()

	images, _ := filepath.Glob(filepath.Join(discs, "*.iso"))
	if len(images) < 3 {
		t.Fatalf("want several volumes, got %v", images)
	}
	produced := map[string]map[string]bool{}
	for _, tenant := range []string{"enron", "misc"} {
		produced[tenant] = exportAll(t, data, work, tenant, images)
	}
	for tenant, sums := range want {
		for sum, path := range sums {
			if !produced[tenant][sum] {
				t.Errorf("%s: %s (sha256 %s) not exported byte-exact", tenant, path, sum)
			}
		}
	}
	if len(produced["enron"]) != len(want["enron"]) {
		t.Errorf("enron: exported %d distinct messages, delivered %d", len(produced["enron"]), len(want["enron"]))
	}
	for _, img := range images {
		checkDiscWithGPG(t, data, work, img, produced)
	}
}

// corpusList writes "TENANT PATH" for every non-mbox file of the corpus.
func corpusList(t *testing.T, corpus, listFile string) string {
	t.Helper()
	var b strings.Builder
	n := 0
	for _, sub := range []string{"enron", "edge", "maildir"} {
		tenant := "misc"
		if sub == "enron" {
			tenant = "enron"
		}
		err := filepath.WalkDir(filepath.Join(corpus, sub), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			fmt.Fprintf(&b, "%s %s\n", tenant, p)
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 1000 {
		t.Fatalf("corpus has only %d files", n)
	}
	if err := os.WriteFile(listFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return listFile
}

// deliverPython runs deliverPy and returns tenant -> sha256 -> path.
func deliverPython(t *testing.T, work, addr, list string) map[string]map[string]string {
	t.Helper()
	py := filepath.Join(work, "deliver.py")
	os.WriteFile(py, []byte(deliverPy), 0o644)
	cmd := exec.Command("python3", py, addr, list)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python smtplib delivery: %v", err)
	}
	want := map[string]map[string]string{"enron": {}, "misc": {}}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) == 3 {
			want[f[1]][f[0]] = f[2]
		}
	}
	t.Logf("delivered over SMTP: %d enron, %d misc distinct messages", len(want["enron"]), len(want["misc"]))
	return want
}

// exportAll exports every message of tenant from the discs and returns the
// SHA-256 set of the produced files, checking production.csv agrees.
func exportAll(t *testing.T, data, work, tenant string, images []string) map[string]bool {
	t.Helper()
	out := filepath.Join(work, "production-"+tenant)
	args := []string{"export", "--data", data, "--tenant", tenant, "--out", out, "--key", filepath.Join(data, "keys", tenant+".secret.asc")}
	for _, img := range images {
		args = append(args, "--media", img)
	}
	archiver(t, 0, args...)
	csvb, err := os.ReadFile(filepath.Join(out, "production.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csvb)), "\n")
	got := map[string]bool{}
	for i := 1; i < len(lines); i++ {
		b, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("%06d.eml", i)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		if !strings.HasPrefix(lines[i], strconv.Itoa(i)+","+h+",") {
			t.Errorf("%s production.csv row %d does not name sha256 %s: %s", tenant, i, h, lines[i])
		}
		got[h] = true
	}
	return got
}

// checkDiscWithGPG checks one image with bsdtar, sha256sum and gpg alone:
// the manifest, the archive key's signature, and a sample of messages
// decrypted with the tenant key to bytes that were exported.
func checkDiscWithGPG(t *testing.T, data, work, img string, produced map[string]map[string]bool) {
	t.Helper()
	dir := filepath.Join(work, "disc-"+filepath.Base(img))
	os.MkdirAll(dir, 0o755)
	gnupg := filepath.Join(work, "gnupg-"+filepath.Base(img))
	os.MkdirAll(gnupg, 0o700)
	tenant := strings.SplitN(filepath.Base(img), "-", 2)[0]
	run := func(name string, args ...string) []byte {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GNUPGHOME="+gnupg)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v in %s: %v", name, args, dir, err)
		}
		return out
	}
	run("bsdtar", "-xf", img, "-C", dir)
	run("sha256sum", "--quiet", "-c", "SHA256SUMS")
	run("gpg", "--batch", "--import", filepath.Join(data, "keys", "archive.pub.asc"))
	run("gpg", "--batch", "--verify", "SHA256SUMS.ASC", "SHA256SUMS")
	run("gpg", "--batch", "--import", filepath.Join(data, "keys", tenant+".secret.asc"))
	msgs, _ := filepath.Glob(filepath.Join(dir, "MSG", "*", "*.PGP"))
	if len(msgs) == 0 {
		t.Fatalf("%s: no message files", img)
	}
	for i := 0; i < len(msgs); i += max(1, len(msgs)/7) {
		plain := run("gpg", "--batch", "--quiet", "--decrypt", msgs[i])
		sum := sha256.Sum256(plain)
		if !produced[tenant][hex.EncodeToString(sum[:])] {
			t.Errorf("%s: gpg decrypts %s to bytes (sha256 %x) that are not an archived message", img, msgs[i], sum)
		}
	}
}
