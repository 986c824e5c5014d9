// Package backfill imports existing mail into the journal: single message
// files (.eml or any one message), mbox files (mboxrd and mboxo, split by
// SplitMbox), maildir trees, any directory recursively, and standard input
// ("-", a single message or an mbox). It applies the same durability and
// duplicate rules as SMTP delivery, because it goes through the journal's
// Begin/Write/Commit, and ends with a reconciliation per source:
// Read = Stored + Duplicate + Failed, each failure with its reason.
//
// The envelope of a backfilled message is reconstructed from its header:
// MAIL FROM from Return-Path, else From; RCPT TO from Delivered-To,
// X-Original-To, else To and Cc; Protocol "ingest"; Source the file path,
// plus "#N" (1-based) for the Nth message of an mbox. See docs/ingest.md.
package backfill
