// Package smtpd is the journaling SMTP/LMTP front end: an adapter from
// github.com/emersion/go-smtp sessions onto the journal's two-phase
// delivery (Begin, Write, Commit or Abort).
//
// Rules it keeps (issue 2; docs/ingest.md):
//
//   - 250 is answered only after Delivery.Commit returned nil, i.e. after
//     fsync. Every failure on that path answers 4xx so the MTA keeps the
//     message queued: 451 4.3.0 for a journal write failure, 452 4.3.1 for
//     low disk, 452 4.3.4 for a message over Config.MaxSize (which also
//     raises an "oversize" alarm naming the size). Nothing transient is
//     ever answered 5xx (RFC 5321 §4.2.1, §4.5.3.1.10).
//   - Bodies stream from the DATA reader straight into Delivery.Write; the
//     session buffers nothing itself.
//   - Only <CRLF>.<CRLF> ends DATA (RFC 5321 §4.1.1.4): a bare "\n.\n" or
//     "\r.\r" stays in the message (SMTP smuggling).
//   - The raw bytes are stored as transported after dot-unstuffing, with no
//     line-ending or header rewriting.
//   - Clients outside Config.Allow get "554 5.7.1" as their greeting
//     (RFC 5321 §3.1) and a log line. Listeners not on loopback require
//     STARTTLS (RFC 3207) before MAIL: "530 5.7.0".
//   - EHLO announces SIZE without a number (RFC 1870 §4: no fixed maximum).
//     A number would make Postfix bounce larger mail locally with a
//     permanent 5.3.4 before ever trying us, losing the archive copy; the
//     limit is enforced instead with 452 4.3.4 at MAIL (declared SIZE) and
//     during DATA.
package smtpd
