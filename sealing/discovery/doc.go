// Package discovery answers legal discovery from the archive: it exports
// productions (Export) of every message a catalog query matches, from the
// journal while a body is there and from sealed volumes (images, discs or
// extracted disc trees) after release, and it rebuilds the catalog of an
// empty data directory from discs alone (RebuildCatalog; RebuildDataDir
// for a whole data directory, storing the discs' signer as its trusted
// archive key).
//
// Vocabulary:
//   - production: the output directory of one export: numbered message
//     files (NNNNNN.eml, or one mboxrd file production.mbox), production.csv
//     describing each (production_number,sha256,message_id,date,from,to,
//     subject,source,envelope_from,…) and, when the production is complete
//     and not NoSign, production.csv.asc, an armored detached OpenPGP
//     signature (RFC 4880 §11.4) over production.csv by the archive key;
//     an incomplete production has INCOMPLETE.txt instead, naming what is
//     missing and why, and is never signed;
//   - production number: 1, 2, 3… in catalog order (tenant, then sequence)
//     over the messages actually produced. File names derive from it only,
//     never from message content;
//   - source: "journal", or "LABEL:PATH", the volume label (ISO 9660 volume
//     identifier, ECMA-119 §8.4.6) and the file path on that volume.
//
// Every produced message's bytes are checked against the SHA-256 the
// journal recorded at ingest before they are written out. The disc format
// is docs/FORMAT.md (package sealing/format).
package discovery
