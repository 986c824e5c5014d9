package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Query selects messages. Every non-empty field must match (AND); the
// zero Query matches every message.
//
//   - Tenant: exact tenant name.
//   - From: any of the addresses must match a sender: the From header, a
//     receipt's MAIL FROM, or a journal report's sender. To: any must match
//     a recipient: the To or Cc header, a RCPT TO, or a recipient a journal
//     report lists (Bcc included). "user@example.com" matches that address
//     exactly, case-insensitively; "@example.com" or "example.com" (no "@"
//     before a dot-name) matches every address at exactly that domain.
//   - Subject: every word must occur in the Subject header.
//   - Text: every word must occur in the subject, the body text or an
//     attachment name; a "quoted phrase" must occur as consecutive words.
//   - Words match case-insensitively and accent-insensitively ("cafe"
//     finds "Café"); no stemming.
//   - MessageID: exact, case-insensitive, with or without angle brackets.
//   - After/Before: the Date header in UTC (received time when Date is
//     missing or unparseable); After inclusive, Before exclusive.
//   - ReceivedAfter/ReceivedBefore: the first receipt time (UTC), same bounds.
type Query struct {
	Tenant         string    `json:"tenant,omitempty"`
	From           []string  `json:"from,omitempty"`
	To             []string  `json:"to,omitempty"`
	Subject        string    `json:"subject,omitempty"`
	Text           string    `json:"text,omitempty"`
	MessageID      string    `json:"message_id,omitempty"`
	After          time.Time `json:"after,omitzero"`
	Before         time.Time `json:"before,omitzero"`
	ReceivedAfter  time.Time `json:"received_after,omitzero"`
	ReceivedBefore time.Time `json:"received_before,omitzero"`
}

// EncodeQuery returns q as JSON, the form stored in journal.Hold.Query.
func EncodeQuery(q Query) []byte {
	b, _ := json.Marshal(q) // cannot fail: plain strings and times
	return b
}

// DecodeQuery parses EncodeQuery's JSON; unknown fields are an error, so a
// hold written by a newer version is not silently widened.
func DecodeQuery(b []byte) (Query, error) {
	var q Query
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(&q); err != nil {
		return Query{}, fmt.Errorf("catalog: decode query: %w", err)
	}
	return q, nil
}

// bleveQuery translates q; an empty q matches all documents.
func (q Query) bleveQuery() query.Query {
	var must []query.Query
	if q.Tenant != "" {
		must = append(must, term(fTenant, q.Tenant))
	}
	if c := addrQuery(fFrom, fFromDom, q.From); c != nil {
		must = append(must, c)
	}
	if c := addrQuery(fTo, fToDom, q.To); c != nil {
		must = append(must, c)
	}
	if s := strings.TrimSpace(q.Subject); s != "" {
		mq := bleve.NewMatchQuery(s)
		mq.SetField(fSubject)
		mq.SetOperator(query.MatchQueryOperatorAnd)
		must = append(must, mq)
	}
	must = append(must, textQueries(q.Text)...)
	if id := strings.ToLower(strings.Trim(strings.TrimSpace(q.MessageID), "<>")); id != "" {
		must = append(must, term(fMsgID, id))
	}
	if dq := dateQuery(fDate, q.After, q.Before); dq != nil {
		must = append(must, dq)
	}
	if dq := dateQuery(fReceived, q.ReceivedAfter, q.ReceivedBefore); dq != nil {
		must = append(must, dq)
	}
	if len(must) == 0 {
		return bleve.NewMatchAllQuery()
	}
	return bleve.NewConjunctionQuery(must...)
}

func term(field, v string) query.Query {
	t := bleve.NewTermQuery(v)
	t.SetField(field)
	return t
}

// addrQuery matches any of addrs: an address exactly, a domain exactly.
func addrQuery(field, domField string, addrs []string) query.Query {
	var any []query.Query
	for _, a := range addrs {
		a = strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>"))
		switch {
		case a == "":
		case strings.HasPrefix(a, "@"):
			any = append(any, term(domField, a[1:]))
		case !strings.Contains(a, "@"):
			any = append(any, term(domField, a))
		default:
			any = append(any, term(field, a))
		}
	}
	if len(any) == 0 {
		return nil
	}
	return bleve.NewDisjunctionQuery(any...)
}

// textQueries: every bare word and every "quoted phrase" of s must match
// the text field.
func textQueries(s string) []query.Query {
	var out []query.Query
	parts := strings.Split(s, `"`)
	var words []string
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if i%2 == 1 {
			pq := bleve.NewMatchPhraseQuery(p)
			pq.SetField(fText)
			out = append(out, pq)
			continue
		}
		words = append(words, p)
	}
	if len(words) > 0 {
		mq := bleve.NewMatchQuery(strings.Join(words, " "))
		mq.SetField(fText)
		mq.SetOperator(query.MatchQueryOperatorAnd)
		out = append(out, mq)
	}
	return out
}

func dateQuery(field string, after, before time.Time) query.Query {
	if after.IsZero() && before.IsZero() {
		return nil
	}
	incl, excl := true, false
	dq := bleve.NewDateRangeInclusiveQuery(after.UTC(), before.UTC(), &incl, &excl)
	dq.SetField(field)
	return dq
}
