package postfixtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
)

// Options configure one instance.
type Options struct {
	// Main holds main.cf parameters added to, or replacing, Defaults.
	// Values may name the instance's directory as $config_directory.
	Main map[string]string
	// Files are written into the config directory before Postfix starts:
	// lookup tables, by file name.
	Files map[string]string
	// Postmap names files of Files to compile with postmap(1) (hash:
	// tables; texthash: tables need none).
	Postmap []string
}

// Instance is one running private Postfix.
type Instance struct {
	Dir      string // config_directory: main.cf, master.cf, lookup tables
	QueueDir string // queue_directory, beside Dir (postfix-script wants Dir all root's)
	LogPath  string // maillog_file
	SMTPAddr string // the instance's own smtpd listener, "127.0.0.1:PORT"

	bin string // command_directory: postfix, postqueue, postmap, postconf
}

// Defaults are the main.cf parameters of an instance living in root: a
// loopback-only relay with no local delivery, a file log, retries within
// seconds, and mail to any domain not in transport_maps discarded (so
// bounces and notices never leave the instance).
func Defaults(root string) map[string]string {
	return map[string]string{
		"compatibility_level":      "3.6",
		"queue_directory":          filepath.Join(root, "queue"),
		"data_directory":           filepath.Join(root, "data"),
		"mail_owner":               "postfix",
		"setgid_group":             "postdrop",
		"myhostname":               "mta.test.example",
		"mydomain":                 "test.example",
		"myorigin":                 "$myhostname",
		"inet_interfaces":          "127.0.0.1",
		"inet_protocols":           "ipv4",
		"mydestination":            "",
		"relayhost":                "",
		"relay_domains":            "",
		"alias_maps":               "",
		"alias_database":           "",
		"default_transport":        "discard:not an archive test address",
		"maillog_file":             filepath.Join(root, "maillog"),
		"maillog_file_prefixes":    root,
		"queue_run_delay":          "1s",
		"minimal_backoff_time":     "1s",
		"maximal_backoff_time":     "2s",
		"smtp_tls_security_level":  "none",
		"lmtp_tls_security_level":  "none",
		"smtpd_tls_security_level": "none",
		"smtputf8_enable":          "yes",
		"biff":                     "no",
	}
}

// masterCF runs every service in the foreground of master, unchrooted
// (chroot needs a copy of /etc in the queue), plus postlogd for
// maillog_file and an smtpd on the given loopback port.
const masterCF = `%s inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`

// Start configures and starts an instance in a new temporary directory and
// registers its stop with t.Cleanup. It needs postfix(1) (testtool.Require:
// a failure under CI=true) and root.
func Start(t testing.TB, o Options) *Instance {
	t.Helper()
	pf := testtool.Require(t, "postfix")
	if os.Geteuid() != 0 {
		testtool.Unavailable(t, "a private Postfix instance needs root (it drops to mail_owner)")
	}
	root := t.TempDir()
	// Postfix daemons run as mail_owner and chdir into the queue: every
	// directory above it must be traversable (t.TempDir makes them 0700).
	for d := root; d != os.TempDir() && d != "/" && d != "."; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(root, "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	main := Defaults(root)
	for k, v := range o.Main {
		main[k] = v
	}
	p := &Instance{Dir: dir, QueueDir: main["queue_directory"], LogPath: main["maillog_file"], SMTPAddr: freeAddr(t), bin: filepath.Dir(pf)}
	keys := make([]string, 0, len(main))
	for k := range main {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var cf strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&cf, "%s = %s\n", k, main[k])
	}
	write(t, filepath.Join(dir, "main.cf"), cf.String())
	write(t, filepath.Join(dir, "master.cf"), fmt.Sprintf(masterCF, p.SMTPAddr))
	for name, body := range o.Files {
		write(t, filepath.Join(dir, name), body)
	}
	for _, name := range o.Postmap {
		p.run(t, "postmap", "-c", dir, "hash:"+filepath.Join(dir, name))
	}
	p.createDirs(t, p.QueueDir, main["data_directory"])
	t.Cleanup(func() { p.stop(t) })
	p.run(t, "postfix", "-c", dir, "start")
	return p
}

// createDirs creates the queue and data directories as Postfix's own
// postfix-files lists them (owner, group, mode), then marks the queue
// "quick-start" so that postfix start skips its integrity check: that
// check (postfix check) forks hundreds of times and takes 7 s or more on
// a loaded machine, against 0.2 s for the start itself.
func (p *Instance) createDirs(t testing.TB, queue, data string) {
	t.Helper()
	if !filepath.IsAbs(queue) || !filepath.IsAbs(data) {
		t.Fatalf("postfixtest: queue_directory %q and data_directory %q must be absolute paths", queue, data)
	}
	meta := strings.TrimSpace(p.run(t, "postconf", "-c", p.Dir, "-h", "meta_directory"))
	spec, err := os.ReadFile(filepath.Join(meta, "postfix-files"))
	if err != nil {
		t.Fatalf("postfix-files: %v", err)
	}
	ids := func(name string) int {
		switch name {
		case "-", "root":
			return 0
		case "$mail_owner":
			u, err := user.Lookup("postfix")
			if err != nil {
				testtool.Unavailable(t, "no postfix user: %v", err)
			}
			n, _ := strconv.Atoi(u.Uid)
			return n
		case "$setgid_group":
			g, err := user.LookupGroup("postdrop")
			if err != nil {
				testtool.Unavailable(t, "no postdrop group: %v", err)
			}
			n, _ := strconv.Atoi(g.Gid)
			return n
		}
		t.Fatalf("postfix-files: unknown owner %q", name)
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(spec), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 5 || f[1] != "d" {
			continue
		}
		var path string
		switch {
		case f[0] == "$queue_directory" || strings.HasPrefix(f[0], "$queue_directory/"):
			path = queue + strings.TrimPrefix(f[0], "$queue_directory")
		case f[0] == "$data_directory":
			path = data
		default:
			continue
		}
		mode, err := strconv.ParseUint(f[4], 8, 32)
		if err != nil {
			t.Fatalf("postfix-files: %q: %v", line, err)
		}
		if err := os.MkdirAll(path, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path, ids(f[2]), ids(f[3])); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, os.FileMode(mode)); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("postfix-files in %s lists %d queue directories; expected the 15 of Postfix 3", meta, n)
	}
	write(t, filepath.Join(queue, "quick-start"), "")
}

// Sendmail injects msg with the instance's sendmail(1): "-i" (a lone dot
// is content), envelope sender from, recipients to, and extra flags such
// as "-B", "8BITMIME". msg uses LF or CRLF line ends; Postfix relays CRLF.
func (p *Instance) Sendmail(t testing.TB, from string, to []string, msg []byte, flags ...string) {
	t.Helper()
	args := append([]string{"-C", p.Dir, "-i", "-f", from}, flags...)
	args = append(append(args, "--"), to...)
	cmd := exec.Command(p.sendmailPath(t), args...)
	cmd.Stdin = bytes.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sendmail %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Flush asks Postfix to retry every deferred message now (postqueue -f).
func (p *Instance) Flush(t testing.TB) {
	t.Helper()
	p.run(t, "postqueue", "-c", p.Dir, "-f")
}

// Log reads and parses the instance's maillog_file.
func (p *Instance) Log(t testing.TB) *Log {
	t.Helper()
	b, err := os.ReadFile(p.LogPath)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return ParseLog(b)
}

func (p *Instance) sendmailPath(t testing.TB) string {
	t.Helper()
	return strings.TrimSpace(p.run(t, "postconf", "-c", p.Dir, "-h", "sendmail_path"))
}

// run runs a Postfix command from command_directory and returns its
// standard output; a non-zero exit fails t.
func (p *Instance) run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s\nmaillog:\n%s", name, strings.Join(args, " "), err, out.String(), errb.String(), p.tail())
	}
	return out.String()
}

func (p *Instance) tail() string {
	b, _ := os.ReadFile(p.LogPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// stop stops the instance (postfix stop), then waits for every process
// running with this config directory to exit, killing what is left after
// a deadline, so no process outlives the test.
func (p *Instance) stop(t testing.TB) {
	exec.Command(filepath.Join(p.bin, "postfix"), "-c", p.Dir, "stop").Run()
	deadline := time.Now().Add(15 * time.Second)
	for {
		left := p.processes()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Errorf("postfix: processes %v still ran 15s after postfix stop; killed", left)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processes lists the processes of this instance: those whose environment
// holds MAIL_CONFIG=Dir (master exports it to every daemon).
func (p *Instance) processes() []int {
	want := []byte("MAIL_CONFIG=" + p.Dir + "\x00")
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		if bytes.Contains(append([]byte{0}, env...), append([]byte{0}, want...)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func write(t testing.TB, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freeAddr returns a loopback address with a port nobody listened on a
// moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Queued is one message in Postfix's queue, as postqueue -j prints it.
type Queued struct {
	QueueName  string `json:"queue_name"` // incoming, active, deferred, hold, maildrop
	QueueID    string `json:"queue_id"`
	Size       int64  `json:"message_size"`
	Sender     string `json:"sender"`
	Recipients []struct {
		Address     string `json:"address"`
		DelayReason string `json:"delay_reason"` // why the last attempt failed; "" before any
	} `json:"recipients"`
}

// Queue lists the messages in the queue (postqueue -j), by queue ID.
func (p *Instance) Queue(t testing.TB) map[string]Queued {
	t.Helper()
	out := p.run(t, "postqueue", "-c", p.Dir, "-j")
	q := map[string]Queued{}
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var m Queued
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("postqueue -j: %v\n%s", err, out)
		}
		q[m.QueueID] = m
	}
	return q
}
