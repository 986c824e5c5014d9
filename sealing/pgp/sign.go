package pgp

import (
	"crypto"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"
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
	e, err := openpgp.CheckArmoredDetachedSignature(keys, signed, bytesReader(sigData), nil)
	if err != nil {
		if s, ok := signed.(io.Seeker); ok {
			if _, serr := s.Seek(0, io.SeekStart); serr == nil {
				e, err = openpgp.CheckDetachedSignature(keys, signed, bytesReader(sigData), nil)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return e, nil
}
