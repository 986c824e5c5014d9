package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/urfave/cli/v2"
)

func searchCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "search",
		Usage: "search every archived message (journal and sealed discs); words are case- and accent-insensitive",
		Flags: append([]cli.Flag{dataFlag(),
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array of messages"},
			&cli.BoolFlag{Name: "csv", Usage: "print CSV; the first row names the columns"},
		}, queryFlags()...),
		Action: func(c *cli.Context) error {
			q, err := queryFrom(c)
			if err != nil {
				return err
			}
			return runSearch(c.Context, e, c.String("data"), q, c.Bool("json"), c.Bool("csv"))
		},
	}
}

// searchHit is one result row as search prints it.
type searchHit struct {
	Tenant    string    `json:"tenant"`
	Seq       uint64    `json:"seq"`
	Date      time.Time `json:"date"`
	Received  time.Time `json:"received"`
	From      string    `json:"from"`      // From: header text ("" when the message has none)
	MailFrom  string    `json:"mail_from"` // envelope sender (SMTP MAIL FROM) of the first receipt; "" is the null sender
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	MessageID string    `json:"message_id"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	State     string    `json:"state"`
	Location  string    `json:"location"` // "journal" or "LABEL:PATH"
	Volume    string    `json:"volume,omitempty"`
	Path      string    `json:"path,omitempty"`
}

func hitOf(m journal.Message) searchHit {
	var mailFrom string
	if len(m.Receipts) > 0 {
		mailFrom = m.Receipts[0].Envelope.MailFrom
	}
	return searchHit{m.Tenant, m.Seq, m.Summary.Date, m.Received, m.Summary.From, mailFrom, m.Summary.To, m.Summary.Subject,
		m.Summary.MessageID, m.Size, hexsum(m.SHA256), m.State.String(), location(m), m.Volume, m.Path}
}

// fromColumn is what the FROM column shows: the From: header, or, for a
// message without one, the envelope sender marked as such.
func (h searchHit) fromColumn() string {
	switch {
	case strings.TrimSpace(h.From) != "":
		return h.From
	case h.MailFrom != "":
		return "<env: " + h.MailFrom + ">"
	}
	return "<env: null sender>"
}

func runSearch(ctx context.Context, e *env, data string, q catalog.Query, asJSON, asCSV bool) (err error) {
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	if err := knownTenant(ctx, s, q); err != nil {
		return err
	}
	cat, err := s.catalog(ctx)
	if err != nil {
		return err
	}
	ms, err := cat.Search(ctx, q)
	if err != nil {
		return err
	}
	hits := make([]searchHit, len(ms))
	for i, m := range ms {
		hits[i] = hitOf(m)
	}
	switch {
	case asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(hits)
	case asCSV:
		w := csv.NewWriter(e.stdout)
		w.Write([]string{"tenant", "seq", "date", "received", "from", "to", "subject", "message_id", "size", "sha256", "state", "location", "mail_from"})
		for _, h := range hits {
			w.Write([]string{h.Tenant, strconv.FormatUint(h.Seq, 10), fmtTime(h.Date), fmtTime(h.Received), h.From, h.To, h.Subject, h.MessageID, strconv.FormatInt(h.Size, 10), h.SHA256, h.State, h.Location, h.MailFrom})
		}
		w.Flush()
		return w.Error()
	}
	tw := table(e.stdout)
	fmt.Fprintln(tw, "TENANT\tSEQ\tDATE\tFROM\tSUBJECT\tLOCATION")
	for _, h := range hits {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", h.Tenant, h.Seq, fmtTime(h.Date), clip(h.fromColumn(), 40), clip(h.Subject, 50), h.Location)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout, count(len(hits), "message"))
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
