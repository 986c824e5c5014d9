// Package journal is the durable, byte-exact store of every archived
// message until a verified volume holds it, and the record of
// tenants, volumes, holds, alarms and the audit trail afterwards.
//
// Vocabulary:
//   - Delivery: one message being received (Begin, Write, Commit/Abort);
//     Commit returns only after the data is fsync'd.
//   - Message: one tenant's record of one identity (SHA-256 of the raw
//     bytes, or of the embedded original for an Exchange journal report);
//     a message addressed to two tenants is stored once for each.
//   - Receipt: one delivery of a message (envelope and time); duplicates
//     add receipts, never messages.
//   - Seq: per-tenant gapless sequence; JSeq: journal-wide arrival order;
//     Rev: journal-wide change order (the catalog's feed).
//   - Volume: a sealed image; Release deletes bodies once it is verified.
//
// Storage sits behind the small Store/Tx interface (store.go); the default
// is one bbolt file, DATA/journal/journal.db, whose bucket tree is drawn in
// schema.go. docs/journal.md gives the design, the duplicate and routing
// rules, the durability argument and how performance is measured; the
// figures are in README's performance table.
package journal
