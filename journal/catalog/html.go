package catalog

import (
	"html"
	"io"
	"regexp"
	"strings"
)

// maxHTML bounds how much of one HTML part is read: 8 MiB.
const maxHTML = 8 << 20 // bytes

var (
	reHiddenBlock = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>`)
	reComment     = regexp.MustCompile(`(?s)<!--.*?-->`)
	reTag         = regexp.MustCompile(`(?s)<[^>]*>`)
)

// htmlToText reduces an HTML part to its visible text: comments, script,
// style and head are dropped, tags become spaces, character references are
// decoded (HTML5 named and numeric). Only the first maxHTML bytes are read.
func htmlToText(r io.Reader, w *capWriter) {
	b, _ := io.ReadAll(io.LimitReader(r, maxHTML))
	s := reComment.ReplaceAllString(string(b), " ")
	s = reHiddenBlock.ReplaceAllString(s, " ")
	s = reTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	w.WriteString(strings.Join(strings.Fields(s), " "))
	w.WriteString("\n")
}
