// Package layering holds the test that keeps the project's dependencies
// pointing one way: cmd/archiver → sealing → media and journal.
// journal knows nothing of discs, and media knows nothing of mail.
package layering
