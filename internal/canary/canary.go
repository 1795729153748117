// Package canary is the privacy tests' canary patron: synthetic test data
// that a test runs a session with and then looks for everywhere the kiosk
// writes (the state directory, logs, receipts, the screen, the metrics), in
// every form it could leak in.
package canary

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// The canary patron is synthetic test data: 01-01-1970 with an obviously
// fake sequence number, a made-up name and PIN. The test runs a whole
// session with it and then looks for it everywhere the kiosk writes.
const (
	CPR   = "0101700042"
	PIN   = "4711"
	First = "Kanariefugl"
	Last  = "Canarysdottir"
)

// patterns are the forms in which the canary could leak: the CPR
// (plain, with a dash, its first six digits: the birth date), the PIN as a
// number of its own, the names; and the CPR and names in hex (either case)
// and base64 (standard and URL alphabets, at each of the three byte
// alignments a value can have inside a longer encoded text).
var patterns = func() []*regexp.Regexp {
	out := []*regexp.Regexp{
		regexp.MustCompile(`010170-?0042`),
		regexp.MustCompile(CPR[:6]),
		regexp.MustCompile(`(^|[^0-9])` + PIN + `([^0-9]|$)`),
		regexp.MustCompile(First),
		regexp.MustCompile(Last),
	}
	for _, v := range []string{CPR, CPR[:6], First, Last} {
		out = append(out, regexp.MustCompile(`(?i)`+hex.EncodeToString([]byte(v))))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			for _, f := range base64Forms(enc, v) {
				out = append(out, regexp.MustCompile(regexp.QuoteMeta(f)))
			}
		}
	}
	return out
}()

// base64Forms returns, for each of the three alignments of v inside a
// longer value, the part of its base64 that depends on v alone.
func base64Forms(enc *base64.Encoding, v string) []string {
	var out []string
	for pad := 0; pad < 3; pad++ {
		s := enc.EncodeToString([]byte(strings.Repeat("\x00", pad) + v))
		// Drop the group shared with the bytes before v and the last group,
		// which depends on the bytes after it.
		lo := 0
		if pad > 0 {
			lo = 4
		}
		hi := len(s) - 4
		if hi-lo >= 4 {
			out = append(out, s[lo:hi])
		}
	}
	return out
}

// Find returns one line per form of the canary found in text, naming
// where and showing the text around it; none when text is clean.
func Find(where, text string) []string {
	var out []string
	for _, re := range patterns {
		if loc := re.FindStringIndex(text); loc != nil {
			lo, hi := max(loc[0]-40, 0), min(loc[1]+40, len(text))
			out = append(out, fmt.Sprintf("%s: %q in …%s…", where, re.String(), text[lo:hi]))
		}
	}
	return out
}
