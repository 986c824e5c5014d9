package pgp

import (
	"bytes"
	"crypto"
	"fmt"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Key algorithms accepted by KeyOptions.Algorithm.
const (
	AlgoCurve25519 = "curve25519" // v4 legacy EdDSA Ed25519 + ECDH Curve25519 (default)
	AlgoRSA3072    = "rsa3072"
	AlgoRSA4096    = "rsa4096"
)

// KeyOptions tunes GenerateKey. The zero value gives a Curve25519 key
// created now with an unprotected secret.
type KeyOptions struct {
	Algorithm  string    // AlgoCurve25519 ("" too), AlgoRSA3072 or AlgoRSA4096
	Comment    string    // user ID comment; may be empty
	Passphrase []byte    // protects the secret key (S2K iterated+salted, AES-256); nil: none
	Now        time.Time // creation time; zero: time.Now()
}

// GenerateKey makes a v4 key pair "name <email>" whose self-signature
// advertises exactly AES-256, ZLIB, SHA-256 and the MDC feature (no SEIPDv2),
// and returns both halves ASCII-armored (RFC 4880 §6.2).
func GenerateKey(name, email string, opts KeyOptions) (armoredPublic, armoredSecret []byte, err error) {
	cfg, err := keyConfig(opts)
	if err != nil {
		return nil, nil, err
	}
	e, err := openpgp.NewEntity(name, opts.Comment, email, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("pgp: generate key: %w", err)
	}
	if err := setPreferences(e, cfg); err != nil {
		return nil, nil, err
	}
	if armoredPublic, err = ArmorPublic(e); err != nil {
		return nil, nil, err
	}
	if len(opts.Passphrase) > 0 {
		if err := e.EncryptPrivateKeys(opts.Passphrase, cfg); err != nil {
			return nil, nil, fmt.Errorf("pgp: protect secret key: %w", err)
		}
	}
	if armoredSecret, err = ArmorSecret(e); err != nil {
		return nil, nil, err
	}
	return armoredPublic, armoredSecret, nil
}

func keyConfig(opts KeyOptions) (*packet.Config, error) {
	cfg := &packet.Config{
		DefaultHash:            crypto.SHA256,
		DefaultCipher:          packet.CipherAES256,
		DefaultCompressionAlgo: packet.CompressionZLIB,
	}
	if !opts.Now.IsZero() {
		now := opts.Now
		cfg.Time = func() time.Time { return now }
	}
	switch opts.Algorithm {
	case "", AlgoCurve25519:
		cfg.Algorithm = packet.PubKeyAlgoEdDSA
		cfg.Curve = packet.Curve25519
	case AlgoRSA3072:
		cfg.Algorithm, cfg.RSABits = packet.PubKeyAlgoRSA, 3072
	case AlgoRSA4096:
		cfg.Algorithm, cfg.RSABits = packet.PubKeyAlgoRSA, 4096
	default:
		return nil, fmt.Errorf("pgp: unknown key algorithm %q (want %s, %s or %s)", opts.Algorithm, AlgoCurve25519, AlgoRSA3072, AlgoRSA4096)
	}
	return cfg, nil
}

// setPreferences rewrites every user ID self-signature so that its
// preferences are exactly AES-256 / ZLIB / SHA-256 with MDC and no SEIPDv2,
// then signs it again.
func setPreferences(e *openpgp.Entity, cfg *packet.Config) error {
	for _, id := range e.Identities {
		sig := id.SelfSignature
		sig.PreferredSymmetric = []uint8{uint8(packet.CipherAES256)}
		sig.PreferredCompression = []uint8{uint8(packet.CompressionZLIB)}
		sig.PreferredHash = []uint8{8} // SHA-256, RFC 4880 §9.4
		sig.PreferredCipherSuites = nil
		sig.SEIPDv1, sig.SEIPDv2 = true, false
		if err := sig.SignUserId(id.UserId.Id, e.PrimaryKey, e.PrivateKey, cfg); err != nil {
			return fmt.Errorf("pgp: sign preferences: %w", err)
		}
	}
	return nil
}

// ArmorPublic returns the armored transferable public key of e.
func ArmorPublic(e *openpgp.Entity) ([]byte, error) {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := e.Serialize(w); err != nil {
		return nil, fmt.Errorf("pgp: serialize public key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// ArmorSecret returns the armored transferable secret key of e, keeping any
// passphrase protection it has, without re-signing.
func ArmorSecret(e *openpgp.Entity) ([]byte, error) {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := e.SerializePrivateWithoutSigning(w, nil); err != nil {
		return nil, fmt.Errorf("pgp: serialize secret key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
