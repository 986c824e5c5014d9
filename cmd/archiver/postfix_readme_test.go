package main

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/postfixtest"
	"github.com/archiver/archiver/internal/testtool"
)

// pfReadmeConf is one Postfix example of README.md: main.cf parameters and
// the lookup tables it names, by file name.
type pfReadmeConf struct {
	main  map[string]string
	files map[string]string
}

// readmePostfix returns the ```text blocks of README.md's "### Postfix"
// section that configure /etc/postfix/main.cf. A "# /etc/postfix/NAME"
// line starts file NAME; other "#" lines are comments; main.cf lines are
// "name = value  # comment".
func readmePostfix(t *testing.T) []pfReadmeConf {
	t.Helper()
	f, err := os.Open(filepath.Join(testtool.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []pfReadmeConf
	var cur *pfReadmeConf
	section, file := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"+"## ") || strings.HasPrefix(line, "## "):
			section = line == "### Postfix"
		case section && cur == nil && line == "```text":
			cur = &pfReadmeConf{main: map[string]string{}, files: map[string]string{}}
			file = ""
		case cur != nil && line == "```":
			if len(cur.main) > 0 {
				out = append(out, *cur)
			}
			cur = nil
		case cur != nil && strings.HasPrefix(line, "# /etc/postfix/"):
			file = strings.Fields(strings.TrimPrefix(line, "# /etc/postfix/"))[0]
		case cur == nil || strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		case file == "main.cf":
			name, value, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("README main.cf line %q is not name = value", line)
			}
			value, _, _ = strings.Cut(value, " #")
			cur.main[strings.TrimSpace(name)] = strings.TrimSpace(value)
		case file != "":
			cur.files[file] += line + "\n"
		}
	}
	return out
}

// TestPostfixREADMEExamples runs README's Postfix examples literally, with
// /etc/postfix/ standing for the instance's config directory and port 2525
// for serve's free port: the bcc maps (or always_bcc) add the archive copy,
// transport_maps routes it to serve, and it is stored byte-exact for the
// tenant of its domain (pfRig.finish). The user's own recipient goes to the
// instance's discard default transport.
func TestPostfixREADMEExamples(t *testing.T) {
	confs := readmePostfix(t)
	var kinds []string
	for _, c := range confs {
		for _, k := range []string{"always_bcc", "recipient_bcc_maps", "sender_bcc_maps"} {
			if c.main[k] != "" {
				kinds = append(kinds, k)
			}
		}
		if c.main["transport_maps"] == "" {
			t.Errorf("a README Postfix example has no transport_maps: %v", c.main)
		}
	}
	for _, k := range []string{"always_bcc", "recipient_bcc_maps", "sender_bcc_maps"} {
		if !slices.Contains(kinds, k) {
			t.Fatalf("README's Postfix section has no example with %s (found %v)", k, kinds)
		}
	}
	for i, c := range confs {
		t.Run(strconv.Itoa(i+1), func(t *testing.T) {
			limit, err := strconv.ParseInt(c.main["message_size_limit"], 10, 64)
			if err != nil || limit > 64<<20 {
				t.Fatalf("README message_size_limit %q: want a number <= serve's --max-size 64MiB", c.main["message_size_limit"])
			}
			r := newPFRigConf(t, "smtp", map[string]string{"acme": "acme.example", "globex": "globex.example"}, func(addr string) postfixtest.Options {
				_, port, _ := net.SplitHostPort(addr)
				o := postfixtest.Options{Main: map[string]string{}, Files: map[string]string{}}
				for k, v := range c.main {
					o.Main[k] = strings.ReplaceAll(v, "/etc/postfix/", "$config_directory/")
					for _, m := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
						if name, ok := strings.CutPrefix(m, "hash:/etc/postfix/"); ok {
							o.Postmap = append(o.Postmap, name)
						}
					}
				}
				for name, body := range c.files {
					o.Files[name] = strings.ReplaceAll(body, ":2525", ":"+port)
				}
				return o
			})
			r.startServe("--max-size", "64MiB")
			msg := pfMessage("readme@pf.test", "alice@acme.example", "bob@globex.example", nil, "journal me")
			r.send("readme@pf.test", "alice@acme.example", []string{"bob@globex.example"}, msg)
			r.waitDelivered("readme@pf.test")
			got := r.finish()
			want := map[string]string{} // tenant → archive address
			if c.main["always_bcc"] != "" {
				want["acme"] = c.main["always_bcc"]
			} else {
				want["acme"], want["globex"] = "archive-journal@acme.example", "archive-journal@globex.example"
			}
			recs := got["readme@pf.test"]
			if len(recs) != len(want) {
				t.Fatalf("%d journal records for the message, want one per tenant of %v", len(recs), want)
			}
			for _, s := range recs {
				if rc := s.Receipts[0].Envelope.RcptTo; want[s.Tenant] == "" || !slices.Contains(rc, want[s.Tenant]) {
					t.Errorf("tenant %s stored the copy for %q, want it for %q", s.Tenant, rc, want[s.Tenant])
				}
			}
		})
	}
}
