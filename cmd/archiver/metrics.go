package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/prometheus/client_golang/prometheus"
)

// promMetrics implements smtpd.Metrics with Prometheus collectors, the
// series of serve --metrics:
//
//	archiver_messages_accepted_total  counter    messages answered 250
//	archiver_bytes_accepted_total     counter    bytes of those messages
//	archiver_refusals_total{code}     counter    refusals by SMTP reply code
//	archiver_commit_seconds           histogram  end of DATA to durable commit, seconds (0.2 ms to 6.6 s)
//
// newPromMetrics adds the journal's gauges archiver_journal_bytes and
// archiver_oldest_unsealed_seconds{tenant} on the same registry.
type promMetrics struct {
	msgs, bytes prometheus.Counter
	refusals    *prometheus.CounterVec
	commit      prometheus.Histogram
}

// unsealedAge exports archiver_oldest_unsealed_seconds{tenant}: the age of
// each tenant's oldest unsealed message (0 when none), from journal Status.
type unsealedAge struct {
	j    *journal.Journal
	desc *prometheus.Desc
}

func (u unsealedAge) Describe(ch chan<- *prometheus.Desc) { ch <- u.desc }

func (u unsealedAge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := u.j.Status(ctx)
	if err != nil {
		return
	}
	for _, t := range st.Tenants {
		age := 0.0
		if !t.OldestUnsealed.IsZero() {
			age = time.Since(t.OldestUnsealed).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(u.desc, prometheus.GaugeValue, age, t.Tenant)
	}
}

func newPromMetrics(reg prometheus.Registerer, data string, j *journal.Journal) *promMetrics {
	m := &promMetrics{
		msgs:     prometheus.NewCounter(prometheus.CounterOpts{Name: "archiver_messages_accepted_total", Help: "Messages committed and answered 250."}),
		bytes:    prometheus.NewCounter(prometheus.CounterOpts{Name: "archiver_bytes_accepted_total", Help: "Bytes of messages answered 250."}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "archiver_refusals_total", Help: "Refusals by SMTP reply code."}, []string{"code"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "archiver_commit_seconds", Help: "End of DATA to durable commit (fsync included), seconds.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 16)}),
	}
	journalSize := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "archiver_journal_bytes", Help: "Size of the journal database file, bytes."}, func() float64 {
		fi, err := os.Stat(filepath.Join(data, "journal", "journal.db"))
		if err != nil {
			return 0
		}
		return float64(fi.Size())
	})
	age := unsealedAge{j, prometheus.NewDesc("archiver_oldest_unsealed_seconds", "Age of the tenant's oldest unsealed message, seconds (0: none).", []string{"tenant"}, nil)}
	reg.MustRegister(m.msgs, m.bytes, m.refusals, m.commit, journalSize, age)
	return m
}

func (m *promMetrics) Accepted(n int64)          { m.msgs.Inc(); m.bytes.Add(float64(n)) }
func (m *promMetrics) Refused(code int)          { m.refusals.WithLabelValues(strconv.Itoa(code)).Inc() }
func (m *promMetrics) Committed(d time.Duration) { m.commit.Observe(d.Seconds()) }
