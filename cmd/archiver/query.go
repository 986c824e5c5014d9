package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/urfave/cli/v2"
)

// queryFlags are the search flags shared by search, export and hold add.
func queryFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "tenant", Usage: "only tenant `T`"},
		&cli.StringSliceFlag{Name: "from", Usage: "sender `ADDR` (header From or envelope MAIL FROM; repeatable: any)"},
		&cli.StringSliceFlag{Name: "to", Usage: "recipient `ADDR` (To, Cc, envelope RCPT TO, journal-report Bcc; repeatable: any)"},
		&cli.StringFlag{Name: "subject", Usage: "`WORDS` in the Subject (case- and accent-insensitive)"},
		&cli.StringFlag{Name: "text", Usage: "`WORDS` in body text or attachment names"},
		&cli.StringFlag{Name: "message-id", Usage: "Message-ID `ID` (with or without <>)"},
		&cli.StringFlag{Name: "after", Usage: "Date header (UTC; received time when missing) on or after `DATE` (2006-01-02 or RFC 3339)"},
		&cli.StringFlag{Name: "before", Usage: "Date header (UTC) before `DATE`"},
		&cli.StringFlag{Name: "received-after", Usage: "journal receipt time on or after `DATE`"},
		&cli.StringFlag{Name: "received-before", Usage: "journal receipt time before `DATE`"},
	}
}

// parseDate reads 2006-01-02 (midnight UTC) or RFC 3339.
func parseDate(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, withHint(fmt.Errorf("--%s %q is not a date", flag, s), "use --%s 2026-03-01 or an RFC 3339 time", flag)
}

func queryFrom(c *cli.Context) (catalog.Query, error) {
	q := catalog.Query{
		Tenant: c.String("tenant"), From: c.StringSlice("from"), To: c.StringSlice("to"),
		Subject: c.String("subject"), Text: c.String("text"),
		MessageID: strings.Trim(c.String("message-id"), "<> "),
	}
	var err error
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"after", &q.After}, {"before", &q.Before}, {"received-after", &q.ReceivedAfter}, {"received-before", &q.ReceivedBefore}} {
		if *d.dst, err = parseDate(d.name, c.String(d.name)); err != nil {
			return q, err
		}
	}
	return q, nil
}

// location says where a message's bytes are: the journal, or volume:path.
func location(m journal.Message) string {
	if m.Volume != "" && (m.State == journal.Released || !m.HasBody) {
		return m.Volume + ":" + m.Path
	}
	if m.Volume != "" {
		return "journal (sealed on " + m.Volume + ":" + m.Path + ")"
	}
	return "journal"
}

// knownTenant refuses a query naming a tenant the journal does not know: a
// mistyped --tenant must not look like "no messages" (search), an empty
// production (export) or a hold that can never match (hold add).
func knownTenant(ctx context.Context, s *store, q catalog.Query) error {
	return checkTenant(ctx, s, q.Tenant)
}

// checkTenant refuses a --tenant that names no tenant, with the command
// that lists them, before anything is read or written. "" passes.
func checkTenant(ctx context.Context, s *store, tenant string) error {
	if tenant == "" {
		return nil
	}
	_, err := s.j.Tenant(ctx, tenant)
	if errors.Is(err, journal.ErrNotFound) {
		return withHint(fmt.Errorf("--tenant %s: no such tenant", tenant), "archiver tenant list --data %s", s.data)
	}
	return err
}
