package scanner

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Every CPR number in these tests is synthetic test data: dates like
// 01-01-1970 with made-up sequence numbers, or the synthetic health card of
// protocols.md §5. None belongs to a person.

// healthTrack2 is the synthetic test card's track 2 (CPR 010170-2345).
const healthTrack2 = ";9208100401017023451041173083461010814?"

func pad(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }

// healthTrack1 is a synthetic track 1: name (with '|' = ø in DEC NRCS),
// address, municipality and postcode.
var healthTrack1 = "%" + pad("TESTESEN^S|REN", 34) + pad("TESTVEJ 1", 34) + "101" + "1000" + "?"

func TestIdentifyCPR(t *testing.T) {
	rules := DefaultRules()
	cases := []struct {
		in   string
		want string
		date string
	}{
		{"0101701234", "0101701234", "1970-01-01"},  // synthetic
		{"010170-1234", "0101701234", "1970-01-01"}, // synthetic, with dash
		{" 0101701234\r\n", "0101701234", ""},       // trailing Enter, blanks
		{"0101204123", "0101204123", "2020-01-01"},  // 4, YY<=36 -> 2000s
		{"0101504123", "0101504123", "1950-01-01"},  // 4, YY>36 -> 1900s
		{"0101209123", "0101209123", "2020-01-01"},  // 9, YY<=36 -> 2000s
		{"0101575123", "0101575123", "2057-01-01"},  // 5, YY<=57 -> 2000s
		{"0101585123", "0101585123", "1858-01-01"},  // 5, YY>57 -> 1800s
		{"2902004123", "2902004123", "2000-02-29"},  // leap day 2000
		{"!BA100101701234!C", "0101701234", ""},     // bibselv wrapper
		{"0101701235", "0101701235", "1970-01-01"},  // mod-11 is not checked
		{healthTrack2, "0101702345", "1970-01-01"},  // health card track 2
		{healthTrack1 + healthTrack2, "0101702345", ""},
	}
	for _, c := range cases {
		id, err := Identify(c.in, rules)
		if err != nil {
			t.Errorf("Identify(%q): %v", c.in, err)
			continue
		}
		if id.Kind != KindCPR || id.Value != c.want {
			t.Errorf("Identify(%q) = %d %q, want CPR %q", c.in, id.Kind, id.Value, c.want)
		}
		if c.date != "" {
			d, ok := CPRBirthDate(id.Value)
			if !ok || d.Format(time.DateOnly) != c.date {
				t.Errorf("birth date of %q = %v %v, want %s", c.in, d, ok, c.date)
			}
		}
	}
}

func TestIdentifyLibraryCard(t *testing.T) {
	rules := DefaultRules()
	for _, in := range []string{"12345678", "12345678901", "LL12345678", "!BD1012345678!C", "AB-123456"} {
		id, err := Identify(in, rules)
		if err != nil {
			t.Errorf("Identify(%q): %v", in, err)
			continue
		}
		if id.Kind != KindLibraryCard {
			t.Errorf("Identify(%q) kind %v", in, id.Kind)
		}
	}
	// Configured patterns replace the default ones.
	rules.LibraryCardPatterns = []string{`X[0-9]{3}`}
	if id, err := Identify("X123", rules); err != nil || id.Value != "X123" {
		t.Errorf("custom pattern: %v %v", id, err)
	}
	if _, err := Identify("12345678", rules); !errors.Is(err, ErrUnrecognised) {
		t.Errorf("default pattern still used: %v", err)
	}
	// A 10-digit card number when the library says so.
	rules.LibraryCardPatterns = []string{`[0-9]{10}`}
	if id, err := Identify("9999999999", rules); err != nil || id.Kind != KindLibraryCard {
		t.Errorf("10-digit card: %v %v", id, err)
	}
}

func TestIdentifyRejects(t *testing.T) {
	rules := DefaultRules()
	cases := []struct {
		in   string
		want error
	}{
		{"", ErrEmpty},
		{" \r\n", ErrEmpty},
		{"!BA10!C", ErrEmpty},
		{"2902001234", ErrBadCPRDate}, // 1900 was no leap year (synthetic)
		{"3204701234", ErrBadCPRDate},
		{"0113701234", ErrBadCPRDate},
		{"0001701234", ErrBadCPRDate},
		{"010170-12345", ErrUnrecognised},
		{"0101701234|AOx", ErrDelimiter},
		{"1234|5678", ErrDelimiter},
		{"01017\r01234", ErrControlChar},
		{"0101701234\n\n", ErrControlChar},
		{"0101\n701234", ErrControlChar},
		{"12345678\x00", ErrControlChar},
		{"12345678\x1b", ErrControlChar},
		{"\xff\xfe1234", ErrControlChar},
		{"abc", ErrUnrecognised},
		{"12", ErrUnrecognised},
		{"hello world", ErrUnrecognised},
		{strings.Repeat("1", 600), ErrTooLong},
		{healthTrack1, ErrUnrecognised},                             // track 1 only: one-track reader
		{";9208100401017023451041173083461010814", ErrUnrecognised}, // no end sentinel
		{";9208100401319923451041173083461010814?", ErrBadCPRDate},  // CPR field 013199-2345: month 31
		{";12345678?;87654321?", ErrConflictingSwipes},
	}
	for _, c := range cases {
		id, err := Identify(c.in, rules)
		if !errors.Is(err, c.want) {
			t.Errorf("Identify(%q) = %v, %v; want %v", c.in, id, err, c.want)
		}
		var re *RejectError
		if err != nil && !errors.As(err, &re) {
			t.Errorf("Identify(%q) error %T is not a *RejectError", c.in, err)
		}
		if err != nil && len(c.in) >= 4 && strings.Contains(err.Error(), strings.TrimSpace(c.in)) {
			t.Errorf("error message %q repeats the input", err)
		}
	}
	rules.AllowCPR = false
	if _, err := Identify("0101701234", rules); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("CPR while turned off: %v", err)
	}
	rules = DefaultRules()
	rules.AllowLibraryCard = false
	if _, err := Identify("12345678", rules); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("card while turned off: %v", err)
	}
	rules.LibraryCardPatterns = []string{"("}
	if err := rules.Validate(); err == nil {
		t.Error("Validate accepted a broken pattern")
	}
}

func TestHealthCardSwipedTwice(t *testing.T) {
	rules := DefaultRules()
	for _, in := range []string{
		healthTrack2 + healthTrack2,
		healthTrack1 + healthTrack2 + healthTrack1 + healthTrack2,
		healthTrack1 + healthTrack2 + ";E?", // a misread second swipe is ignored
		";E?" + healthTrack2,
		healthTrack1 + healthTrack2 + ";12345678?", // a 3-track reader's track 3
	} {
		id, err := Identify(in, rules)
		if err != nil || id.Kind != KindCPR || id.Value != "0101702345" {
			t.Errorf("Identify(two swipes %d chars) = %v, %v", len(in), id, err)
		}
	}
	// Two different cards in one burst: refuse rather than guess.
	other := strings.Replace(healthTrack2, "0101702345", "0202702345", 1) // synthetic
	if _, err := Identify(healthTrack2+other, rules); !errors.Is(err, ErrConflictingSwipes) {
		t.Errorf("two different cards: %v", err)
	}
}

func TestFullStripeOffsets(t *testing.T) {
	// protocols.md §5: in the 116-character two-track string the CPR sits at
	// offsets 86–95.
	full := healthTrack1 + healthTrack2
	if len(full) != 116 {
		t.Fatalf("synthetic stripe is %d characters, want 116", len(full))
	}
	if full[86:96] != "0101702345" {
		t.Fatalf("CPR not at offset 86: %q", full[86:96])
	}
	tracks, ok := ParseStripe(full)
	if !ok || len(tracks) != 2 || tracks[0].Number != 1 || tracks[1].Number != 2 {
		t.Fatalf("ParseStripe = %v %v", tracks, ok)
	}
}

func TestMaskAndFormatNeverLeakCPR(t *testing.T) {
	if got := MaskCPR("0101701234"); got != "010170-XXXX" {
		t.Errorf("MaskCPR = %q", got)
	}
	if got := MaskCPR("010170-1234"); got != "010170-XXXX" {
		t.Errorf("MaskCPR dashed = %q", got)
	}
	if got := MaskCPR("12345"); got != "XXXXX" {
		t.Errorf("MaskCPR of non-CPR = %q", got)
	}
	id := PatronID{Kind: KindCPR, Value: "0101701234"}
	type wrapper struct{ P PatronID }
	for _, s := range []string{
		fmt.Sprint(id), fmt.Sprintf("%v", id), fmt.Sprintf("%+v", id), fmt.Sprintf("%#v", id),
		fmt.Sprintf("%s", id), fmt.Sprintf("%q", id), fmt.Sprintf("%v", wrapper{id}),
		fmt.Sprintf("%+v", &wrapper{id}), fmt.Sprintf("%v", []PatronID{id}), id.String(),
	} {
		if strings.Contains(s, "1234") {
			t.Errorf("formatted patron id leaks the CPR: %s", s)
		}
		if !strings.Contains(s, "010170-XXXX") {
			t.Errorf("formatted patron id %q lacks the masked CPR", s)
		}
	}
	card := PatronID{Kind: KindLibraryCard, Value: "LL12345678"}
	if s := fmt.Sprint(card); strings.Contains(s, "12345") || !strings.HasSuffix(s, "678") {
		t.Errorf("card formatted as %q", s)
	}
	scan := Scan{Text: []byte("0101701234"), Source: SourceHID}
	for _, s := range []string{fmt.Sprint(scan), fmt.Sprintf("%+v", scan), fmt.Sprintf("%#v", scan)} {
		if strings.Contains(s, "0101701234") {
			t.Errorf("Scan formatted as %q", s)
		}
	}
}
