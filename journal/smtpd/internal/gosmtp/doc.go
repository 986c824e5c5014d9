// Package smtp (directory gosmtp) is the server half of github.com/emersion/go-smtp v0.26.0
// (MIT, see LICENSE), copied so that the DATA reader can be fixed: upstream
// loses track of a line end after "\r\r", so a message whose last line ends
// in "\r\r\n" never ends (the client times out and retries forever) and a
// dot-stuffed line after "\r\r\n" is stored with its extra dot. The fix is
// marked "archiver fix" in data.go; the client code was left out. Drop this
// copy once upstream fixes dataReader (report it there).
package smtp
