// Package scanner turns what a patron scans, swipes or types into a patron
// id: a USB HID barcode scanner read directly through a usbio.Transport (so
// scans never reach the screen), a keystroke wedge for scanners that type
// into the UI, the health card's magnetic stripe, and Identify, which
// validates any of these texts.
//
// A CPR number is personal data: PatronID, Scan and the rejection errors
// never print it in full, so they are safe in logs with %v.
package scanner

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Kind is the type of a patron id.
type Kind int

// Kinds of patron id.
const (
	KindCPR         Kind = iota + 1 // Danish personal number, 10 digits
	KindLibraryCard                 // a library card number
)

func (k Kind) String() string {
	switch k {
	case KindCPR:
		return "CPR"
	case KindLibraryCard:
		return "library card"
	}
	return "unknown"
}

// PatronID is an identified patron. Value is what the library system gets
// as patron identifier (AA in SIP2): for a CPR the 10 digits without dash.
type PatronID struct {
	Kind  Kind
	Value string
}

// String masks the id: "CPR 010170-XXXX" or "library card XXXXX678".
func (p PatronID) String() string {
	switch p.Kind {
	case KindCPR:
		return "CPR " + MaskCPR(p.Value)
	case KindLibraryCard:
		return "library card " + maskTail(p.Value, 3)
	}
	return "no patron id"
}

// GoString keeps %#v masked too.
func (p PatronID) GoString() string { return "scanner.PatronID{" + p.String() + "}" }

// Format makes every verb (%v, %+v, %s, %q, %#v) print the masked form, so
// a PatronID in a log line never leaks the full number.
func (p PatronID) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", p.String())
	default:
		if verb == 'v' && f.Flag('#') {
			fmt.Fprint(f, p.GoString())
			return
		}
		fmt.Fprint(f, p.String())
	}
}

// MaskCPR shows a CPR number's birth date and hides the sequence number:
// "0101701234" and "010170-1234" both give "010170-XXXX". Anything that is not
// a CPR number is masked completely.
func MaskCPR(s string) string {
	d, ok := cprDigits(s)
	if !ok {
		return strings.Repeat("X", utf8.RuneCountInString(s))
	}
	return d[:6] + "-XXXX"
}

func maskTail(s string, keep int) string {
	r := []rune(s)
	if len(r) <= keep {
		return strings.Repeat("X", len(r))
	}
	return strings.Repeat("X", len(r)-keep) + string(r[len(r)-keep:])
}

// Reason is why a text is not a patron id.
type Reason int

// Rejection reasons.
const (
	ReasonEmpty             Reason = iota + 1 // nothing but blanks
	ReasonTooLong                             // longer than Rules.MaxLength
	ReasonControlChar                         // CR, LF or another control character inside
	ReasonDelimiter                           // '|', the SIP2 field delimiter
	ReasonBadCPRDate                          // 10 digits that are not a date under the century rule
	ReasonNotAllowed                          // a CPR or card number while the rules turn that kind off
	ReasonConflictingSwipes                   // several magnetic stripes with different numbers
	ReasonUnrecognised                        // matches no CPR or card pattern
)

var reasonText = map[Reason]string{
	ReasonEmpty:             "empty",
	ReasonTooLong:           "too long",
	ReasonControlChar:       "contains a control character",
	ReasonDelimiter:         "contains the SIP2 delimiter '|'",
	ReasonBadCPRDate:        "10 digits but not a valid CPR date",
	ReasonNotAllowed:        "this kind of id is turned off",
	ReasonConflictingSwipes: "swipes with different numbers",
	ReasonUnrecognised:      "not a CPR or library card number",
}

func (r Reason) String() string {
	if s, ok := reasonText[r]; ok {
		return s
	}
	return "rejected"
}

// RejectError says why Identify refused a text. Its message never contains
// the text itself. Test for a reason with errors.Is(err, scanner.ErrBadCPRDate).
type RejectError struct {
	Reason Reason
	Kind   Kind // for ReasonNotAllowed: the kind that is turned off
}

func (e *RejectError) Error() string { return "scanner: rejected: " + e.Reason.String() }

// Is matches another *RejectError with the same reason.
func (e *RejectError) Is(target error) bool {
	t, ok := target.(*RejectError)
	return ok && t.Reason == e.Reason
}

// Sentinels for errors.Is.
var (
	ErrEmpty             = &RejectError{Reason: ReasonEmpty}
	ErrTooLong           = &RejectError{Reason: ReasonTooLong}
	ErrControlChar       = &RejectError{Reason: ReasonControlChar}
	ErrDelimiter         = &RejectError{Reason: ReasonDelimiter}
	ErrBadCPRDate        = &RejectError{Reason: ReasonBadCPRDate}
	ErrNotAllowed        = &RejectError{Reason: ReasonNotAllowed}
	ErrConflictingSwipes = &RejectError{Reason: ReasonConflictingSwipes}
	ErrUnrecognised      = &RejectError{Reason: ReasonUnrecognised}
)

func reject(r Reason) error { return &RejectError{Reason: r} }

// Rules configure Identify; the lead maps them from the TOML configuration.
type Rules struct {
	// AllowCPR accepts CPR numbers, typed, scanned or from the health card
	// (default true).
	AllowCPR bool
	// AllowLibraryCard accepts library card numbers (default true).
	AllowLibraryCard bool
	// LibraryCardPatterns are regular expressions a card number must match
	// in full (they are anchored). The default fits the numbers Danish
	// public libraries print on their cards: 4–9 or 11–14 digits, or 1–4
	// letters followed by 4–14 digits (e.g. "LL" + digits from a 2-of-5
	// code). Ten-digit numbers are left to the CPR rule on purpose, so a
	// mistyped CPR number is reported as such instead of becoming an
	// unknown card. Add `[0-9]{10}` here if the library issues 10-digit cards.
	LibraryCardPatterns []string
	// MaxLength is the longest text looked at, in bytes (default 512, enough
	// for both tracks of a health card swiped twice).
	MaxLength int
}

// DefaultRules returns the defaults documented on Rules.
func DefaultRules() Rules {
	return Rules{
		AllowCPR:         true,
		AllowLibraryCard: true,
		LibraryCardPatterns: []string{
			`[0-9]{4,9}`,
			`[0-9]{11,14}`,
			`[A-Za-z]{1,4}-?[0-9]{4,14}`,
		},
		MaxLength: 512,
	}
}

// Validate reports the first library card pattern that does not compile.
// Identify ignores such patterns; call Validate when loading the config.
func (r Rules) Validate() error {
	for _, p := range r.LibraryCardPatterns {
		if _, err := compilePattern(p); err != nil {
			return fmt.Errorf("scanner: library card pattern %q: %w", p, err)
		}
	}
	return nil
}

// patterns caches compiled library card patterns, since Rules is passed by
// value and the same few patterns come back on every scan.
var patterns sync.Map // string -> *regexp.Regexp

func compilePattern(p string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, err
	}
	patterns.Store(p, re)
	return re, nil
}

func (r Rules) matchesCard(s string) bool {
	for _, p := range r.LibraryCardPatterns {
		if re, err := compilePattern(p); err == nil && re.MatchString(s) {
			return true
		}
	}
	return false
}

// Identify turns scanned, swiped or typed text into a patron id, or returns
// a *RejectError saying why not. It accepts:
//   - a CPR number, "DDMMYYSSSS" or "DDMMYY-SSSS", whose date exists under
//     the century rule of the 7th digit (the modulus-11 check is not used:
//     it was abandoned in 2007);
//   - a library card number matching rules.LibraryCardPatterns;
//   - either of these wrapped by a bibselv-configured scanner as "!B<id>…!C";
//   - a health card's magnetic stripe (track 2, with or without track 1,
//     also swiped twice): the CPR number inside track 2.
//
// One trailing Enter (CR, LF or CRLF) and surrounding blanks are ignored;
// CR or LF inside, other control characters and the SIP2 delimiter '|' are
// refused.
func Identify(text string, rules Rules) (PatronID, error) {
	max := rules.MaxLength
	if max <= 0 {
		max = 512
	}
	if len(text) > max {
		return PatronID{}, reject(ReasonTooLong)
	}
	s := strings.TrimSuffix(text, "\n")
	s = strings.TrimSuffix(s, "\r")
	s = strings.Trim(s, " \t")
	if s == "" {
		return PatronID{}, reject(ReasonEmpty)
	}
	if !utf8.ValidString(s) {
		return PatronID{}, reject(ReasonControlChar)
	}
	for _, c := range s {
		if unicode.IsControl(c) || c == utf8.RuneError || c == '\u2028' || c == '\u2029' {
			return PatronID{}, reject(ReasonControlChar)
		}
	}
	if s[0] == '%' || s[0] == ';' {
		return identifyStripe(s, rules)
	}
	if strings.HasPrefix(s, "!B") && strings.HasSuffix(s, "!C") && len(s) >= 7 {
		// bibselv wraps codes as !B + a 3-character symbology id + data + !C.
		s = strings.Trim(s[5:len(s)-2], " ")
		if s == "" {
			return PatronID{}, reject(ReasonEmpty)
		}
	}
	return classify(s, rules)
}

// classify decides between CPR and library card for a cleaned candidate.
func classify(s string, rules Rules) (PatronID, error) {
	if strings.ContainsRune(s, '|') {
		return PatronID{}, reject(ReasonDelimiter)
	}
	if d, ok := cprDigits(s); ok {
		if validCPRDate(d) {
			if !rules.AllowCPR {
				return PatronID{}, &RejectError{Reason: ReasonNotAllowed, Kind: KindCPR}
			}
			return PatronID{Kind: KindCPR, Value: d}, nil
		}
		if rules.AllowLibraryCard && rules.matchesCard(s) {
			return PatronID{Kind: KindLibraryCard, Value: s}, nil
		}
		return PatronID{}, reject(ReasonBadCPRDate)
	}
	if rules.matchesCard(s) {
		if !rules.AllowLibraryCard {
			return PatronID{}, &RejectError{Reason: ReasonNotAllowed, Kind: KindLibraryCard}
		}
		return PatronID{Kind: KindLibraryCard, Value: s}, nil
	}
	return PatronID{}, reject(ReasonUnrecognised)
}

// cprDigits returns the 10 digits of "DDMMYYSSSS" or "DDMMYY-SSSS".
func cprDigits(s string) (string, bool) {
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	if len(s) != 10 {
		return "", false
	}
	for i := 0; i < 10; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}

// CPRBirthDate returns the birth date encoded in a CPR number under the
// century rule of the 7th digit (protocols.md §5):
// 0–3 → 1900s; 4 or 9 → 2000s if YY ≤ 36, else 1900s; 5–8 → 2000s if
// YY ≤ 57, else 1800s.
func CPRBirthDate(cpr string) (time.Time, bool) {
	d, ok := cprDigits(cpr)
	if !ok {
		return time.Time{}, false
	}
	num := func(i int) int { return int(d[i]-'0')*10 + int(d[i+1]-'0') }
	day, month, yy := num(0), num(2), num(4)
	var century int
	switch c := d[6] - '0'; {
	case c <= 3:
		century = 1900
	case c == 4 || c == 9:
		century = 1900
		if yy <= 36 {
			century = 2000
		}
	default: // 5–8
		century = 1800
		if yy <= 57 {
			century = 2000
		}
	}
	if month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	t := time.Date(century+yy, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != month {
		return time.Time{}, false
	}
	return t, true
}

func validCPRDate(d string) bool {
	_, ok := CPRBirthDate(d)
	return ok
}

// IdentifyBytes is Identify for text held in a buffer the caller zeroes
// after use, as the kiosk does with everything a patron scans or types. The
// rules read the text through a string view of text rather than a copy,
// and the id comes back as a new slice the caller owns; a string Identify
// had to build (a CPR number without its dash) is zeroed before returning,
// so no copy of the number is left in freed memory.
func IdentifyBytes(text []byte, rules Rules) (Kind, []byte, error) {
	view := unsafe.String(unsafe.SliceData(text), len(text))
	id, err := Identify(view, rules)
	if err != nil {
		return 0, nil, err
	}
	out := append(make([]byte, 0, len(id.Value)), id.Value...)
	wipeUnlessWithin(id.Value, text)
	return id.Kind, out, nil
}

// wipeUnlessWithin zeroes the bytes of s unless they lie inside buf (then
// s is a substring of the caller's text, which the caller zeroes). s was
// built from the text at run time, never a literal, so its bytes are on the
// heap and may be written.
func wipeUnlessWithin(s string, buf []byte) {
	if len(s) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	if len(buf) > 0 {
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
		if p >= lo && p < lo+uintptr(len(buf)) {
			return
		}
	}
	clear(unsafe.Slice(unsafe.StringData(s), len(s)))
}
