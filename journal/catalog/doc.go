// Package catalog is the archive's search index: one bleve document per
// archived message (doc id "tenant/seq"), built asynchronously from the
// journal's change feed (journal.Journal.Since, ordered by Message.Rev) and
// kept at DATA/catalog.
//
// Vocabulary:
//   - the catalog indexes metadata (tenant, header and envelope addresses,
//     subject, Message-ID, Date, received time, attachment names) and the
//     decoded text of the body (BodyText) at ingest, so a message stays
//     searchable after its journal body is released;
//   - a Query (EncodeQuery/DecodeQuery) is what `archiver search`, `export`
//     and legal holds (journal.Hold.Query) store and run;
//   - Search answers with the journal's current records, so a message's
//     location (journal, or volume label and path) is always current.
//
// The index is never on the SMTP path: Sync and Run index committed
// messages after the fact, and record the last indexed Rev inside the
// index (bleve internal key "rev") so a restart resumes where it stopped.
//
// Like the journal, the index is held under an exclusive file lock by one
// process at a time. docs/catalog.md explains the choice of bleve, the
// analyzers and the query semantics.
package catalog
