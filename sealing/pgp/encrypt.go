package pgp

import (
	"compress/flate"
	"crypto"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// DefaultCompressionLevel is the ZLIB level used for messages: level 1
// (BestSpeed). Measured on ../shared/corpus (docs/sealing.md): level 1
// gives 46.8% of the raw size, level 6 42.0% at half the speed, level 9
// 41.9% at the same cost as 6.
const DefaultCompressionLevel = flate.BestSpeed

// Algorithms names what one encryption used.
type Algorithms struct {
	Cipher      string // "AES256" or "AES128"
	Compression string // "ZLIB", "ZIP" or "none"
}

// EncryptOptions tunes Encrypt.
type EncryptOptions struct {
	Compress bool      // try ZLIB (at Level) when every recipient allows it
	Level    int       // ZLIB level; 0 means DefaultCompressionLevel
	Now      time.Time // key validity time; zero: time.Now()
}

// settings resolves opts for the recipients `to`: the algorithms (Choose),
// the go-crypto config (key validity at Now) and the ZLIB level.
func (opts EncryptOptions) settings(to openpgp.EntityList) (Algorithms, *packet.Config, int) {
	cfg := &packet.Config{DefaultHash: crypto.SHA256, DefaultCipher: packet.CipherAES256}
	if !opts.Now.IsZero() {
		now := opts.Now
		cfg.Time = func() time.Time { return now }
	}
	lvl := opts.Level
	if lvl == 0 {
		lvl = DefaultCompressionLevel
	}
	return Choose(to, opts.Compress), cfg, lvl
}

// Choose returns the algorithms Encrypt will use for the recipients `to`:
// AES-256 unless some key's preferences exclude it (then AES-128, the
// RFC 4880 §13.2 fallback), ZLIB when compressing and every key lists it.
func Choose(to openpgp.EntityList, compress bool) Algorithms {
	ciphers := []uint8{uint8(packet.CipherAES256), uint8(packet.CipherAES128)}
	comp := []uint8{uint8(packet.CompressionNone), uint8(packet.CompressionZIP), uint8(packet.CompressionZLIB)}
	for _, e := range to {
		sig, _ := e.PrimarySelfSignature()
		if sig == nil {
			continue
		}
		ciphers = intersect(ciphers, sig.PreferredSymmetric)
		comp = intersect(comp, sig.PreferredCompression)
	}
	a := Algorithms{Cipher: "AES128", Compression: "none"}
	if slices.Contains(ciphers, uint8(packet.CipherAES256)) {
		a.Cipher = "AES256"
	}
	if compress && slices.Contains(comp, uint8(packet.CompressionZLIB)) {
		a.Compression = "ZLIB"
	}
	return a
}

func intersect(a, b []uint8) []uint8 {
	var out []uint8
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// Encrypt returns a writer whose input becomes one binary OpenPGP message on
// w: a public-key encrypted session key packet per recipient (RFC 4880
// §5.1), then SEIPDv1 with MDC (§5.13) holding an optionally ZLIB-compressed
// (§5.6) binary literal data packet (§5.9) with an empty file name and zero
// date. Never AEAD. Close the writer to finish the message (it does not close w).
func Encrypt(w io.Writer, to openpgp.EntityList, opts EncryptOptions) (io.WriteCloser, Algorithms, error) {
	if len(to) == 0 {
		return nil, Algorithms{}, fmt.Errorf("pgp: encrypt: %w: no recipients", ErrNoKey)
	}
	algs, cfg, lvl := opts.settings(to)
	pw, err := encryptStream(w, goCryptoKeys(to, cfg), cipherOf(algs), algs, lvl, cfg)
	if err != nil {
		return nil, Algorithms{}, fmt.Errorf("pgp: encrypt: %w", err)
	}
	return pw, algs, nil
}

// Decrypt reads one OpenPGP message from r with the secret keys in keys and
// returns its literal data. The MDC is checked when the returned reader hits
// EOF: a read error there means the message was modified. Messages without
// integrity protection are refused.
func Decrypt(r io.Reader, keys openpgp.EntityList) (io.Reader, error) {
	md, err := openpgp.ReadMessage(r, keys, nil, &packet.Config{})
	if err != nil {
		return nil, fmt.Errorf("pgp: decrypt: %w", err)
	}
	if !md.IsEncrypted {
		return nil, fmt.Errorf("pgp: decrypt: message is not encrypted")
	}
	return md.UnverifiedBody, nil
}
