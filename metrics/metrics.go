// Package metrics is the kiosk's Prometheus adapter: it implements the
// core's kiosk.Observer and the SIP2 client's sip2.Observer with
// client_golang collectors, reads the core's gauges at each scrape, and
// serves them with /healthz on the listener of `[metrics] listen`.
//
// No series carries a patron, an item id or a title: every label comes from
// a small fixed set (outcomes, routes, results, the library system's known
// refusal codes plus "other", SIP2 message codes, devices, modes). The
// kiosk itself is named by the scraper's target labels (file_sd), not here.
package metrics

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/danbib/kiosk/internal/version"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/sip2"
)

// Metrics holds the kiosk's collectors in a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	sessions        *prometheus.CounterVec
	sessionDuration prometheus.Histogram
	stackSize       prometheus.Histogram
	loans           prometheus.Counter
	returns         *prometheus.CounterVec
	renewals        *prometheus.CounterVec
	refusals        *prometheus.CounterVec
	unknown         *prometheus.CounterVec
	wrongPINs       prometheus.Counter
	cardsLocked     prometheus.Counter
	sipRequests     *prometheus.CounterVec
	sipRTT          *prometheus.HistogramVec
	sipReconnects   prometheus.Counter
	state           *stateCollector
}

// SetGauges sets the function a scrape and /healthz read the kiosk's
// current state from (kiosk.Kiosk.Gauges).
func (m *Metrics) SetGauges(f func() kiosk.Gauges) { m.state.gauges.Store(&f) }

// current returns the kiosk's state, and false before SetGauges.
func (m *Metrics) current() (kiosk.Gauges, bool) { return m.state.current() }

// New registers the collectors. The kiosk's current state joins them with
// SetGauges once the core exists; until then a scrape shows only the
// counters and the build info, and /healthz says the kiosk is starting.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), state: &stateCollector{}}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.sessions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiosk_sessions_total",
		Help: "Patron sessions by outcome (finished, idle_timeout, card_locked, login_failed)."}, []string{"outcome"})
	m.sessionDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kiosk_session_duration_seconds",
		Help: "How long a patron session lasted, from its first screen to its end.", Buckets: []float64{5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600}})
	m.stackSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kiosk_session_items",
		Help: "Items a session worked on (the stack size).", Buckets: []float64{0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30}})
	m.loans = prometheus.NewCounter(prometheus.CounterOpts{Name: "kiosk_loans_total", Help: "Items lent."})
	m.returns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiosk_returns_total",
		Help: "Items returned, by route (shelf, hold, transit, staff, offline)."}, []string{"route"})
	m.renewals = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiosk_renewals_total",
		Help: "Renewals by result (renewed, refused, unknown, error)."}, []string{"result"})
	m.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiosk_refusals_total",
		Help: "Refusals by the library system, by operation and machine code (the known codes, or other)."}, []string{"op", "code"})
	m.unknown = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiosk_unknown_outcomes_total",
		Help: "Checkouts, checkins and renewals whose reply was lost, by how Item Information settled them (done, not_done, unresolved)."}, []string{"op", "settled"})
	m.wrongPINs = prometheus.NewCounter(prometheus.CounterOpts{Name: "kiosk_wrong_pins_total", Help: "Wrong PINs typed for known cards."})
	m.cardsLocked = prometheus.NewCounter(prometheus.CounterOpts{Name: "kiosk_card_locks_total", Help: "Cards locked at this kiosk after wrong PINs."})
	m.sipRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kiosk_sip2_requests_total",
		Help: "SIP2 requests by message code and result (ok, unknown, timeout, not_sent, refused, error)."}, []string{"message", "result"})
	m.sipRTT = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kiosk_sip2_request_duration_seconds",
		Help:    "Round-trip time of SIP2 requests, retries included, by message code.",
		Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20}}, []string{"message"})
	m.sipReconnects = prometheus.NewCounter(prometheus.CounterOpts{Name: "kiosk_sip2_reconnects_total",
		Help: "New SIP2 connections after a lost or dropped one."})
	for _, c := range []prometheus.Collector{m.sessions, m.sessionDuration, m.stackSize, m.loans, m.returns, m.renewals,
		m.refusals, m.unknown, m.wrongPINs, m.cardsLocked, m.sipRequests, m.sipRTT, m.sipReconnects} {
		f(c)
	}
	v, commit := version.Info()
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: "kiosk_build_info", Help: "The running build: always 1.",
		ConstLabels: prometheus.Labels{"version": v, "commit": commit, "goversion": runtime.Version()}})
	build.Set(1)
	f(build)
	f(m.state)
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The series with labels exist from the start at zero, so that rate()
	// and the dashboard see them before the first event of their kind.
	for _, o := range []string{kiosk.OutcomeFinished, kiosk.OutcomeIdleTimeout, kiosk.OutcomeCardLocked, kiosk.OutcomeLoginFailed} {
		m.sessions.WithLabelValues(o)
	}
	for _, r := range []string{kiosk.RouteShelf, kiosk.RouteHold, kiosk.RouteTransit, kiosk.RouteStaff, kiosk.RouteOffline} {
		m.returns.WithLabelValues(r)
	}
	for _, r := range []string{kiosk.RenewalRenewed, kiosk.RenewalRefused, kiosk.RenewalUnknown, kiosk.RenewalError} {
		m.renewals.WithLabelValues(r)
	}
	for _, op := range []string{"checkout", "checkin", "renew"} {
		m.refusals.WithLabelValues(op, kiosk.RefusalOther)
		for _, s := range []string{kiosk.SettledDone, kiosk.SettledNotDone, kiosk.SettledUnresolved} {
			m.unknown.WithLabelValues(op, s)
		}
	}
	return m
}

// Registry is the registry the collectors are in (for the handler and tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

var (
	_ kiosk.Observer = (*Metrics)(nil)
	_ sip2.Observer  = (*Metrics)(nil)
)

// SessionEnded implements kiosk.Observer.
func (m *Metrics) SessionEnded(outcome string, d time.Duration, items int) {
	m.sessions.WithLabelValues(outcome).Inc()
	m.sessionDuration.Observe(d.Seconds())
	m.stackSize.Observe(float64(items))
}

// Loan implements kiosk.Observer.
func (m *Metrics) Loan() { m.loans.Inc() }

// Return implements kiosk.Observer.
func (m *Metrics) Return(route string) { m.returns.WithLabelValues(route).Inc() }

// Renewal implements kiosk.Observer.
func (m *Metrics) Renewal(result string) { m.renewals.WithLabelValues(result).Inc() }

// Refusal implements kiosk.Observer. The core already bounds code to the
// known set; an unknown one is counted as other all the same, so that no
// label value can ever come from an ACS's free text.
func (m *Metrics) Refusal(op, code string) {
	if _, ok := kiosk.KnownCodes()[code]; !ok {
		code = kiosk.RefusalOther
	}
	m.refusals.WithLabelValues(op, code).Inc()
}

// UnknownOutcome implements kiosk.Observer.
func (m *Metrics) UnknownOutcome(op, settled string) { m.unknown.WithLabelValues(op, settled).Inc() }

// WrongPIN implements kiosk.Observer.
func (m *Metrics) WrongPIN() { m.wrongPINs.Inc() }

// CardLocked implements kiosk.Observer.
func (m *Metrics) CardLocked() { m.cardsLocked.Inc() }

// Exchange implements sip2.Observer.
func (m *Metrics) Exchange(code sip2.Code, result string, d time.Duration) {
	m.sipRequests.WithLabelValues(string(code), result).Inc()
	m.sipRTT.WithLabelValues(string(code)).Observe(d.Seconds())
}

// Reconnected implements sip2.Observer.
func (m *Metrics) Reconnected() { m.sipReconnects.Inc() }

// The kiosk's modes as the metrics name them.
var modes = []string{"in_service", "no_receipt", "returns_only", "out_of_order", "maintenance"}

// The printer's paper states as the metrics name them.
var papers = []string{kiosk.PaperOK, kiosk.PaperNearEnd, kiosk.PaperOut, kiosk.PaperOffline}

var (
	descOnline  = prometheus.NewDesc("kiosk_library_online", "1 while the library system answers and says it is on line.", nil, nil)
	descInSvc   = prometheus.NewDesc("kiosk_in_service", "1 while the kiosk serves patrons (the /healthz answer).", nil, nil)
	descMode    = prometheus.NewDesc("kiosk_mode", "The kiosk's mode: 1 for the current one.", []string{"mode"}, nil)
	descDevice  = prometheus.NewDesc("kiosk_device_up", "1 while a device is there and answers (reader, printer, library).", []string{"device"}, nil)
	descPaper   = prometheus.NewDesc("kiosk_printer_paper", "The printer's paper state: 1 for the current one.", []string{"state"}, nil)
	descQueue   = prometheus.NewDesc("kiosk_offline_queue_length", "Offline returns waiting to be forwarded.", nil, nil)
	descOldest  = prometheus.NewDesc("kiosk_offline_queue_oldest_age_seconds", "Age of the oldest offline return; 0 when the queue is empty.", nil, nil)
	descJournal = prometheus.NewDesc("kiosk_journal_unsettled", "In-flight journal entries not settled yet.", nil, nil)
	descLocked  = prometheus.NewDesc("kiosk_cards_locked", "Cards locked at this kiosk now.", nil, nil)
	descSkew    = prometheus.NewDesc("kiosk_clock_skew_seconds", "The kiosk's clock minus the library system's (last 98); absent until known.", nil, nil)
	descSystem  = prometheus.NewDesc("kiosk_system_info", "The installed system (RAUC's booted slot and bundle version): always 1; absent without RAUC.", []string{"system"}, nil)
)

// stateCollector reads the core's gauges at each scrape.
type stateCollector struct {
	gauges atomic.Pointer[func() kiosk.Gauges]
}

func (c *stateCollector) current() (kiosk.Gauges, bool) {
	f := c.gauges.Load()
	if f == nil {
		return kiosk.Gauges{}, false
	}
	return (*f)(), true
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOnline, descInSvc, descMode, descDevice, descPaper, descQueue, descOldest, descJournal, descLocked, descSkew, descSystem} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	g, ok := c.current()
	if !ok {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	inService, _ := g.InService()
	gauge(descOnline, b2f(g.ACSOnline))
	gauge(descInSvc, b2f(inService))
	mode := modeName(g)
	for _, name := range modes {
		gauge(descMode, b2f(name == mode), name)
	}
	gauge(descDevice, b2f(g.Reader), "reader")
	gauge(descDevice, b2f(g.ACSOnline), "library")
	if g.Paper != "" {
		gauge(descDevice, b2f(g.Paper != kiosk.PaperOffline), "printer")
		for _, p := range papers {
			gauge(descPaper, b2f(p == g.Paper), p)
		}
	}
	gauge(descQueue, float64(g.QueueLen))
	age := 0.0
	if !g.OldestQueued.IsZero() {
		age = g.Now.Sub(g.OldestQueued).Seconds()
	}
	gauge(descOldest, age)
	gauge(descJournal, float64(g.Journal))
	gauge(descLocked, float64(g.LockedCards))
	if g.Skew != nil {
		gauge(descSkew, g.Skew.Seconds())
	}
	if g.System != "" {
		gauge(descSystem, 1, g.System)
	}
}

// modeName is the kiosk's mode as the metrics name it: a technician's
// switch and maintenance mode first, then the health registry's mode.
func modeName(g kiosk.Gauges) string {
	switch {
	case g.Maintenance:
		return "maintenance"
	case g.OutOfOrder != "":
		return "out_of_order"
	}
	switch g.Mode {
	case kiosk.ModeNoReceipt:
		return "no_receipt"
	case kiosk.ModeReturnsOnly:
		return "returns_only"
	case kiosk.ModeOutOfOrder:
		return "out_of_order"
	}
	return "in_service"
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
