package kiosk

import "testing"

// TestCardShown: a card number is shown grouped by four; a number that can
// be a CPR shows its birth date and masks the last four (synthetic numbers,
// not real CPRs).
func TestCardShown(t *testing.T) {
	for _, c := range []struct{ typed, want string }{
		{"", ""},
		{"1234", "1234"},
		{"12345", "1234 5"},
		{"3800001126", "3800 0011 26"}, // month 00: not a date
		{"010190", "010190"},
		{"0101901", "010190-*"},
		{"0101901234", "010190-****"},
		{"01019012345", "0101 9012 345"}, // eleven digits: no CPR
		{"3213901234", "3213 9012 34"},   // month 13
		{"LN12345678", "LN12 3456 78"},
	} {
		if got := string(CardShown([]byte(c.typed))); got != c.want {
			t.Errorf("CardShown(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
}

// TestViewShowsTypedCard: the identify screen's view carries the typed
// number as CardShown makes it, and no view carries it after Clear.
func TestViewShowsTypedCard(t *testing.T) {
	m := welcome(testOpts())
	m, _ = run(m, append([]Event{in(InChoose{Screen: ScreenLoan})}, keys("0101901234")...)...)
	if got := string(m.View().Card); got != "010190-****" {
		t.Fatalf("view card = %q", got)
	}
	m, _ = run(m, in(InClear{}))
	if got := m.View().Card; len(got) != 0 {
		t.Errorf("view card after clear = %q", got)
	}
}
