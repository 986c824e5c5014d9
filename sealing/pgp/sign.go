package pgp

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// SignDetached writes an armored binary-mode (type 0x00) detached signature
// over message, made with SHA-256 by signer (RFC 4880 §5.2, §11.4), as
// `gpg --detach-sign --armor` would.
func SignDetached(w io.Writer, signer *openpgp.Entity, message io.Reader) error {
	cfg := &packet.Config{DefaultHash: crypto.SHA256}
	if err := openpgp.ArmoredDetachSign(w, signer, message, cfg); err != nil {
		return fmt.Errorf("pgp: sign: %w", err)
	}
	return nil
}

// VerifyDetached checks an armored (or binary) detached signature over
// signed against keys and returns the signing entity. ErrBadSignature wraps
// every failure: unknown key, altered data, malformed signature.
func VerifyDetached(keys openpgp.EntityList, signed, signature io.Reader) (*openpgp.Entity, error) {
	sigData, err := io.ReadAll(io.LimitReader(signature, 1<<20))
	if err != nil {
		return nil, err
	}
	var e *openpgp.Entity
	if bytes.HasPrefix(bytes.TrimSpace(sigData), []byte("-----BEGIN ")) {
		e, err = openpgp.CheckArmoredDetachedSignature(keys, signed, bytesReader(sigData), nil)
	} else { // binary: decoding it as armor would hide the real error
		e, err = openpgp.CheckDetachedSignature(keys, signed, bytesReader(sigData), nil)
	}
	if errors.Is(err, pgperrors.ErrUnknownIssuer) {
		return nil, fmt.Errorf("%w: not signed by the given signer %s (signature made by key %s)", ErrBadSignature,
			strings.Join(Fingerprints(keys), ", "), signatureIssuer(sigData))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return e, nil
}

// signatureIssuer returns the issuer fingerprint (or key ID) of the first
// signature packet in sig (armored or binary), or "unknown".
func signatureIssuer(sig []byte) string {
	var r io.Reader = bytes.NewReader(sig)
	if blk, err := armor.Decode(bytes.NewReader(sig)); err == nil {
		r = blk.Body
	}
	p, err := packet.Read(r)
	if err != nil {
		return "unknown"
	}
	s, ok := p.(*packet.Signature)
	switch {
	case !ok:
		return "unknown"
	case len(s.IssuerFingerprint) > 0:
		return fmt.Sprintf("%X", s.IssuerFingerprint)
	case s.IssuerKeyId != nil:
		return fmt.Sprintf("ID %016X", *s.IssuerKeyId)
	}
	return "unknown"
}
