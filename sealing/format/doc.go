// Package format defines the on-disc layout of an archiver volume, as
// specified normatively in docs/FORMAT.md: file names, MANIFEST.JSON, the
// INDEX.PGP JSON Lines records, SHA256SUMS (GNU coreutils sha256sum format),
// README.TXT, and a Volume reader that checks a disc tree (an ISO image or an
// extracted directory) file by file.
//
// Vocabulary: a volume is one image/disc; a volume set is the n volumes
// sealed together for one tenant and period (k of n, 1-based); the tenant
// sequence (seq) numbers a tenant's messages 1, 2, 3… without gaps; the chain
// links each volume to the tenant's previous one by the SHA-256 of its
// SHA256SUMS file.
//
// This package knows nothing of the journal nor of ISO 9660; package sealing
// joins them.
package format
