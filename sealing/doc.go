// Package sealing turns a tenant's journaled mail into signed, encrypted
// ISO 9660 volume sets, verifies them, and only then releases the journal
// bodies. The disc format is specified normatively in docs/FORMAT.md and
// implemented in sealing/format; OpenPGP lives in sealing/pgp.
//
// Vocabulary (see also docs/design.md):
//   - volume: one image or disc, labelled e.g. ACME_202611_V01OF02;
//   - volume set: the n volumes of one Seal run (one tenant, one period),
//     sharing a set id; k is a volume's 1-based index;
//   - period: a UTC month [YYYY-MM-01T00:00Z, next month), or for a catch-up
//     seal everything received before a date ("until-YYYY-MM-DD");
//   - verification key: a fresh Curve25519 key made per volume; every message
//     and the index are encrypted to it as well as to the tenant's keys. Its
//     armored secret stays in journal.Volume.VerifyKey until Release wipes
//     it, so the provider can prove before release that each message
//     decrypts to the journaled bytes without the tenant's secret key;
//   - deep verification: every message decrypted and its SHA-256 compared
//     with the index and the journal; hash verification: SHA256SUMS and its
//     signature only.
//
// Ordering invariant: nothing is marked sealed (journal.RecordSealed) until
// every image of the set is complete on disk (fsynced, renamed, directory
// fsynced) and has passed deep verification with the independent reader
// (media.OpenImage). A crash before that leaves only *.iso.partial files,
// a .seal-work-* directory and unrecorded images, which the next Seal of
// that tenant removes.
package sealing
