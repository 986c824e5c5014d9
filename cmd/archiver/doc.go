// Command archiver is the compliance mail archive's command-line tool: it runs
// the journaling SMTP/LMTP service, backfills old mail, seals tenants' months
// onto encrypted, signed ISO 9660 volumes, verifies and burns them, releases
// the journal, and serves discovery (search, legal hold, export).
//
// The CLI is thin (see docs/cli.md): each command lives in its own cmd_*.go
// file with an options struct, its flags, and an Action that opens what it
// needs through env, calls the domain packages, and renders the result.
// Exit codes (0 ok, 1 error, 2 alarm, 3 verification failed, 4 media too
// small, 130 cancelled) are mapped in one place, exit.go.
//
// While `archiver serve` holds DATA/ (bbolt and bleve take exclusive locks),
// every other command that finds the journal locked forwards its argv, cwd,
// ARCHIVER_* environment and stdin over DATA/control.sock, and the daemon runs
// the same command in-process against its open journal (control.go).
package main
