package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
	"github.com/prometheus/client_golang/prometheus"
)

// TestPromMetrics: what serve's SMTP server reports (an acceptance of 20
// bytes, a 452, a commit of 3 ms) reaches the registry under the series
// names operators scrape, with the journal gauges beside them.
func TestPromMetrics(t *testing.T) {
	j := journaltest.New(t)
	if _, err := j.Ingest(context.Background(), journal.Envelope{MailFrom: "a@acme.example", RcptTo: []string{"b@acme.example"}, Protocol: "ingest"},
		strings.NewReader("Subject: m\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := newPromMetrics(reg, t.TempDir(), j)
	m.Accepted(20)
	m.Refused(452)
	m.Committed(3 * time.Millisecond)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			name := f.GetName()
			for _, l := range mt.GetLabel() {
				name += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			switch {
			case mt.GetCounter() != nil:
				got[name] = mt.GetCounter().GetValue()
			case mt.GetHistogram() != nil:
				got[name] = float64(mt.GetHistogram().GetSampleCount())
			case mt.GetGauge() != nil:
				got[name] = 1 // present
			}
		}
	}
	want := map[string]float64{
		"archiver_messages_accepted_total": 1, "archiver_bytes_accepted_total": 20,
		"archiver_refusals_total{code=452}": 1, "archiver_commit_seconds": 1,
		"archiver_journal_bytes": 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want)+1 { // and one archiver_oldest_unsealed_seconds per tenant
		t.Errorf("series %v; want %d", got, len(want)+1)
	}
}
