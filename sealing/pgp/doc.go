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
// and compression (RFC 4880 §13.2); Encrypt reports what was used. ZLIB is
// github.com/klauspost/compress/zlib at level 1, and only for a message
// whose first ProbeSize octets it shrinks by at least 1/16: any other one
// is stored as a bare Literal Data packet (FORMAT.md §5 allows both).
//
// # One ephemeral key per volume (VolumeEncrypter, Decrypter)
//
// RFC 6637 §8 encrypts a session key to a Curve25519 ECDH key by making an
// ephemeral key pair (v, V = vG), computing S = vR with the recipient's
// public point R, deriving a key-encryption key KEK = KDF(S, Param) (§7:
// Param names the curve, the KDF hash and cipher, and the recipient
// subkey's fingerprint) and AES-key-wrapping (RFC 3394) the session key
// under it; the PKESK carries V and the wrapped key. Doing that per message
// costs two X25519 ladders per recipient to encrypt and one to decrypt:
// with a tenant key and the volume verification key, and two decryptions
// (seal's self-verify and verify --data), six per message, tens of
// microseconds each, which on mail of a few KB a message is a large share
// of seal + verify.
//
// A VolumeEncrypter computes V and the KEK once per (volume, recipient
// key) and, per message, draws a fresh random session key and wraps it
// under that KEK, writing the v3 PKESK itself (version 3, key ID, algorithm
// 18, MPI of 0x40 || V, one-octet length, wrapped cipher octet || session
// key || checksum || PKCS#5 padding). The ephemeral secret v is never
// stored or written (go-crypto's Encaps draws and drops it). Every packet
// is what RFC 4880/6637 define, so any reader (gpg 2.2, go-crypto)
// decrypts each file alone, unchanged; only that the files of one volume
// share V in their PKESK to the same key differs from per-message
// ephemerals. Why that is safe:
//
//   - Every message still has its own independent random session key, so
//     a disclosed session key (gpg --show-session-key, then
//     --override-session-key: how a court production hands over single
//     messages) opens that message and no other. TestGPGVolumeEncrypter
//     checks that gpg reports a different session key per message and that
//     one message's key does not decrypt another.
//   - The wrapped keys of a volume are many RFC 3394 wraps of independent
//     random keys under one KEK, which is the use RFC 3394 was designed for
//     (a long-lived KEK wrapping many keys); knowing some of the wrapped
//     keys (disclosed session keys) does not reveal the KEK or the other
//     keys unless AES is broken.
//   - Deriving the KEK needs S = vR = rV: v is gone, so it needs the
//     recipient's secret key r, which decrypts every message of the volume
//     through the standard path anyway. Nothing opens with the KEK that the
//     key holder could not already open.
//   - While sealing, the KEK is in the sealing process's memory, which also
//     holds every plaintext it encrypts; the Decrypter's cache of KEKs lives
//     as long as a verification, which holds the secret key it derived them
//     from. Neither outlives the value it protects, and neither is stored.
//   - Linkability: the shared V tells an observer that files belong to the
//     same volume and recipient, which the disc, the key ID in every PKESK
//     and the manifest already say.
//
// RSA recipients (and anything but v4 Curve25519 ECDH with an AES key-wrap
// KDF) keep go-crypto's per-message path. The Decrypter parses a v3 PKESK
// to a Curve25519 key it holds, caches the KEK per (ephemeral point, key),
// at most DefaultKEKCacheSize of them, and hands everything else (RSA, key
// ID 0, an unwrap that fails, anything but SEIPDv1) to openpgp.ReadMessage,
// so gpg-made and go-crypto-made messages read as before. The MDC is checked
// at EOF and unprotected (tag 9) data refused either way. Inside the SEIPD
// packet both paths read with go-crypto's packet reader.
//
// # The CPU floor of seal + verify
//
// BenchmarkFloor times each primitive alone on one core over 64 MiB of
// corpus mail held in memory (SHA-256, ZLIB level 1 compress, inflate,
// SEIPDv1 AES-256 encrypt and decrypt with the SHA-1 MDC), then all the
// cryptography of seal + verify --data together, with a VolumeEncrypter
// and a Decrypter and no journal, ISO 9660, I/O or GC of ours:
//
//	go test -run XXX -bench Floor -benchtime 3x -v ./sealing/pgp/
//
// Per byte of mail, seal + verify --data must compress once, encrypt the
// compressed bytes (about half of the mail), decrypt and inflate them
// twice (seal's self-verify and the separate verify --data), and hash
// about 4.4 bytes (the plaintext three times, the ciphertext, the image).
// The "seal+verify" line of the benchmark is therefore the most this
// format can deliver on one core; twice it is the bound on two. Inflate
// and compression are most of it; without compression AES-CFB with the
// MDC three times and SHA-256 would still bound it well below what a disk
// writes sequentially. The figures, and the comparison with dd, are in
// README's performance table.
package pgp
