package pgp

import (
	"bytes"
	"crypto"
	"io"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
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
