// Package doccheck holds the test that keeps the docs' Go names true: every
// package-qualified identifier in backticks in README.md and docs/*.md
// (`journal.Journal.UnsealedSeqs`, `smtpd.Config`, `format.ScanSums`) must
// name an exported declaration, method or struct field of that package.
package doccheck
