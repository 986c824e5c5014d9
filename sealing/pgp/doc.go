// Package pgp is archiver's narrow OpenPGP layer (RFC 4880) over
// github.com/ProtonMail/go-crypto v1.5: key generation, key files, message
// encryption for volumes, and detached signatures over SHA256SUMS.
//
// Everything written here must be readable by GnuPG 2.2 (Debian 12):
//   - keys are v4 only: legacy EdDSA (algorithm 22, Ed25519) primary with a
//     Curve25519 ECDH (algorithm 18) subkey by default, or RSA-3072/4096;
//   - encryption is SEIPDv1 with MDC (RFC 4880 §5.13–5.14), never SEIPDv2 or
//     AEAD (gpg 2.2 cannot read it);
//   - keys we generate advertise exactly AES-256, ZLIB and SHA-256 in their
//     self-signature preferences (RFC 4880 §5.2.3.7–5.2.3.9) and the MDC
//     feature, and no SEIPDv2 feature.
//
// With a recipient key made elsewhere, its own preferences decide the cipher
// and compression (RFC 4880 §13.2); Encrypt reports what was used.
package pgp
