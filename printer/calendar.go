package printer

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/boombuler/barcode/qr"
)

// MaxQRVersion is the largest QR code the screen shows: version 15 (77×77
// modules) at error correction level M holds 412 bytes, and a phone reads
// it from the screen at arm's length.
const MaxQRVersion = 15

// QRLevel is the error correction level of the on-screen QR codes.
const QRLevel = qr.M

// ScreenCode is one QR code of the receipt screen: an iCalendar object for
// the items due on Due, or, for a return (Due zero), a short plain-text
// summary.
type ScreenCode struct {
	Due  time.Time
	Text string
}

// The limits that keep a code within MaxQRVersion: titles are cut to
// maxTitleRunes, and the library's name in the summary to maxNameRunes.
const (
	maxTitleRunes = 24
	maxNameRunes  = 40
)

// ScreenCodes lays the receipt out as QR codes for the patron's phone.
//
// Loans and renewals become calendars (RFC 5545): one VCALENDAR per due
// date, so that each code stays within MaxQRVersion (one event with its
// reminder already takes about 340 of the 412 bytes), earliest date first.
// Each holds one all-day VEVENT on the due date whose SUMMARY says where
// and how many items are due, in the patron's language, whose DESCRIPTION
// lists the titles (cut to 24 characters), and a VALARM at 09:00 two days
// before. When the titles do not fit, the event lists as many as fit and
// then "and 3 more": typically two or three titles per code. Nothing
// else of the patron goes in: no name, no card, no holds, no fees.
//
// A return receipt has no dates to remember: it becomes one short text
// ("Returned at Demobiblioteket 24.11.2026: 3 items" and the titles), a
// proof the patron can keep.
func ScreenCodes(r Receipt, l Localizer) []ScreenCode {
	library := cutRunes(r.Library, maxNameRunes)
	if r.Kind == KindReturn {
		return []ScreenCode{{Text: fitCode(func(n int) string { return returnText(r, l, library, n) }, len(r.Items))}}
	}
	byDue := map[string][]Item{}
	var dates []time.Time
	for _, it := range r.Items {
		if it.Due.IsZero() {
			continue
		}
		key := it.Due.Format("20060102")
		if _, ok := byDue[key]; !ok {
			dates = append(dates, it.Due)
		}
		byDue[key] = append(byDue[key], it)
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return strings.Compare(a.Format("20060102"), b.Format("20060102")) })
	var out []ScreenCode
	for _, d := range dates {
		items := byDue[d.Format("20060102")]
		text := fitCode(func(n int) string { return calendar(r, l, library, d, items, n) }, len(items))
		out = append(out, ScreenCode{Due: d, Text: text})
	}
	return out
}

// maxCodeBytes is what a version 15 code at level M holds in byte mode:
// a longer text cannot fit, so fitCode need not encode it to know.
const maxCodeBytes = 412

// fitCode returns build(n) for the largest n ≤ all (titles listed) whose QR
// code fits MaxQRVersion, or build(0).
func fitCode(build func(n int) string, all int) string {
	for n := all; n > 0; n-- {
		if s := build(n); len(s) <= maxCodeBytes && QRVersion(s) <= MaxQRVersion {
			return s
		}
	}
	return build(0)
}

// QRVersion is the version of the QR code the screen draws for text at
// QRLevel (1 to 40), or 41 when it does not fit any.
func QRVersion(text string) int {
	code, err := qr.Encode(text, QRLevel, qr.Auto)
	if err != nil {
		return 41
	}
	return (code.Bounds().Dx() - 17) / 4
}

// calendar is the VCALENDAR for the items due on due, listing the first n
// titles.
func calendar(r Receipt, l Localizer, library string, due time.Time, items []Item, n int) string {
	summary := l.N("qr.calendar.summary", len(items), map[string]any{"Library": library})
	var desc []string
	for _, it := range items[:n] {
		desc = append(desc, cutRunes(it.Title, maxTitleRunes))
	}
	if rest := len(items) - n; rest > 0 {
		desc = append(desc, l.N("qr.calendar.more", rest))
	}
	ref := r.Reference
	if ref == "" {
		ref = "KIOSK-" + r.Time.Format("20060102-150405")
	}
	var b strings.Builder
	for _, line := range []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//danbib//kiosk//EN",
		"BEGIN:VEVENT",
		"UID:" + escapeText(ref) + "-" + due.Format("20060102"),
		"DTSTAMP:" + r.Time.UTC().Format("20060102T150405Z"),
		"DTSTART;VALUE=DATE:" + due.Format("20060102"),
		"SUMMARY:" + escapeText(summary),
		"DESCRIPTION:" + escapeText(strings.Join(desc, "\n")),
		"BEGIN:VALARM",
		"ACTION:DISPLAY",
		// 09:00 on the day two days before the all-day event's midnight.
		"TRIGGER:-P1DT15H",
		// Phones show the event's summary with the alarm; the DESCRIPTION
		// that a display alarm must have is only the due date, so that a
		// long library name does not crowd out the titles.
		"DESCRIPTION:" + escapeText(l.Date(due)),
		"END:VALARM",
		"END:VEVENT",
		"END:VCALENDAR",
	} {
		b.WriteString(foldLine(line))
	}
	return b.String()
}

// returnText is the plain-text summary of a return receipt with the first
// n titles.
func returnText(r Receipt, l Localizer, library string, n int) string {
	lines := []string{l.N("qr.return.summary", len(r.Items), map[string]any{"Library": library, "Date": l.Date(r.Time)})}
	for _, it := range r.Items[:n] {
		lines = append(lines, "- "+cutRunes(it.Title, maxTitleRunes))
	}
	if rest := len(r.Items) - n; rest > 0 {
		lines = append(lines, l.N("qr.calendar.more", rest))
	}
	return strings.Join(lines, "\n")
}

// escapeText escapes an iCalendar TEXT value (RFC 5545 3.3.11): backslash,
// semicolon, comma and newline.
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldLine ends a content line with CRLF, folding it (RFC 5545 3.1) into
// lines of at most 75 octets, each continuation starting with a space, and
// never inside a UTF-8 sequence.
func foldLine(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}

// cutRunes shortens s to at most n runes, ending it with "…" when cut.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
