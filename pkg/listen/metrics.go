package listen

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
)

// Metrics counts what the listener did, served in Prometheus text format.
type Metrics struct {
	mu         sync.Mutex
	byType     map[string]int64
	duplicates atomic.Int64
	failures   atomic.Int64
	refused    atomic.Int64
	journal    *Journal
}

func newMetrics(j *Journal) *Metrics { return &Metrics{byType: map[string]int64{}, journal: j} }

func (m *Metrics) received(typ string) {
	m.mu.Lock()
	m.byType[typ]++
	m.mu.Unlock()
}

// ServeHTTP writes the metrics in the Prometheus text exposition format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintln(w, "# HELP feishu_listen_events_received_total Events received, duplicates included, by event type.")
	fmt.Fprintln(w, "# TYPE feishu_listen_events_received_total counter")
	m.mu.Lock()
	types := make([]string, 0, len(m.byType))
	for t := range m.byType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(w, "feishu_listen_events_received_total{type=%q} %d\n", t, m.byType[t])
	}
	m.mu.Unlock()
	metric := func(name, typ, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", name, help, name, typ, name, v)
	}
	metric("feishu_listen_duplicates_dropped_total", "counter", "Events dropped because their id was seen before.", m.duplicates.Load())
	metric("feishu_listen_handler_failures_total", "counter", "Handler runs that failed or timed out.", m.failures.Load())
	metric("feishu_listen_requests_refused_total", "counter", "Requests refused: bad signature, token, body or schema.", m.refused.Load())
	metric("feishu_listen_journal_depth", "gauge", "Events recorded whose handler has not yet succeeded.", int64(m.journal.Depth()))
}
