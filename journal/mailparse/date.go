package mailparse

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// extraLayouts are real-world Date forms that net/mail.ParseDate
// (RFC 5322 §3.3 and its obsolete syntax, §4.3) rejects.
var extraLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 MST",
	"Mon, 2 Jan 2006 15:04:05 MST -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 MST",
	"2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
	"Mon, Jan 2 2006 15:04:05 -0700",
	"Mon, January 2, 2006 15:04:05 -0700",
	"Monday, January 2, 2006 3:04 PM",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"Mon, 2 Jan 2006 15:04:05.999999999 -0700",
}

var (
	commentRE = regexp.MustCompile(`\([^()]*\)`)
	spaceRE   = regexp.MustCompile(`\s+`)
)

// parseDate parses a Date header value and returns it in UTC; the zero
// time when no known form matches. Comments, doubled white space, a
// missing comma and a trailing period are tolerated.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t.UTC()
	}
	c := commentRE.ReplaceAllString(v, " ")
	c = strings.TrimRight(spaceRE.ReplaceAllString(c, " "), " .")
	c = strings.TrimSpace(c)
	if t, err := mail.ParseDate(c); err == nil {
		return t.UTC()
	}
	if i := strings.IndexByte(c, ' '); i > 0 && strings.HasSuffix(c[:i], ".") {
		c = strings.TrimSuffix(c[:i], ".") + "," + c[i:] // "Mon. 2 Jan ..."
	}
	for _, cand := range []string{c, strings.Replace(c, ",", ", ", 1), strings.ReplaceAll(c, ",", "")} {
		cand = spaceRE.ReplaceAllString(cand, " ")
		for _, l := range extraLayouts {
			if t, err := time.Parse(l, cand); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}
