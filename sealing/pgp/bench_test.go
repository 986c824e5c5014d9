package pgp

import (
	"bytes"
	stdzlib "compress/zlib"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/klauspost/compress/zlib"

	"github.com/archiver/archiver/internal/testtool"
)

// BenchmarkEncrypt: one 20 kB mail to two Curve25519 recipients, our
// pooled-ZLIB stream vs go-crypto's openpgp.Encrypt with the same settings.
//
//	go test -run XXX -bench Encrypt -benchmem ./sealing/pgp/
func BenchmarkEncrypt(b *testing.B) {
	p1, _ := genKey(b, "")
	p2, _ := genKey(b, "")
	to := append(p1, p2...)
	msg := bytes.Repeat([]byte("Subject: x\r\n\r\nsome mail text, mostly words and numbers 12345\r\n"), 400)
	b.Run("archiver", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w, _, err := Encrypt(io.Discard, to, EncryptOptions{Compress: true})
			if err != nil {
				b.Fatal(err)
			}
			w.Write(msg)
			w.Close()
		}
	})
	b.Run("go-crypto", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		cfg := &packet.Config{DefaultHash: crypto.SHA256, DefaultCipher: packet.CipherAES256, DefaultCompressionAlgo: packet.CompressionZLIB,
			CompressionConfig: &packet.CompressionConfig{Level: 1}}
		for i := 0; i < b.N; i++ {
			w, err := openpgp.Encrypt(io.Discard, to, nil, &openpgp.FileHints{IsBinary: true}, cfg)
			if err != nil {
				b.Fatal(err)
			}
			w.Write(msg)
			w.Close()
		}
	})
}

// BenchmarkDecrypt: decrypting that message with one recipient's key.
func BenchmarkDecrypt(b *testing.B) {
	p1, s1 := genKey(b, "")
	msg := bytes.Repeat([]byte("Subject: x\r\n\r\nsome mail text, mostly words and numbers 12345\r\n"), 400)
	var ct bytes.Buffer
	w, _, _ := Encrypt(&ct, p1, EncryptOptions{Compress: true})
	w.Write(msg)
	w.Close()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := Decrypt(bytes.NewReader(ct.Bytes()), s1)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(msg)) {
			b.Fatal(err)
		}
	}
}

// benchMessages returns corpus-like mail of about size bytes: the files of
// ../shared/corpus whole (as sealing/bench journals them), each copy with
// a unique first header line; synthetic text mail without the corpus.
func benchMessages(b *testing.B, size int) [][]byte {
	b.Helper()
	var base [][]byte
	dir := filepath.Join(testtool.RepoRoot(b), "..", "shared", "corpus")
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".md") {
			if m, err := os.ReadFile(p); err == nil && len(m) > 0 && len(m) < 32<<20 {
				base = append(base, m)
			}
		}
		return nil
	})
	if len(base) == 0 {
		b.Logf("no corpus at %s: synthetic mail", dir)
		for i := 0; i < 1000; i++ {
			base = append(base, bytes.Repeat([]byte(fmt.Sprintf("Subject: synthetic %d\r\n\r\nsome words of mail text %d\r\n", i, i)), 200))
		}
	}
	var out [][]byte
	for i, total := 0, 0; total < size; i++ {
		m := append([]byte(fmt.Sprintf("X-Bench-Copy: %d\r\n", i)), base[i%len(base)]...)
		out = append(out, m)
		total += len(m)
	}
	return out
}

func totalLen(msgs [][]byte) (n int) {
	for _, m := range msgs {
		n += len(m)
	}
	return n
}

// BenchmarkVolume compares, on the same corpus messages to a tenant key
// and a volume verification key (both Curve25519, as sealing does), the
// per-message path (Encrypt: two X25519 ladders per recipient and message;
// Decrypt: one per message) with the per-volume one (VolumeEncrypter:
// none per message; Decrypter: none per message once the KEK is cached).
// Each iteration runs both on the same message, alternating which goes
// first, so that another process's load falls on both alike; it reports
// µs per message of each and their ratio.
//
//	go test -run XXX -bench Volume -benchtime 5000x -count 3 ./sealing/pgp/
func BenchmarkVolume(b *testing.B) {
	msgs := benchMessages(b, 16<<20)
	tenant, tenantSec := genKey(b, "")
	verify, _ := genKey(b, "")
	to := append(append(openpgp.EntityList{}, tenant...), verify...)
	v, err := NewVolumeEncrypter(to, EncryptOptions{Compress: true})
	if err != nil {
		b.Fatal(err)
	}
	encrypt := func(enc func(io.Writer) (io.WriteCloser, Algorithms, error)) func(int) {
		return func(i int) {
			w, _, err := enc(io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			w.Write(msgs[i%len(msgs)])
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("encrypt", func(b *testing.B) {
		abCompare(b, "Encrypt", "VolumeEncrypter",
			encrypt(func(w io.Writer) (io.WriteCloser, Algorithms, error) {
				return Encrypt(w, to, EncryptOptions{Compress: true})
			}),
			encrypt(v.Encrypt))
	})
	const n = 2000
	vol := make([][]byte, 0, n) // one volume's messages (VolumeEncrypter)
	old := make([][]byte, 0, n) // per-message ephemeral keys (Encrypt, volumes sealed before)
	for _, m := range msgs[:min(len(msgs), n)] {
		var ct bytes.Buffer
		w, _, _ := v.Encrypt(&ct)
		w.Write(m)
		w.Close()
		vol = append(vol, ct.Bytes())
		var ct2 bytes.Buffer
		w, _, _ = Encrypt(&ct2, to, EncryptOptions{Compress: true})
		w.Write(m)
		w.Close()
		old = append(old, ct2.Bytes())
	}
	decrypt := func(cts [][]byte, dec func(io.Reader) (io.Reader, error)) func(int) {
		return func(i int) {
			r, err := dec(bytes.NewReader(cts[i%len(cts)]))
			if err != nil {
				b.Fatal(err)
			}
			k, err := io.Copy(io.Discard, r)
			if err != nil || int(k) != len(msgs[i%len(cts)]) {
				b.Fatal(err)
			}
		}
	}
	perMessage := func(r io.Reader) (io.Reader, error) { return Decrypt(r, tenantSec) }
	b.Run("decrypt", func(b *testing.B) {
		abCompare(b, "Decrypt", "Decrypter", decrypt(vol, perMessage), decrypt(vol, NewDecrypter(tenantSec).Decrypt))
	})
	b.Run("decrypt-old-volume", func(b *testing.B) {
		d := NewDecrypter(tenantSec)
		d.max = 1 // a verification reads each message once: no KEK is used twice
		abCompare(b, "Decrypt", "Decrypter", decrypt(old, perMessage), decrypt(old, d.Decrypt))
	})
}

// abCompare runs fa(i) and fb(i) for i < b.N, alternating which goes
// first, and reports each one's µs per call and b's time over a's.
func abCompare(b *testing.B, a, bn string, fa, fb func(int)) {
	var ta, tb time.Duration
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			t0 := time.Now()
			fa(i)
			t1 := time.Now()
			fb(i)
			ta, tb = ta+t1.Sub(t0), tb+time.Since(t1)
		} else {
			t0 := time.Now()
			fb(i)
			t1 := time.Now()
			fa(i)
			tb, ta = tb+t1.Sub(t0), ta+time.Since(t1)
		}
	}
	b.ReportMetric(float64(ta.Microseconds())/float64(b.N), a+"-µs/msg")
	b.ReportMetric(float64(tb.Microseconds())/float64(b.N), bn+"-µs/msg")
	b.ReportMetric(float64(tb)/float64(ta), bn+"/"+a)
}

// BenchmarkZlib compares, per corpus message and alternating as
// BenchmarkVolume does, the standard library's ZLIB with
// github.com/klauspost/compress (what sealing uses) at level 1: compress
// (µs per message, and the output size of each) and inflate.
//
//	go test -run XXX -bench Zlib -benchtime 20000x -count 3 ./sealing/pgp/
func BenchmarkZlib(b *testing.B) {
	msgs := benchMessages(b, 32<<20)
	std, _ := stdzlib.NewWriterLevel(io.Discard, 1)
	kp, _ := zlib.NewWriterLevel(io.Discard, 1)
	var stdOut, kpOut bytes.Buffer
	var stdLen, kpLen int
	b.Run("compress", func(b *testing.B) {
		stdLen, kpLen = 0, 0
		abCompare(b, "stdlib", "klauspost", func(i int) {
			stdOut.Reset()
			std.Reset(&stdOut)
			std.Write(msgs[i%len(msgs)])
			std.Close()
			stdLen += stdOut.Len()
		}, func(i int) {
			kpOut.Reset()
			kp.Reset(&kpOut)
			kp.Write(msgs[i%len(msgs)])
			kp.Close()
			kpLen += kpOut.Len()
		})
		b.ReportMetric(float64(kpLen)/float64(stdLen), "klauspost-size/stdlib")
	})
	comp := make([][]byte, min(len(msgs), 4000))
	for i := range comp {
		var c bytes.Buffer
		kp.Reset(&c)
		kp.Write(msgs[i])
		kp.Close()
		comp[i] = c.Bytes()
	}
	b.Run("inflate", func(b *testing.B) {
		sr, _ := stdzlib.NewReader(bytes.NewReader(comp[0]))
		kr, _ := zlib.NewReader(bytes.NewReader(comp[0]))
		inflate := func(zr io.ReadCloser, reset func(io.Reader, []byte) error) func(int) {
			return func(i int) {
				if err := reset(bytes.NewReader(comp[i%len(comp)]), nil); err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, zr); err != nil {
					b.Fatal(err)
				}
			}
		}
		abCompare(b, "stdlib", "klauspost", inflate(sr, sr.(stdzlib.Resetter).Reset), inflate(kr, kr.(zlib.Resetter).Reset))
	})
}

// BenchmarkFloor measures, single-threaded on 64 MiB of corpus-like mail,
// the primitives seal and verify cannot avoid, each alone: SHA-256, ZLIB
// level 1 compress, inflate, SEIPDv1/AES-256 encrypt and decrypt (CFB +
// the SHA-1 MDC) of the compressed messages, and the whole per-message
// work of a seal + verify --data without I/O, journal or ISO 9660
// ("seal+verify": hash, compress, encrypt to two Curve25519 keys with a
// VolumeEncrypter, hash the ciphertext; then twice, for the self-verify
// and verify --data: hash the ciphertext (image), decrypt with a cached
// Decrypter, inflate, hash). MB/s is of each primitive's own input; for
// "seal+verify" of mail. doc.go turns the figures into the two-core bound.
//
//	go test -run XXX -bench Floor -benchtime 3x ./sealing/pgp/
func BenchmarkFloor(b *testing.B) {
	msgs := benchMessages(b, 64<<20)
	raw := totalLen(msgs)
	// compressed messages (what SEIPD encrypts), and their ciphertexts
	comp := make([][]byte, len(msgs))
	for i, m := range msgs {
		var c bytes.Buffer
		zw := getZlib(DefaultCompressionLevel, &c)
		zw.Write(m)
		zw.Close()
		putZlib(DefaultCompressionLevel, zw)
		comp[i] = c.Bytes()
	}
	key := make([]byte, 32)
	rand.Read(key)
	seal := func(w io.Writer, p []byte) {
		ew, err := packet.SerializeSymmetricallyEncrypted(w, packet.CipherAES256, false, packet.CipherSuite{}, key, nil)
		if err != nil {
			b.Fatal(err)
		}
		ew.Write(p)
		if err := ew.Close(); err != nil {
			b.Fatal(err)
		}
	}
	cts := make([][]byte, len(comp))
	for i, c := range comp {
		var buf bytes.Buffer
		seal(&buf, c)
		cts[i] = buf.Bytes()
	}
	compLen := totalLen(comp)
	b.Logf("%d messages, %.1f MiB of mail, ZLIB level 1 to %.1f %%", len(msgs), float64(raw)/(1<<20), 100*float64(compLen)/float64(raw))

	b.Run("sha256", func(b *testing.B) {
		b.SetBytes(int64(raw))
		for i := 0; i < b.N; i++ {
			for _, m := range msgs {
				sha256.Sum256(m)
			}
		}
	})
	b.Run("zlib1-compress", func(b *testing.B) {
		b.SetBytes(int64(raw))
		for i := 0; i < b.N; i++ {
			for _, m := range msgs {
				zw := getZlib(DefaultCompressionLevel, io.Discard)
				zw.Write(m)
				zw.Close()
				putZlib(DefaultCompressionLevel, zw)
			}
		}
	})
	b.Run("inflate", func(b *testing.B) {
		b.SetBytes(int64(raw))                               // of output, like compress
		zr, _ := stdzlib.NewReader(bytes.NewReader(comp[0])) // what go-crypto's packet reader inflates with
		for i := 0; i < b.N; i++ {
			for _, c := range comp {
				if err := zr.(stdzlib.Resetter).Reset(bytes.NewReader(c), nil); err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, zr); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("seipd-aes256-encrypt", func(b *testing.B) {
		b.SetBytes(int64(compLen))
		for i := 0; i < b.N; i++ {
			for _, c := range comp {
				seal(io.Discard, c)
			}
		}
	})
	b.Run("seipd-aes256-decrypt", func(b *testing.B) {
		b.SetBytes(int64(compLen))
		for i := 0; i < b.N; i++ {
			for _, ct := range cts {
				p, err := packet.Read(bytes.NewReader(ct))
				if err != nil {
					b.Fatal(err)
				}
				r, err := p.(*packet.SymmetricallyEncrypted).Decrypt(packet.CipherAES256, key)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				if err := r.Close(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("seal+verify", func(b *testing.B) {
		tenant, tenantSec := genKey(b, "")
		verify, verifySec := genKey(b, "")
		to := append(append(openpgp.EntityList{}, tenant...), verify...)
		_ = tenantSec
		b.SetBytes(int64(raw))
		var ct bytes.Buffer
		for i := 0; i < b.N; i++ {
			v, err := NewVolumeEncrypter(to, EncryptOptions{Compress: true})
			if err != nil {
				b.Fatal(err)
			}
			d := NewDecrypter(verifySec)
			for _, m := range msgs {
				sha256.Sum256(m)
				ct.Reset()
				w, _, _ := v.Encrypt(&ct)
				w.Write(m)
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				for k := 0; k < 3; k++ { // SHA256SUMS, self-verify image hash, verify --data image hash
					sha256.Sum256(ct.Bytes())
				}
				for k := 0; k < 2; k++ { // self-verify, verify --data
					r, err := d.Decrypt(bytes.NewReader(ct.Bytes()))
					if err != nil {
						b.Fatal(err)
					}
					h := sha256.New()
					if _, err := io.Copy(h, r); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}
