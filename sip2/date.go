package sip2

import (
	"fmt"
	"strings"
	"time"
)

// DateLayout is the Go layout of the spec's 18-character date
// YYYYMMDDZZZZHHMMSS with four spaces as zone, meaning local time.
const DateLayout = "20060102    150405"

// ZeroDate is the all-zero date that means "unsupported" (98 date/time sync).
const ZeroDate = "000000000000000000"

// BlankDate is the 18-space date the spec itself sends in unused fixed
// dates (e.g. a checkin's return date).
const BlankDate = "                  "

// FormatDate formats t in its own location in the spec's local-time form.
// Pass times already converted to the ACS's zone.
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return BlankDate
	}
	return t.Format(DateLayout)
}

// ParseDate parses a fixed SIP2 date leniently: the 18-character form with a
// blank zone (local time, interpreted in loc) or with a zone letter such as
// "   Z" (UTC) or with four digits such as "0000" (local time, as Sierra
// sends it), and the short forms real ACSes send ("20080228 145537",
// "20080228145537", "20080228"). A blank or all-zero value yields the zero
// time and no error. loc nil means time.Local.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	t := strings.TrimSpace(s)
	if t == "" || strings.Trim(t, "0") == "" {
		return time.Time{}, nil
	}
	if len(t) < 8 || !allDigits(t[:8]) {
		return time.Time{}, fmt.Errorf("sip2: bad date %q", s)
	}
	day := t[:8]
	rest := t[8:]
	if len(t) == 18 && allDigits(t) {
		// A four-digit zone (Sierra's and Polaris's "0000") names no zone
		// the spec knows; it is read as local time like a blank one.
		rest = t[12:]
	}
	// The time of day is the trailing run of digits; what lies between is
	// the zone (spaces, or a letter such as Z).
	i := len(rest)
	for i > 0 && rest[i-1] >= '0' && rest[i-1] <= '9' {
		i--
	}
	clock := rest[i:]
	mid := strings.TrimSpace(rest[:i])
	useLoc := loc
	switch mid {
	case "":
	case "Z", "UTC", "GMT":
		useLoc = time.UTC
	default:
		return time.Time{}, fmt.Errorf("sip2: bad date zone %q in %q", mid, s)
	}
	switch len(clock) {
	case 0:
		clock = "000000"
	case 4:
		clock += "00"
	case 6:
	default:
		return time.Time{}, fmt.Errorf("sip2: bad time of day in date %q", s)
	}
	v, err := time.ParseInLocation("20060102150405", day+clock, useLoc)
	if err != nil {
		return time.Time{}, fmt.Errorf("sip2: bad date %q: %w", s, err)
	}
	return v, nil
}

// dueLayouts are the free-format due dates seen in AH fields, tried in order
// after the SIP date form.
var dueLayouts = []string{
	"1/2/2006,15:04",
	"1/2/2006 15:04",
	"1/2/2006,15:04:05",
	"1/2/2006",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"02.01.2006 15:04",
	"02.01.2006",
	"02-01-2006",
}

// ParseDueDate parses the free-format AH due date leniently: the SIP date
// form (FBS: "20170720    000000"), "YYYYMMDD", ISO dates and the
// "5/23/2008,23:59" form of the php-sip2 examples. loc nil means time.Local.
func ParseDueDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return time.Time{}, fmt.Errorf("sip2: empty due date")
	}
	if len(t) >= 8 && allDigits(t[:8]) {
		if v, err := ParseDate(t, loc); err == nil && !v.IsZero() {
			return v, nil
		}
	}
	for _, l := range dueLayouts {
		if v, err := time.ParseInLocation(l, t, loc); err == nil {
			return v, nil
		}
	}
	return time.Time{}, fmt.Errorf("sip2: unrecognised due date %q", s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
