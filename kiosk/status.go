package kiosk

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// StatusReport is what the runner knows about the kiosk for the
// technician's status screen: facts only, each one measured or read, never
// a patron.
type StatusReport struct {
	At      time.Time
	KioskID string
	Version string
	Commit  string
	// System is the installed system: the booted RAUC slot and its
	// bundle's version ("" without RAUC).
	System      string
	Uptime      time.Duration
	Mode        Mode
	ModeReason  Text
	OutOfOrder  string // the technician's preset, "" when none
	Info        Info
	CallTimeout time.Duration

	ACSOnline bool
	Last98    *ACSStatus // nil until the library system first answered 99
	Last98At  time.Time
	RTTMedian time.Duration
	RTTP95    time.Duration
	RTTCount  int // library-system calls timed in the last hour

	Queue     []QueueRow // offline returns, oldest first
	QueueFull bool
	Journal   []QueueRow // unsettled in-flight journal entries

	Reader     bool
	ReaderInfo string // the reader's answer to Get Software Version (0x65), "" when it has none
	ReaderErr  string

	Paper       string
	PrinterNone bool
	// PrinterState is the printer's own word when it gives one (a
	// PrinterStateReporter): "cover-open" tells an open cover from the
	// other reasons it stands offline.
	PrinterState string

	// ScannerPresent is whether the card scanner is plugged in; without
	// ScannerKnown (a keystroke wedge) the kiosk cannot tell.
	ScannerPresent bool
	ScannerKnown   bool

	ClockSet bool
	NTP      string         // "yes", "no" or "unknown" (the kernel's clock discipline)
	Skew     *time.Duration // our clock minus the last 98's, nil when unknown

	IPs       []string
	FreeBytes int64 // in the state directory; -1 when unknown
	StateDir  string
}

// QueueRow is one entry of the offline queue or the in-flight journal: an
// item id, the operation and a time. Never a patron.
type QueueRow struct {
	ItemID string
	Op     string // "checkin" (offline queue), "checkout" or "checkin" (journal)
	At     time.Time
}

// Level is how a status line looks: green, amber, red, or grey for a fact
// the kiosk does not have.
type Level string

// The levels of a status line.
const (
	LevelOK      Level = "ok"
	LevelWarn    Level = "warn"
	LevelBad     Level = "bad"
	LevelUnknown Level = "unknown"
)

// StatusLine is one line of the status screen: a label, the value, its
// colour and, unless all is well, what to do.
type StatusLine struct {
	Label  string // catalog id
	Value  Text
	Level  Level
	Advice Text
}

// Thresholds of the status lines.
const (
	slowP95   = 2 * time.Second
	lowDisk   = 500 << 20
	emptyDisk = 50 << 20
	skewWarn  = 2 * time.Minute
)

// Lines turns the facts into the status screen's lines, in the order a
// technician asks: is it in service, can it reach the library system, do
// the devices answer, and the machine itself.
func (r StatusReport) Lines() []StatusLine {
	var out []StatusLine
	add := func(label string, level Level, value Text, advice string) {
		l := StatusLine{Label: "maint.status." + label, Value: value, Level: level}
		if advice != "" && level != LevelOK {
			l.Advice = Text{ID: "maint.advice." + advice}
		}
		out = append(out, l)
	}
	raw := func(s string) Text { return Text{Raw: s} }
	data := func(id string, kv ...any) Text {
		d := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			d[kv[i].(string)] = kv[i+1]
		}
		return Text{ID: id, Data: d}
	}

	commit := r.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	add("kiosk", LevelOK, data("maint.value.kiosk", "ID", r.KioskID, "Version", r.Version, "Commit", commit, "Uptime", span(r.Uptime)), "")
	if r.System != "" {
		add("system", LevelOK, raw(r.System), "")
	}

	switch {
	case r.OutOfOrder != "":
		add("mode", LevelBad, forcedReason(r.OutOfOrder), "mode_forced")
	case r.Mode == ModeOutOfOrder:
		add("mode", LevelBad, r.ModeReason, "mode_out_of_order")
	case r.Mode == ModeReturnsOnly:
		add("mode", LevelWarn, r.ModeReason, "mode_returns_only")
	case r.Mode == ModeNoReceipt:
		add("mode", LevelWarn, r.ModeReason, "paper")
	default:
		add("mode", LevelOK, Text{ID: "maint.value.in_service"}, "")
	}

	where := strings.TrimSpace(r.Info.Transport + " " + r.Info.Address)
	if r.ACSOnline {
		add("acs", LevelOK, data("maint.value.acs_online", "Where", where), "")
	} else {
		add("acs", LevelBad, data("maint.value.acs_offline", "Where", where), "acs_offline")
	}
	if r.Last98 == nil {
		add("acs_flags", LevelUnknown, Text{ID: "maint.value.no_98"}, "acs_offline")
	} else {
		st := r.Last98
		level := LevelOK
		if !st.CheckoutOK || !st.CheckinOK || !st.RenewalOK {
			level = LevelWarn
		}
		timeout := "?"
		if st.Timeout > 0 {
			timeout = span(st.Timeout)
		}
		add("acs_flags", level, data("maint.value.acs_flags", "Checkout", ynFlag(st.CheckoutOK), "Checkin", ynFlag(st.CheckinOK),
			"Renewal", ynFlag(st.RenewalOK), "Timeout", timeout, "CallTimeout", span(r.CallTimeout)), "acs_flags")
	}
	if r.RTTCount == 0 {
		add("rtt", LevelUnknown, Text{ID: "maint.value.rtt_none"}, "")
	} else {
		level := LevelOK
		if r.RTTP95 > slowP95 {
			level = LevelWarn
		}
		add("rtt", level, data("maint.value.rtt", "Median", ms(r.RTTMedian), "P95", ms(r.RTTP95), "Count", r.RTTCount), "rtt")
	}

	switch {
	case r.QueueFull:
		add("queue", LevelBad, data("maint.value.queue", "Count", len(r.Queue), "Age", span(r.At.Sub(r.Queue[0].At))), "queue")
	case len(r.Queue) > 0:
		add("queue", LevelWarn, data("maint.value.queue", "Count", len(r.Queue), "Age", span(r.At.Sub(r.Queue[0].At))), "queue")
	default:
		add("queue", LevelOK, Text{ID: "maint.value.queue_empty"}, "")
	}
	if len(r.Journal) > 0 {
		add("journal", LevelBad, data("maint.value.journal", "Count", len(r.Journal)), "journal")
	} else {
		add("journal", LevelOK, Text{ID: "maint.value.journal_empty"}, "")
	}

	dev := strings.TrimSpace(r.Info.ReaderDriver + " " + r.Info.ReaderPort)
	switch {
	case !r.Reader:
		add("reader", LevelBad, data("maint.value.reader_missing", "Device", dev), "reader")
	case r.ReaderErr != "":
		add("reader", LevelWarn, data("maint.value.reader_silent", "Device", dev), "reader")
	case r.ReaderInfo != "":
		add("reader", LevelOK, data("maint.value.reader_ok", "Device", dev, "Firmware", r.ReaderInfo), "")
	default:
		add("reader", LevelOK, data("maint.value.reader_present", "Device", dev), "")
	}

	switch {
	case r.PrinterNone:
		add("printer", LevelUnknown, Text{ID: "maint.value.printer_none"}, "")
	case r.PrinterState == PrinterCoverOpen:
		add("printer", LevelBad, Text{ID: "maint.value.cover_open"}, "")
		out[len(out)-1].Advice = Text{ID: "maint.advice.cover_open"}
	case r.Paper == PaperOK:
		add("printer", LevelOK, Text{ID: "maint.value.paper_ok"}, "")
	case r.Paper == PaperNearEnd:
		add("printer", LevelWarn, Text{ID: "maint.value.paper_near_end"}, "paper")
	case r.Paper == PaperOut:
		add("printer", LevelBad, Text{ID: "maint.value.paper_out"}, "paper")
	default:
		add("printer", LevelBad, Text{ID: "maint.value.printer_offline"}, "printer")
	}

	switch {
	case !r.ScannerKnown:
		add("scanner", LevelUnknown, data("maint.value.scanner", "Scanner", r.Info.Scanner), "")
	case r.ScannerPresent:
		add("scanner", LevelOK, data("maint.value.scanner_present", "Scanner", r.Info.Scanner), "")
	default:
		add("scanner", LevelBad, data("maint.value.scanner_absent", "Scanner", r.Info.Scanner), "")
		out[len(out)-1].Advice = Text{ID: "maint.advice.scanner_absent"}
	}

	skew := "?"
	if r.Skew != nil {
		skew = signed(*r.Skew)
	}
	clock := r.At.Format("2006-01-02 15:04:05")
	ntp := r.NTP
	if ntp != "yes" && ntp != "no" {
		ntp = "unknown"
	}
	clockText := data("maint.value.clock_"+ntp, "Time", clock, "Skew", skew)
	switch {
	case !r.ClockSet:
		add("clock", LevelBad, clockText, "clock")
	case r.NTP == "no", r.Skew != nil && (*r.Skew > skewWarn || *r.Skew < -skewWarn):
		add("clock", LevelWarn, clockText, "clock")
	case r.NTP == "unknown":
		add("clock", LevelUnknown, clockText, "")
	default:
		add("clock", LevelOK, clockText, "")
	}

	if len(r.IPs) == 0 {
		add("network", LevelBad, Text{ID: "maint.value.no_ip"}, "network")
	} else {
		add("network", LevelOK, raw(strings.Join(r.IPs, ", ")), "")
	}

	switch {
	case r.FreeBytes < 0:
		add("disk", LevelUnknown, data("maint.value.disk_unknown", "Dir", r.StateDir), "")
	case r.FreeBytes < emptyDisk:
		add("disk", LevelBad, data("maint.value.disk", "Free", bytesText(r.FreeBytes), "Dir", r.StateDir), "disk")
	case r.FreeBytes < lowDisk:
		add("disk", LevelWarn, data("maint.value.disk", "Free", bytesText(r.FreeBytes), "Dir", r.StateDir), "disk")
	default:
		add("disk", LevelOK, data("maint.value.disk", "Free", bytesText(r.FreeBytes), "Dir", r.StateDir), "")
	}

	sum := r.Info.ConfigSum
	if sum == "" {
		add("config", LevelUnknown, Text{ID: "maint.value.config_default"}, "")
	} else {
		if len(sum) > 16 {
			sum = sum[:16]
		}
		add("config", LevelOK, data("maint.value.config", "Sum", sum), "")
	}
	return out
}

func ynFlag(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// span writes a duration the way a technician reads it: "3d 4h", "2h 05m",
// "4m 10s", "12s".
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd %dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh %02dm", d/time.Hour, d%time.Hour/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm %02ds", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

func signed(d time.Duration) string {
	if d < 0 {
		return "-" + span(-d)
	}
	return "+" + span(d)
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// rttWindow keeps the library system's round-trip times of the last hour.
type rttWindow struct {
	at []time.Time
	d  []time.Duration
}

const rttKeep = time.Hour

func (w *rttWindow) add(now time.Time, d time.Duration) {
	w.trim(now)
	if len(w.d) >= 4096 {
		w.at, w.d = w.at[1:], w.d[1:]
	}
	w.at = append(w.at, now)
	w.d = append(w.d, d)
}

func (w *rttWindow) trim(now time.Time) {
	i := 0
	for i < len(w.at) && now.Sub(w.at[i]) > rttKeep {
		i++
	}
	w.at, w.d = w.at[i:], w.d[i:]
}

// stats returns the median and 95th percentile (nearest rank) of the last
// hour, and how many calls they are taken over.
func (w *rttWindow) stats(now time.Time) (median, p95 time.Duration, n int) {
	w.trim(now)
	n = len(w.d)
	if n == 0 {
		return 0, 0, 0
	}
	s := append([]time.Duration(nil), w.d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) time.Duration {
		k := int(p*float64(n)+0.999999) - 1
		return s[max(0, min(k, n-1))]
	}
	return rank(0.5), rank(0.95), n
}
