package smtpd

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/archiver/archiver/journal"
)

// TestPrometheusMetricsCount delivers one message and refuses one, then
// reads the registry.
func TestPrometheusMetricsCount(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewPrometheusMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPrometheusMetrics(reg); err != nil {
		t.Fatalf("second registration: %v", err)
	}
	addr, _, _ := start(t, journal.Options{}, Config{MaxSize: 100, Metrics: m})
	c := hello(t, addr, "EHLO")
	msg := "Subject: m\r\n\r\nbody\r\n" // 20 bytes
	if r := c.send("a@x.example", []string{"b@y.example"}, msg+".\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatal(r)
	}
	if r := c.cmd("MAIL FROM:<a@x.example> SIZE=1000\r\n"); !strings.HasPrefix(r, "452") {
		t.Fatal(r)
	}
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
			}
		}
	}
	want := map[string]float64{
		"archiver_messages_accepted_total": 1, "archiver_bytes_accepted_total": float64(len(msg)),
		"archiver_refusals_total{code=452}": 1, "archiver_commit_seconds": 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}
