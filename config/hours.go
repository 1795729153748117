package config

import (
	"fmt"
	"strings"
	"time"
)

// Hours are the kiosk's opening hours and its nightly reboot ([hours]).
// Each weekday is "" (open all day, the default), "closed", or one or more
// spans "08:00-20:00" separated by commas; a span ends at "24:00" at the
// latest and does not cross midnight.
type Hours struct {
	Monday    string `toml:"monday"`
	Tuesday   string `toml:"tuesday"`
	Wednesday string `toml:"wednesday"`
	Thursday  string `toml:"thursday"`
	Friday    string `toml:"friday"`
	Saturday  string `toml:"saturday"`
	Sunday    string `toml:"sunday"`
	// ClosedDates are whole days closed, "2026-12-24".
	ClosedDates []string `toml:"closed_dates"`
	// Reboot is the time of the nightly maintenance reboot, "03:30"; ""
	// for none.
	Reboot string `toml:"reboot"`
	// Output is the display output wlr-randr switches off outside the
	// hours ("HDMI-A-1"); "" switches every output. The image, whose cage
	// has no output management, switches the whole screen instead.
	Output string `toml:"output"`
}

// Span is one opening: From and To after midnight.
type Span struct{ From, To time.Duration }

// days pairs the weekday keys with their values, Sunday first as in
// time.Weekday.
func (h Hours) days() [7][2]string {
	return [7][2]string{{"sunday", h.Sunday}, {"monday", h.Monday}, {"tuesday", h.Tuesday},
		{"wednesday", h.Wednesday}, {"thursday", h.Thursday}, {"friday", h.Friday}, {"saturday", h.Saturday}}
}

// Set reports whether any opening hours or closed dates are configured;
// without them the kiosk is always open.
func (h Hours) Set() bool {
	for _, d := range h.days() {
		if d[1] != "" {
			return true
		}
	}
	return len(h.ClosedDates) > 0
}

// Week returns each weekday's openings (index time.Weekday); a closed day
// has none, a day left "" is open all day.
func (h Hours) Week() ([7][]Span, []error) {
	var week [7][]Span
	var errs []error
	for i, d := range h.days() {
		spans, err := parseDay(d[1])
		if err != nil {
			errs = append(errs, &Error{"hours." + d[0], d[1], `"" (open all day), "closed", or spans such as "08:00-20:00" or "10:00-12:00, 13:00-17:00"`})
		}
		week[i] = spans
	}
	return week, errs
}

func parseDay(s string) ([]Span, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return []Span{{0, 24 * time.Hour}}, nil
	case "closed":
		return nil, nil
	}
	var out []Span
	for _, part := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%q is not FROM-TO", part)
		}
		from, err1 := clock(a)
		to, err2 := clock(b)
		if err1 != nil || err2 != nil || to <= from {
			return nil, fmt.Errorf("%q is not FROM-TO within one day", part)
		}
		if len(out) > 0 && from < out[len(out)-1].To {
			return nil, fmt.Errorf("%q overlaps or precedes the span before it", part)
		}
		out = append(out, Span{from, to})
	}
	return out, nil
}

// clock reads "HH:MM" (00:00 to 24:00) as the time after midnight.
func clock(s string) (time.Duration, error) {
	var h, m int
	if n, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d", &h, &m); err != nil || n != 2 || len(strings.TrimSpace(s)) != 5 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// RebootAt is the nightly reboot's time after midnight; ok is false when
// no reboot is configured.
func (h Hours) RebootAt() (at time.Duration, ok bool) {
	if h.Reboot == "" {
		return 0, false
	}
	d, err := clock(h.Reboot)
	return d, err == nil && d < 24*time.Hour
}

// ClosedSet returns the closed dates as a set.
func (h Hours) ClosedSet() map[string]bool {
	out := map[string]bool{}
	for _, d := range h.ClosedDates {
		out[d] = true
	}
	return out
}

// validate returns one error per bad [hours] value.
func (h Hours) validate() []error {
	_, errs := h.Week()
	for _, d := range h.ClosedDates {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			errs = append(errs, &Error{"hours.closed_dates", d, `dates such as "2026-12-24"`})
		}
	}
	if _, ok := h.RebootAt(); h.Reboot != "" && !ok {
		errs = append(errs, &Error{"hours.reboot", h.Reboot, `a time of day such as "03:30", or "" for no nightly reboot`})
	}
	if h.Output != "" && strings.ContainsAny(h.Output, " \t\n'\"") {
		errs = append(errs, &Error{"hours.output", h.Output, `an output name as wlr-randr lists it, e.g. "HDMI-A-1"`})
	}
	return errs
}
