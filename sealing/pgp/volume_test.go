package pgp

import (
	"bytes"
	"crypto/aes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// volumeMessages encrypts n distinct messages with one VolumeEncrypter.
func volumeMessages(t testing.TB, v *VolumeEncrypter, n int) (plain, ct [][]byte) {
	t.Helper()
	for i := 0; i < n; i++ {
		msg := bytes.Repeat([]byte(fmt.Sprintf("Message-ID: <%d@x>\r\nSubject: volume\r\n\r\nline %d\r\n", i, i)), 50*(i+1))
		var buf bytes.Buffer
		w, algs, err := v.Encrypt(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if algs != v.Algorithms() {
			t.Fatalf("algorithms %+v vs %+v", algs, v.Algorithms())
		}
		if _, err := w.Write(msg); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		plain, ct = append(plain, msg), append(ct, buf.Bytes())
	}
	return plain, ct
}

func readAllOrErr(r io.Reader, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// pkesks returns the PKESK packets of msg with their session keys
// decrypted by go-crypto with sec (nil Key where sec does not match).
func pkesks(t *testing.T, msg []byte, sec openpgp.EntityList) []*packet.EncryptedKey {
	t.Helper()
	var out []*packet.EncryptedKey
	pr := packet.NewReader(bytes.NewReader(msg))
	for {
		p, err := pr.Next()
		if err != nil {
			t.Fatal(err)
		}
		ek, ok := p.(*packet.EncryptedKey)
		if !ok {
			return out
		}
		for _, k := range sec.KeysById(ek.KeyId) {
			if k.PrivateKey != nil && ek.Decrypt(k.PrivateKey, nil) == nil {
				break
			}
		}
		out = append(out, ek)
	}
}

// TestVolumeEncrypter: go-crypto's openpgp.ReadMessage and the Decrypter
// read every message of a volume with each recipient's key (two Curve25519
// and one RSA); the Curve25519 PKESKs of the volume share their ephemeral
// point, yet every message has its own session key; the Decrypter derives
// one KEK per Curve25519 key for the whole volume.
func TestVolumeEncrypter(t *testing.T) {
	pub1, sec1 := genKey(t, "")
	pub2, sec2 := genKey(t, "")
	pubR, secR := genKey(t, AlgoRSA3072)
	to := append(append(append(openpgp.EntityList{}, pub1...), pub2...), pubR...)
	v, err := NewVolumeEncrypter(to, EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.Algorithms() != (Algorithms{Cipher: "AES256", Compression: "ZLIB"}) {
		t.Fatalf("algorithms %+v", v.Algorithms())
	}
	plain, ct := volumeMessages(t, v, 6)
	for i := range ct {
		for _, sec := range []openpgp.EntityList{sec1, sec2, secR} {
			md, err := openpgp.ReadMessage(bytes.NewReader(ct[i]), sec, nil, nil)
			if err != nil {
				t.Fatalf("go-crypto, message %d: %v", i, err)
			}
			got, err := io.ReadAll(md.UnverifiedBody)
			if err != nil || !bytes.Equal(got, plain[i]) {
				t.Fatalf("go-crypto, message %d: %v, %d bytes", i, err, len(got))
			}
		}
	}
	for _, sec := range []openpgp.EntityList{sec1, sec2, secR} {
		d := NewDecrypter(sec)
		for i := range ct {
			got, err := readAllOrErr(d.Decrypt(bytes.NewReader(ct[i])))
			if err != nil || !bytes.Equal(got, plain[i]) {
				t.Fatalf("Decrypter, message %d: %v", i, err)
			}
		}
		want := int64(1)
		if sec[0] == secR[0] {
			want = 0 // RSA: go-crypto's path
		}
		if n := d.ladders.Load(); n != want {
			t.Errorf("Decrypter for %s derived %d KEKs for %d messages, want %d", Fingerprint(sec[0]), n, len(ct), want)
		}
	}
	// wire: v3 PKESKs in recipient order, shared points, distinct session keys
	all := append(append(append(openpgp.EntityList{}, sec1...), sec2...), secR...)
	var first []*packet.EncryptedKey
	seen := map[string]int{}
	for i := range ct {
		ks := pkesks(t, ct[i], all)
		if len(ks) != 3 {
			t.Fatalf("message %d: %d PKESKs", i, len(ks))
		}
		for j, k := range ks {
			if k.Version != 3 || k.Key == nil || k.CipherFunc != packet.CipherAES256 {
				t.Fatalf("message %d PKESK %d: version %d, key %x, cipher %d", i, j, k.Version, k.Key, k.CipherFunc)
			}
			wantID := to[j].Subkeys[0].PublicKey.KeyId
			if k.KeyId != wantID {
				t.Fatalf("message %d PKESK %d: key ID %X, want %X", i, j, k.KeyId, wantID)
			}
			if j > 0 && !bytes.Equal(k.Key, ks[0].Key) {
				t.Fatalf("message %d: PKESKs carry different session keys", i)
			}
		}
		if prev, dup := seen[string(ks[0].Key)]; dup {
			t.Fatalf("messages %d and %d have the same session key", prev, i)
		}
		seen[string(ks[0].Key)] = i
		if first == nil {
			first = ks
		}
		// the ephemeral point (octets 13..45 of the PKESK body) is shared
		// by the volume's messages for the same ECDH recipient
		for j := 0; j < 2; j++ {
			if p0, p := ecdhPoint(t, ct[0], j), ecdhPoint(t, ct[i], j); !bytes.Equal(p0, p) {
				t.Fatalf("message %d recipient %d: ephemeral point differs within a volume", i, j)
			}
		}
	}
	if bytes.Equal(ecdhPoint(t, ct[0], 0), ecdhPoint(t, ct[0], 1)) {
		t.Fatal("two recipients share an ephemeral point")
	}
	// another volume has other ephemeral keys
	v2, _ := NewVolumeEncrypter(to, EncryptOptions{Compress: true})
	_, ct2 := volumeMessages(t, v2, 1)
	if bytes.Equal(ecdhPoint(t, ct[0], 0), ecdhPoint(t, ct2[0], 0)) {
		t.Fatal("two volumes share an ephemeral point")
	}
}

// ecdhPoint returns the 0x40-prefixed point MPI of the j-th PKESK of msg
// (which must be a Curve25519 ECDH one).
func ecdhPoint(t *testing.T, msg []byte, j int) []byte {
	t.Helper()
	rec := &recorder{r: bytes.NewReader(msg)}
	for i := 0; ; i++ {
		tag, n, ok := rec.header()
		if !ok || tag != 1 {
			t.Fatalf("PKESK %d not found", j)
		}
		body, _ := rec.read(n)
		if i == j {
			p, ok := parsePKESK(body)
			if !ok {
				t.Fatalf("PKESK %d is not Curve25519 ECDH", j)
			}
			return p.point[:]
		}
	}
}

// TestDecrypterReadsGoCryptoMessages: messages from the package's Encrypt
// (go-crypto's per-message ephemeral keys) decrypt with the Decrypter for
// Curve25519 (its own path, one derivation per message) and RSA keys
// (go-crypto's path), including uncompressed and AES-128 ones.
func TestDecrypterReadsGoCryptoMessages(t *testing.T) {
	pub1, sec1 := genKey(t, "")
	pubR, secR := genKey(t, AlgoRSA3072)
	msg := bytes.Repeat([]byte("Subject: go-crypto\r\n\r\nbody\r\n"), 300)
	for _, compress := range []bool{true, false} {
		var ct bytes.Buffer
		w, _, err := Encrypt(&ct, append(append(openpgp.EntityList{}, pub1...), pubR...), EncryptOptions{Compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(msg)
		w.Close()
		for _, sec := range []openpgp.EntityList{sec1, secR} {
			d := NewDecrypter(sec)
			got, err := readAllOrErr(d.Decrypt(bytes.NewReader(ct.Bytes())))
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("compress %v key %s: %v", compress, Fingerprint(sec[0]), err)
			}
		}
	}
	// openpgp.Encrypt itself (old-format and other packet choices)
	var ct bytes.Buffer
	w, err := openpgp.Encrypt(&ct, pub1, nil, nil, &packet.Config{DefaultCipher: packet.CipherAES128})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(msg)
	w.Close()
	d := NewDecrypter(sec1)
	got, err := readAllOrErr(d.Decrypt(bytes.NewReader(ct.Bytes())))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("openpgp.Encrypt message: %v", err)
	}
	if d.ladders.Load() != 1 {
		t.Fatalf("%d derivations, want 1 (the Decrypter's own path)", d.ladders.Load())
	}
}

// TestDecrypterTampering: a flipped bit anywhere in a volume message (the
// PKESK, the encrypted data, the MDC) fails, either at Decrypt or as the
// read error at EOF; the Decrypter's KEK cache does not mask it.
func TestDecrypterTampering(t *testing.T) {
	pub1, sec1 := genKey(t, "")
	v, err := NewVolumeEncrypter(pub1, EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, ct := volumeMessages(t, v, 2)
	d := NewDecrypter(sec1)
	if got, err := readAllOrErr(d.Decrypt(bytes.NewReader(ct[0]))); err != nil || !bytes.Equal(got, plain[0]) {
		t.Fatal(err) // warms the cache
	}
	m := ct[1]
	for _, at := range []int{5, 20, 60, 100, 120, len(m) / 2, len(m) - 30, len(m) - 10, len(m) - 1} {
		bad := bytes.Clone(m)
		bad[at] ^= 0x10
		got, err := readAllOrErr(d.Decrypt(bytes.NewReader(bad)))
		if err == nil {
			t.Errorf("bit flip at %d of %d: decrypted %d bytes without error (equal: %v)", at, len(m), len(got), bytes.Equal(got, plain[1]))
		}
	}
	// truncated
	if _, err := readAllOrErr(d.Decrypt(bytes.NewReader(m[:len(m)-5]))); err == nil {
		t.Error("truncated message decrypted without error")
	}
	// the intact message still decrypts after all that
	if got, err := readAllOrErr(d.Decrypt(bytes.NewReader(m))); err != nil || !bytes.Equal(got, plain[1]) {
		t.Fatal(err)
	}
}

// TestDecrypterWrongKey: a key that is not a recipient fails with
// ErrKeyIncorrect ("incorrect key", which verify's hint looks for), naming
// the message's recipient key IDs and the key that was given.
func TestDecrypterWrongKey(t *testing.T) {
	pub1, _ := genKey(t, "")
	_, sec2 := genKey(t, "")
	v, _ := NewVolumeEncrypter(pub1, EncryptOptions{Compress: true})
	_, ct := volumeMessages(t, v, 1)
	_, err := NewDecrypter(sec2).Decrypt(bytes.NewReader(ct[0]))
	if !errors.Is(err, pgperrors.ErrKeyIncorrect) {
		t.Fatalf("wrong key: %v", err)
	}
	for _, want := range []string{"incorrect key", fmt.Sprintf("%016X", pub1[0].Subkeys[0].PublicKey.KeyId), Fingerprint(sec2[0])} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	// a public key only (no secret) is no key either
	if _, err := NewDecrypter(pub1).Decrypt(bytes.NewReader(ct[0])); !errors.Is(err, pgperrors.ErrKeyIncorrect) {
		t.Fatalf("public key: %v", err)
	}
}

// TestDecrypterRefusesUnprotected: a Symmetrically Encrypted Data packet
// (tag 9, no MDC) after a valid PKESK is refused, as Decrypt refuses it.
func TestDecrypterRefusesUnprotected(t *testing.T) {
	pub1, sec1 := genKey(t, "")
	v, _ := NewVolumeEncrypter(pub1, EncryptOptions{})
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	var msg bytes.Buffer
	if err := v.writeKeys(&msg, packet.CipherAES256, key); err != nil {
		t.Fatal(err)
	}
	var lit bytes.Buffer
	lw, _ := packet.SerializeLiteral(nopCloser{&lit}, true, "", 0)
	lw.Write([]byte("unprotected plaintext"))
	lw.Close()
	block, _ := aes.NewCipher(key)
	ocfb, prefix := packet.NewOCFBEncrypter(block, make([]byte, 16), packet.OCFBResync)
	body := append(prefix, make([]byte, lit.Len())...)
	ocfb.XORKeyStream(body[len(prefix):], lit.Bytes())
	msg.Write([]byte{0xC0 | 9, byte(len(body))})
	msg.Write(body)
	for name, dec := range map[string]func() (io.Reader, error){
		"Decrypter": func() (io.Reader, error) { return NewDecrypter(sec1).Decrypt(bytes.NewReader(msg.Bytes())) },
		"Decrypt":   func() (io.Reader, error) { return Decrypt(bytes.NewReader(msg.Bytes()), sec1) },
	} {
		got, err := readAllOrErr(dec())
		if err == nil {
			t.Fatalf("%s: unprotected message decrypted: %q", name, got)
		}
		if !strings.Contains(err.Error(), "integrity") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// TestDecrypterCacheCap: the KEK cache never exceeds its cap, and evicted
// KEKs are derived again.
func TestDecrypterCacheCap(t *testing.T) {
	pub1, sec1 := genKey(t, "")
	d := NewDecrypter(sec1)
	d.max = 2
	for i := 0; i < 5; i++ {
		v, _ := NewVolumeEncrypter(pub1, EncryptOptions{Compress: true})
		plain, ct := volumeMessages(t, v, 2)
		for j := range ct {
			got, err := readAllOrErr(d.Decrypt(bytes.NewReader(ct[j])))
			if err != nil || !bytes.Equal(got, plain[j]) {
				t.Fatal(err)
			}
		}
		if len(d.cache) > 2 {
			t.Fatalf("cache holds %d KEKs, cap 2", len(d.cache))
		}
	}
	if n := d.ladders.Load(); n != 5 {
		t.Fatalf("%d derivations for 5 volumes", n)
	}
}

// TestVolumeConcurrent: one VolumeEncrypter and one Decrypter used by
// several goroutines at once (run with -race).
func TestVolumeConcurrent(t *testing.T) {
	pub1, sec1 := genKey(t, "")
	v, _ := NewVolumeEncrypter(pub1, EncryptOptions{Compress: true})
	d := NewDecrypter(sec1)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				msg := []byte(fmt.Sprintf("goroutine %d message %d", g, i))
				var ct bytes.Buffer
				w, _, err := v.Encrypt(&ct)
				if err != nil {
					errs <- err
					return
				}
				w.Write(msg)
				w.Close()
				got, err := readAllOrErr(d.Decrypt(bytes.NewReader(ct.Bytes())))
				if err != nil || !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("goroutine %d message %d: %v", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := d.ladders.Load(); n < 1 || n > 8 {
		t.Fatalf("%d derivations", n)
	}
}

// TestVolumeEncrypterPreferences: Choose's result holds for the volume
// (a recipient that allows only AES-128 and no compression), and the
// key block on the wire says AES-128.
func TestVolumeEncrypterPreferences(t *testing.T) {
	pub, sec, old := aes128OnlyKeys(t)
	v, err := NewVolumeEncrypter(append(old, pub...), EncryptOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.Algorithms() != (Algorithms{Cipher: "AES128", Compression: "none"}) {
		t.Fatalf("algorithms %+v", v.Algorithms())
	}
	plain, ct := volumeMessages(t, v, 2)
	for i := range ct {
		ks := pkesks(t, ct[i], sec)
		if ks[0].Key == nil || ks[0].CipherFunc != packet.CipherAES128 || len(ks[0].Key) != 16 {
			t.Fatalf("cipher %d key %x", ks[0].CipherFunc, ks[0].Key)
		}
		got, err := readAllOrErr(NewDecrypter(sec).Decrypt(bytes.NewReader(ct[i])))
		if err != nil || !bytes.Equal(got, plain[i]) {
			t.Fatal(err)
		}
	}
	if _, err := NewVolumeEncrypter(nil, EncryptOptions{}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no recipients: %v", err)
	}
}

// TestDecrypterPacketShapes: what the Decrypter reads itself (ZLIB or no
// compression, multi-chunk partial lengths, an empty message) and what it
// hands to go-crypto's packet reader (ZIP, a signed message) all give the
// plaintext, and the reader stays at EOF afterwards.
func TestDecrypterPacketShapes(t *testing.T) {
	pub, sec := genKey(t, "")
	_, signer := genKey(t, "")
	big := make([]byte, 1<<20+17) // incompressible: several 64 KiB chunks in both packets
	for i, x := 0, uint32(1); i < len(big); i++ {
		x = x*1664525 + 1013904223
		big[i] = byte(x >> 24)
	}
	text := bytes.Repeat([]byte("Subject: shapes\r\n\r\nsome text\r\n"), 20000)
	type shape struct {
		name string
		msg  []byte
		enc  func(w io.Writer) (io.WriteCloser, error)
	}
	vol := func(compress bool) func(io.Writer) (io.WriteCloser, error) {
		v, err := NewVolumeEncrypter(pub, EncryptOptions{Compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		return func(w io.Writer) (io.WriteCloser, error) { wc, _, err := v.Encrypt(w); return wc, err }
	}
	goCrypto := func(algo packet.CompressionAlgo, sign *openpgp.Entity) func(io.Writer) (io.WriteCloser, error) {
		return func(w io.Writer) (io.WriteCloser, error) {
			return openpgp.Encrypt(w, pub, sign, &openpgp.FileHints{IsBinary: true, FileName: "name.eml"},
				&packet.Config{DefaultCompressionAlgo: algo, CompressionConfig: &packet.CompressionConfig{Level: 6}})
		}
	}
	for _, s := range []shape{
		{"zlib-big", big, vol(true)},
		{"plain-big", big, vol(false)},
		{"zlib-text", text, vol(true)},
		{"empty", nil, vol(true)},
		{"empty-plain", nil, vol(false)},
		{"go-crypto-zlib-named", text, goCrypto(packet.CompressionZLIB, nil)},
		{"go-crypto-zip", text, goCrypto(packet.CompressionZIP, nil)},
		{"go-crypto-none", big, goCrypto(packet.CompressionNone, nil)},
		{"go-crypto-signed", text, goCrypto(packet.CompressionZLIB, signer[0])},
	} {
		var ct bytes.Buffer
		w, err := s.enc(&ct)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(s.msg)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		d := NewDecrypter(sec)
		for round := 0; round < 2; round++ { // the second one uses pooled readers
			r, err := d.Decrypt(bytes.NewReader(ct.Bytes()))
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, s.msg) {
				t.Fatalf("%s: %v, %d bytes, want %d", s.name, err, len(got), len(s.msg))
			}
			if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
				t.Fatalf("%s: read after EOF: %d, %v", s.name, n, err)
			}
		}
		// a flipped bit near the end (the MDC) still fails
		bad := bytes.Clone(ct.Bytes())
		bad[len(bad)-5] ^= 4
		if _, err := readAllOrErr(d.Decrypt(bytes.NewReader(bad))); err == nil {
			t.Fatalf("%s: tampered message decrypted", s.name)
		}
	}
}
