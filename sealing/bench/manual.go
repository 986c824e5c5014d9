package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
)

// manual does the same work as seal + verify with standard tools: gpg
// --encrypt per message, sha256sum, gpg --detach-sign, xorriso -as mkisofs
// -J, then bsdtar extraction and sha256sum -c. One image holds everything
// (the pipeline has no packing step, which only favours it).
func (b *bench) manual() {
	home, _ := os.MkdirTemp("", "bgh")
	defer os.RemoveAll(home)
	defer exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
	gpg := func(stdin []byte, args ...string) {
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--yes", "--trust-model", "always", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		if stdin != nil {
			cmd.Stdin = bytesReader(stdin)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			log.Fatalf("gpg %v: %v %s", args, err, out)
		}
	}
	gpg(b.signer, "--import")
	gpg(b.tenant, "--import")
	raw := filepath.Join(b.work, "manual-raw")
	tree := filepath.Join(b.work, "manual-tree")
	os.MkdirAll(filepath.Join(tree, "MSG"), 0o755)
	for i := 0; i < b.count; i++ {
		gpg(nil, "--recipient", "t@bench.example", "--compress-algo", "zlib", "--output", filepath.Join(tree, "MSG", fmt.Sprintf("%010d.PGP", i)),
			"--encrypt", filepath.Join(raw, fmt.Sprint(i)))
	}
	sh := func(dir, script string) {
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			log.Fatalf("%s: %v %s", script, err, out)
		}
	}
	sh(tree, "find . -type f | sort | xargs sha256sum > ../SUMS && mv ../SUMS SHA256SUMS")
	gpg(nil, "--local-user", "a@bench.example", "--armor", "--detach-sign", "--output", filepath.Join(tree, "SHA256SUMS.ASC"), filepath.Join(tree, "SHA256SUMS"))
	iso := filepath.Join(b.work, "manual.iso")
	sh(b.work, "xorriso -as mkisofs -J -quiet -o "+iso+" "+tree)
	ext := filepath.Join(b.work, "manual-ext")
	os.MkdirAll(ext, 0o755)
	sh(ext, "bsdtar -xf "+iso+" && sha256sum -c --quiet SHA256SUMS")
	os.RemoveAll(raw)
	os.RemoveAll(tree)
	os.RemoveAll(ext)
	os.Remove(iso)
}

// writeRaw writes each message to work/manual-raw/N for the manual pipeline.
func (b *bench) writeRaw() {
	raw := filepath.Join(b.work, "manual-raw")
	os.MkdirAll(raw, 0o755)
	for i := range b.msgs.count {
		m, _ := io.ReadAll(b.msgs.reader(i))
		if err := os.WriteFile(filepath.Join(raw, fmt.Sprint(i)), m, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	b.count = b.msgs.count
}
