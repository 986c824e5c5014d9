// Package mailparse reads what the archive needs to know from raw
// Internet messages without ever failing an ingest.
//
// Vocabulary:
//
//   - header block: the lines before the first empty line (RFC 5322 §2.1).
//     Summarize reads at most MaxHeaderBytes of it; the rest is ignored.
//   - summary: the best-effort decoded Date (UTC), From, To, Cc, Subject,
//     Message-ID and attachment file names (see Summary).
//   - journal report: an Exchange envelope journal report, a message carrying
//     an X-MS-Journal-Report header whose first MIME part lists the envelope
//     sender and recipients and whose second part (message/rfc822) is the
//     original message unaltered (Microsoft, "Understanding Journal Reports",
//     Exchange 2007 and later; see ParseJournalReport).
//
// Header text is decoded by DecodeHeader: raw 8-bit bytes are UTF-8 when
// valid, else Windows-1252; RFC 2047 encoded-words are decoded with any
// charset golang.org/x/text knows.
//
// Every function here is pure and total: it never panics and never returns
// an error for malformed mail (no header block, broken MIME, NUL bytes, bare
// CR or LF, 1 MiB header lines, zero bytes). Fields it cannot read stay empty.
// The package must not import journal: journal imports it and converts
// Summary with journal.Summary(s).
package mailparse
