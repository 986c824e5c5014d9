// Package smtpd is the journaling SMTP (RFC 5321) and LMTP (RFC 2033)
// receiver: a server written for the archive, over the journal's
// two-phase delivery (Begin, Write, Commit or Abort).
//
// Vocabulary: a conn is one client connection (conn.go: reading command
// lines, the state machine, replies); a session is its mail transaction
// (session.go: envelope, journal delivery, the reply rules); the body is
// the message being written into the Delivery (body.go). Command parsing
// is in command.go and params.go, DATA in data.go and dotreader.go, BDAT
// in bdat.go, STARTTLS in starttls.go, timeouts and pipelined flushing in
// wire.go, limits and their defaults in config.go.
//
// Rules it keeps (docs/ingest.md):
//
//   - 250 is answered only after Delivery.Commit returned nil, i.e. after
//     fsync. Every failure on that path answers 4xx so the MTA keeps the
//     message queued: 451 4.3.0 for a journal write failure, 452 4.3.1 for
//     low disk, 452 4.3.4 for a message over Config.MaxSize (which also
//     raises an "oversize" alarm naming the size). Nothing transient is
//     ever answered 5xx (RFC 5321 §4.2.1, §4.5.3.1.10).
//   - Bodies stream from the connection's 64 KiB read buffer straight into
//     Delivery.Write; nothing else is buffered.
//   - DATA is unstuffed as RFC 5321 §4.5.2 says and changed in no other
//     way: a line beginning with "." loses that dot, the line "." ends the
//     data. Only <CRLF>.<CRLF> ends it (§4.1.1.4), also as the first line
//     (the empty message); bare CR and bare LF are content, so "\n.\n" and
//     "\r.\r" stay in the message (SMTP smuggling). BDAT chunks (RFC 3030)
//     are stored exactly as sent.
//   - Extensions: PIPELINING (RFC 2920), 8BITMIME (RFC 6152), SMTPUTF8
//     (RFC 6531), SIZE (RFC 1870; with a number only if Config.AnnounceSize),
//     ENHANCEDSTATUSCODES (RFC 2034, codes of RFC 3463), STARTTLS (RFC
//     3207), CHUNKING (RFC 3030; BINARYMIME is not announced, BODY=
//     BINARYMIME is accepted) and DSN (RFC 3461: RET, ENVID, NOTIFY and
//     ORCPT accepted and ignored; the archive sends no notifications).
//   - SIZE is announced without a number by default (RFC 1870 §4 allows
//     it). With a number, Postfix bounces larger mail itself with a
//     permanent 5.3.4 before it connects, and an always_bcc archive copy
//     is lost without this server ever seeing it. Without one, the MTA
//     sends it, gets 452 4.3.4 (MAIL SIZE= or during DATA/BDAT) and keeps
//     it queued, and the "oversize" alarm tells the operator to raise
//     Config.MaxSize (--max-size): the copy arrives once that is done.
//     Config.AnnounceSize (--announce-size) announces the number for
//     feeds whose senders should refuse oversize mail themselves.
//   - HELO is optional: MAIL without HELO/EHLO/LHLO is accepted and logged
//     (Postfix does the same), so a misconfigured feed does not lose mail.
//   - Clients outside Config.Allow get "554 5.7.1" as their greeting
//     (RFC 5321 §3.1) and a log line. Listeners not on loopback require
//     STARTTLS (RFC 3207) before MAIL: "530 5.7.0".
//   - Limits (Config): command lines of MaxLineLength octets (500 5.5.2
//     past it), MaxRecipients per transaction (452 4.5.3 past it), and the
//     timeouts of RFC 5321 §4.5.3.2: CommandTimeout, DataBlockTimeout
//     (421 4.4.2 and close) and DataTermination (451 4.3.0).
package smtpd
