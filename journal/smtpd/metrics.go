package smtpd

import "time"

// Metrics receives the server's measurements; Config.Metrics nil means
// none. The CLI (archiver serve --metrics) implements it with Prometheus
// collectors.
// Methods are called concurrently and must not block.
type Metrics interface {
	Accepted(bytes int64)      // a message was committed and answered 250
	Refused(code int)          // a reply of code (451, 452, 530, 554) refused a client or message
	Committed(d time.Duration) // end of DATA to commit return (fsync included), failed commits too
}

// noMetrics is used when Config.Metrics is nil.
type noMetrics struct{}

func (noMetrics) Accepted(int64)          {}
func (noMetrics) Refused(int)             {}
func (noMetrics) Committed(time.Duration) {}
