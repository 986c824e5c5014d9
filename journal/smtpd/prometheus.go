package smtpd

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// promMetrics implements Metrics with Prometheus collectors.
type promMetrics struct {
	accepted prometheus.Counter
	bytes    prometheus.Counter
	refused  *prometheus.CounterVec
	commit   prometheus.Histogram
}

// NewPrometheusMetrics registers the server's collectors on reg and
// returns them as Metrics for Config.Metrics:
//
//	archiver_messages_accepted_total  counter    messages answered 250
//	archiver_bytes_accepted_total     counter    bytes of those messages
//	archiver_refusals_total{code}     counter    refusals by reply code
//	archiver_commit_seconds           histogram  end of DATA to commit return, seconds
//
// Calling it twice on one Registerer returns collectors sharing the
// already registered series. The CLI registers its journal gauges
// (journal size, oldest unsealed age per tenant) on the same reg.
func NewPrometheusMetrics(reg prometheus.Registerer) (Metrics, error) {
	m := &promMetrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "archiver_messages_accepted_total",
			Help: "Messages answered 250 (committed to the journal)."}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "archiver_bytes_accepted_total",
			Help: "Bytes of messages answered 250."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "archiver_refusals_total",
			Help: "Refusals by SMTP reply code (451, 452, 530, 554)."}, []string{"code"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "archiver_commit_seconds",
			Help:    "Time from the end of DATA to the journal commit returning (fsync included), seconds.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
	}
	var err error
	if m.accepted, err = register(reg, m.accepted); err != nil {
		return nil, err
	}
	if m.bytes, err = register(reg, m.bytes); err != nil {
		return nil, err
	}
	if m.refused, err = register(reg, m.refused); err != nil {
		return nil, err
	}
	if m.commit, err = register(reg, m.commit); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered
// under the same description.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

func (m *promMetrics) Accepted(n int64) {
	m.accepted.Inc()
	m.bytes.Add(float64(n))
}

func (m *promMetrics) Refused(code int) { m.refused.WithLabelValues(strconv.Itoa(code)).Inc() }

func (m *promMetrics) Committed(d time.Duration) { m.commit.Observe(d.Seconds()) }
