package printer_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/danbib/kiosk/printer"
)

// icalProp is one property of a parsed iCalendar component.
type icalProp struct {
	name, params, value string
}

// icalComp is a parsed iCalendar component with its properties and
// sub-components.
type icalComp struct {
	name  string
	props []icalProp
	subs  []*icalComp
}

func (c *icalComp) get(name string) []icalProp {
	var out []icalProp
	for _, p := range c.props {
		if p.name == name {
			out = append(out, p)
		}
	}
	return out
}

// one returns the one value of property name, failing when it is missing
// or repeated.
func (c *icalComp) one(t *testing.T, name string) icalProp {
	t.Helper()
	ps := c.get(name)
	if len(ps) != 1 {
		t.Fatalf("%s has %d %s properties, want 1", c.name, len(ps), name)
	}
	return ps[0]
}

// parseICal is a small strict RFC 5545 parser for the tests: every
// physical line ends in CRLF and is at most 75 octets, continuation lines
// start with one space and never split a UTF-8 sequence, components nest
// properly, and TEXT values use only the escapes \\ \; \, \n.
func parseICal(s string) (*icalComp, error) {
	if !strings.HasSuffix(s, "\r\n") {
		return nil, fmt.Errorf("does not end in CRLF")
	}
	phys := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var logical []string
	for i, l := range phys {
		if len(l) > 75 {
			return nil, fmt.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			return nil, fmt.Errorf("line %d has a bare CR or LF", i+1)
		}
		if !utf8.ValidString(l) {
			return nil, fmt.Errorf("line %d is folded inside a UTF-8 sequence", i+1)
		}
		if strings.HasPrefix(l, " ") {
			if len(logical) == 0 {
				return nil, fmt.Errorf("line %d continues nothing", i+1)
			}
			logical[len(logical)-1] += l[1:]
			continue
		}
		logical = append(logical, l)
	}
	var stack []*icalComp
	var root *icalComp
	for _, l := range logical {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("no colon in %q", l)
		}
		name, params, _ := strings.Cut(name, ";")
		switch name {
		case "BEGIN":
			c := &icalComp{name: value}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.subs = append(top.subs, c)
			} else if root != nil {
				return nil, fmt.Errorf("a second top-level %s", value)
			} else {
				root = c
			}
			stack = append(stack, c)
		case "END":
			if len(stack) == 0 || stack[len(stack)-1].name != value {
				return nil, fmt.Errorf("END:%s does not close the open component", value)
			}
			stack = stack[:len(stack)-1]
		default:
			if len(stack) == 0 {
				return nil, fmt.Errorf("%s outside a component", name)
			}
			v, err := unescapeText(value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			top := stack[len(stack)-1]
			top.props = append(top.props, icalProp{name, params, v})
		}
	}
	if len(stack) > 0 || root == nil {
		return nil, fmt.Errorf("unclosed components")
	}
	return root, nil
}

func unescapeText(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ';' || c == ',' {
			return "", fmt.Errorf("unescaped %q in %q", c, s)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("dangling backslash in %q", s)
		}
		switch s[i] {
		case '\\', ';', ',':
			b.WriteByte(s[i])
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			return "", fmt.Errorf("unknown escape \\%c in %q", s[i], s)
		}
	}
	return b.String(), nil
}

// calendarReceipt is a loan receipt with two due dates, titles that need
// escaping and folding, and patron data that must not reach the codes.
func calendarReceipt() printer.Receipt {
	return printer.Receipt{Kind: printer.KindLoan, Time: time.Date(2026, 11, 24, 10, 15, 0, 0, cet),
		Library: "Demobiblioteket", Branch: "Hovedbiblioteket", Reference: "KIOSK1-20261124-101500",
		PatronName: "Syntetisk Testesen", FeeTotal: 32500,
		Holds: []printer.Hold{{Title: "Hemmelig reservering", Location: "Hovedbiblioteket"}},
		Items: []printer.Item{
			{Title: "Æbler; pærer, \\ blommer", ItemID: "3800000951", Due: at(2026, 12, 22)},
			{Title: "Festen", ItemID: "3800001049", Due: at(2026, 12, 1)},
			{Title: "Den Store Danske Encyklopædi, bind 1: A–Bøg, med særligt lange undertitler", ItemID: "3800000958", Due: at(2026, 12, 22)},
		}}
}

// TestScreenCodesAreCalendars: a loan receipt becomes one RFC 5545
// calendar per due date, earliest first: an all-day event on the due date
// whose summary names the library and the count in the patron's language,
// whose description lists the titles, with a display alarm two days before;
// each within QR version 15 at level M, and nothing of the patron in it.
func TestScreenCodesAreCalendars(t *testing.T) {
	r := calendarReceipt()
	for _, c := range []struct {
		lang, summary1, summary2 string
	}{
		{"da", "Afleveres på Demobiblioteket: 1 materiale", "Afleveres på Demobiblioteket: 2 materialer"},
		{"en", "Due at Demobiblioteket: 1 item", "Due at Demobiblioteket: 2 items"},
	} {
		codes := printer.ScreenCodes(r, bundle(t).Localizer(c.lang))
		if len(codes) != 2 {
			t.Fatalf("%s: %d codes, want one per due date (2)", c.lang, len(codes))
		}
		for i, want := range []struct {
			due, summary string
			titles       []string
		}{
			{"20261201", c.summary1, []string{"Festen"}},
			{"20261222", c.summary2, []string{"Æbler; pærer, \\ blommer", "Den Store Danske Encykl…"}},
		} {
			code := codes[i]
			if got := code.Due.Format("20060102"); got != want.due {
				t.Errorf("%s code %d: due %s, want %s", c.lang, i, got, want.due)
			}
			if v := printer.QRVersion(code.Text); v > printer.MaxQRVersion {
				t.Errorf("%s code %d: QR version %d, want at most %d (%d bytes)", c.lang, i, v, printer.MaxQRVersion, len(code.Text))
			}
			cal, err := parseICal(code.Text)
			if err != nil {
				t.Fatalf("%s code %d: %v\n%s", c.lang, i, err, code.Text)
			}
			if cal.name != "VCALENDAR" || cal.one(t, "VERSION").value != "2.0" || cal.one(t, "PRODID").value == "" {
				t.Errorf("%s code %d: not a VCALENDAR 2.0 with PRODID: %+v", c.lang, i, cal)
			}
			if len(cal.subs) != 1 || cal.subs[0].name != "VEVENT" {
				t.Fatalf("%s code %d: want one VEVENT, got %+v", c.lang, i, cal.subs)
			}
			ev := cal.subs[0]
			if uid := ev.one(t, "UID").value; !strings.Contains(uid, want.due) || !strings.Contains(uid, "KIOSK1-20261124-101500") {
				t.Errorf("%s code %d: UID %q does not name the receipt and the date", c.lang, i, uid)
			}
			if st := ev.one(t, "DTSTAMP").value; st != "20261124T091500Z" {
				t.Errorf("%s code %d: DTSTAMP %q, want the receipt's time in UTC", c.lang, i, st)
			}
			if ds := ev.one(t, "DTSTART"); ds.params != "VALUE=DATE" || ds.value != want.due {
				t.Errorf("%s code %d: DTSTART;%s:%s, want an all-day event on %s", c.lang, i, ds.params, ds.value, want.due)
			}
			if s := ev.one(t, "SUMMARY").value; s != want.summary {
				t.Errorf("%s code %d: SUMMARY %q, want %q", c.lang, i, s, want.summary)
			}
			if d := ev.one(t, "DESCRIPTION").value; d != strings.Join(want.titles, "\n") {
				t.Errorf("%s code %d: DESCRIPTION %q, want the titles %q", c.lang, i, d, want.titles)
			}
			if len(ev.subs) != 1 || ev.subs[0].name != "VALARM" {
				t.Fatalf("%s code %d: want one VALARM, got %+v", c.lang, i, ev.subs)
			}
			al := ev.subs[0]
			if al.one(t, "ACTION").value != "DISPLAY" || al.one(t, "TRIGGER").value != "-P1DT15H" || al.one(t, "DESCRIPTION").value != bundle(t).Localizer(c.lang).Date(code.Due) {
				t.Errorf("%s code %d: alarm %+v, want a display alarm at 09:00 two days before", c.lang, i, al.props)
			}
			for _, secret := range []string{"Syntetisk", "Testesen", "Hemmelig", "325", "3800000951", "Hovedbiblioteket"} {
				if strings.Contains(code.Text, secret) {
					t.Errorf("%s code %d holds %q, which is not the calendar's business", c.lang, i, secret)
				}
			}
		}
	}
}

// TestScreenCodesFallBackToFewerTitles: when the titles of one due date do
// not fit a version 15 code, the event lists those that fit and says how
// many more are due.
func TestScreenCodesFallBackToFewerTitles(t *testing.T) {
	r := calendarReceipt()
	// A long name with æ, ø and a comma: the summary line must be folded
	// (the parser checks 75 octets and whole UTF-8 sequences) and escaped.
	r.Library = "Søndre Ørestads Bibliotek, Æblehaven og Omegn"
	r.Items = nil
	for i := range 20 {
		r.Items = append(r.Items, printer.Item{Title: fmt.Sprintf("Langt, langt værk nummer %d; bind ét", i+1), Due: at(2026, 12, 22)})
	}
	codes := printer.ScreenCodes(r, bundle(t).Localizer("en"))
	if len(codes) != 1 {
		t.Fatalf("%d codes, want 1", len(codes))
	}
	if v := printer.QRVersion(codes[0].Text); v > printer.MaxQRVersion {
		t.Errorf("QR version %d, want at most %d", v, printer.MaxQRVersion)
	}
	cal, err := parseICal(codes[0].Text)
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.subs[0]
	if s := ev.one(t, "SUMMARY").value; s != "Due at Søndre Ørestads Bibliotek, Æblehaven og…: 20 items" {
		t.Errorf("SUMMARY %q, want the library's name cut to 40 characters and all 20 items counted", s)
	}
	// In Ukrainian (two octets a letter) the summary is longer than a line.
	uk := printer.ScreenCodes(r, bundle(t).Localizer("uk"))[0].Text
	if _, err := parseICal(uk); err != nil || !strings.Contains(uk, "\r\n ") {
		t.Errorf("Ukrainian calendar: %v; want it valid with a folded line:\n%s", err, uk)
	}
	lines := strings.Split(ev.one(t, "DESCRIPTION").value, "\n")
	last := lines[len(lines)-1]
	listed := len(lines) - 1
	if listed < 1 || last != fmt.Sprintf("and %d more", 20-listed) {
		t.Errorf("description %q: want some titles, then \"and N more\" for the rest", lines)
	}
	// One more title would not have fitted.
	if listed >= 20 {
		t.Errorf("all 20 titles listed in a version ≤ 15 code?")
	}
}

// TestScreenCodesReturn: a return receipt has no due dates; it becomes one
// short text in the patron's language.
func TestScreenCodesReturn(t *testing.T) {
	r := calendarReceipt()
	r.Kind = printer.KindReturn
	for i := range r.Items {
		r.Items[i].Due = time.Time{}
	}
	codes := printer.ScreenCodes(r, bundle(t).Localizer("de"))
	if len(codes) != 1 || !codes[0].Due.IsZero() {
		t.Fatalf("codes %v, want one without a date", codes)
	}
	want := "Zurückgegeben bei Demobiblioteket am 24.11.2026: 3 Medien\n- Æbler; pærer, \\ blommer\n- Festen\n- Den Store Danske Encykl…"
	if codes[0].Text != want {
		t.Errorf("return code\n%q\nwant\n%q", codes[0].Text, want)
	}
}
