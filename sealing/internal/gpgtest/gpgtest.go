// Package gpgtest drives GnuPG 2.2 in a temporary GNUPGHOME for interop
// tests (batch mode, loopback pinentry, no passphrase).
package gpgtest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/archiver/archiver/internal/testtool"
)

// GPG is one isolated gpg home.
type GPG struct {
	t    testing.TB
	bin  string
	Home string
}

// New requires gpg and creates an empty home under t.TempDir (short path:
// gpg-agent sockets must fit in 108 bytes).
func New(t testing.TB) *GPG {
	t.Helper()
	bin := testtool.Require(t, "gpg")
	home, err := os.MkdirTemp("", "gpgh")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(home, 0o700)
	g := &GPG{t: t, bin: bin, Home: home}
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		os.RemoveAll(home)
	})
	return g
}

// Run runs gpg with args and stdin; it returns stdout, stderr and the error.
func (g *GPG) Run(stdin []byte, args ...string) (stdout, stderr []byte, err error) {
	all := append([]string{"--homedir", g.Home, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", "--trust-model", "always"}, args...)
	cmd := exec.Command(g.bin, all...)
	cmd.Dir = g.Home
	cmd.Stdin = bytes.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// Must runs gpg and fails the test on a non-zero exit.
func (g *GPG) Must(stdin []byte, args ...string) []byte {
	g.t.Helper()
	o, e, err := g.Run(stdin, args...)
	if err != nil {
		g.t.Fatalf("gpg %s: %v\n%s", strings.Join(args, " "), err, e)
	}
	return o
}

// QuickGenKey makes a key with `gpg --quick-gen-key UID ALGO default never`
// (ALGO e.g. "rsa3072", which also gets an RSA encryption subkey, or
// "future-default" for ed25519/cv25519) and returns
// the armored public and secret keys.
func (g *GPG) QuickGenKey(uid, algo string) (pub, sec []byte) {
	g.t.Helper()
	if strings.HasPrefix(algo, "rsa") {
		g.Must(nil, "--quick-gen-key", uid, algo, "sign,cert", "never")
		fpr := g.fingerprint(uid)
		g.Must(nil, "--quick-add-key", fpr, algo, "encr", "never")
	} else {
		g.Must(nil, "--quick-gen-key", uid, algo, "default", "never")
	}
	pub = g.Must(nil, "--armor", "--export", uid)
	sec = g.Must(nil, "--armor", "--export-secret-keys", uid)
	return pub, sec
}

func (g *GPG) fingerprint(uid string) string {
	out := g.Must(nil, "--with-colons", "--list-keys", uid)
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			return f[9]
		}
	}
	g.t.Fatalf("no fingerprint for %s", uid)
	return ""
}
