package server

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bbplan/bbplan/data"
)

// latencyBuckets are the histogram's upper bounds in seconds.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type counterKey struct {
	route, method string
	status        int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

// metrics are the request counters and latency histograms, in Prometheus
// text format on /metrics.
type metrics struct {
	mu       sync.Mutex
	requests map[counterKey]uint64
	latency  map[string]*histogram // by route
}

func newMetrics() *metrics {
	return &metrics{requests: map[counterKey]uint64{}, latency: map[string]*histogram{}}
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[counterKey{route, method, status}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latency[route] = h
	}
	sec := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, sec)
	h.counts[i]++
	h.sum += sec
	h.n++
}

// label quotes a Prometheus label value.
func label(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

func (m *metrics) write(w io.Writer, pools map[string]*data.DB) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP bbplan_http_requests_total HTTP requests by route, method and status.")
	fmt.Fprintln(w, "# TYPE bbplan_http_requests_total counter")
	keys := make([]counterKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	for _, k := range keys {
		fmt.Fprintf(w, "bbplan_http_requests_total{route=%s,method=%s,status=%s} %d\n",
			label(k.route), label(k.method), label(strconv.Itoa(k.status)), m.requests[k])
	}
	fmt.Fprintln(w, "# HELP bbplan_http_request_duration_seconds HTTP request latency by route.")
	fmt.Fprintln(w, "# TYPE bbplan_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "bbplan_http_request_duration_seconds_bucket{route=%s,le=%s} %d\n",
				label(r), label(strconv.FormatFloat(le, 'g', -1, 64)), cum)
		}
		fmt.Fprintf(w, "bbplan_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", label(r), h.n)
		fmt.Fprintf(w, "bbplan_http_request_duration_seconds_sum{route=%s} %g\n", label(r), h.sum)
		fmt.Fprintf(w, "bbplan_http_request_duration_seconds_count{route=%s} %d\n", label(r), h.n)
	}
	gauges := []struct {
		name, help string
		val        func(p *data.DB) float64
	}{
		{"bbplan_db_open_connections", "Open database connections.", func(p *data.DB) float64 { return float64(p.Stats().OpenConnections) }},
		{"bbplan_db_in_use_connections", "Database connections in use.", func(p *data.DB) float64 { return float64(p.Stats().InUse) }},
		{"bbplan_db_idle_connections", "Idle database connections.", func(p *data.DB) float64 { return float64(p.Stats().Idle) }},
		{"bbplan_db_max_open_connections", "Database pool size limit.", func(p *data.DB) float64 { return float64(p.Stats().MaxOpenConnections) }},
		{"bbplan_db_wait_count_total", "Waits for a database connection.", func(p *data.DB) float64 { return float64(p.Stats().WaitCount) }},
		{"bbplan_db_wait_seconds_total", "Time spent waiting for a database connection.", func(p *data.DB) float64 { return p.Stats().WaitDuration.Seconds() }},
	}
	names := []string{"read", "write"}
	for _, g := range gauges {
		typ := "gauge"
		if strings.HasSuffix(g.name, "_total") {
			typ = "counter"
		}
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", g.name, g.help, g.name, typ)
		for _, n := range names {
			fmt.Fprintf(w, "%s{pool=%s} %g\n", g.name, label(n), g.val(pools[n]))
		}
	}
}

// serveMetrics writes /metrics.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, map[string]*data.DB{"read": s.read, "write": s.write})
	return nil
}
