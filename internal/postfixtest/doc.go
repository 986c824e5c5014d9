// Package postfixtest runs a private instance of Debian's Postfix for tests
// that need a real upstream MTA in front of `archiver serve`.
//
// An Instance has its own config_directory (main.cf, master.cf, lookup
// tables), queue_directory and data_directory under the test's temporary
// directory, listens on 127.0.0.1 only, and logs to a plain file
// (maillog_file, Postfix >= 3.4) that Log parses, so no syslog is needed.
// Mail is injected with the instance's sendmail(1) (`sendmail -C DIR`), and
// the queue is read and flushed with postqueue(1) (`-j`, `-f`). The
// instance is stopped, and every process it started is gone, when the test
// ends.
//
// Tests run as root (Postfix drops to mail_owner, "postfix"); the temporary
// directories are made traversable for that user.
//
// Vocabulary, as Postfix logs it: a queue ID names one queued message; each
// delivery attempt to one recipient logs a status (sent, deferred, bounced)
// with the relay it tried and the reason (the remote reply, after
// "said:", or Postfix's own reason).
package postfixtest
