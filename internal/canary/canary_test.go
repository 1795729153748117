package canary

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// TestCanaryPatternsFindEncodedForms: the canary search finds the CPR
// however it is encoded inside a longer text, so a clean result means
// something.
func TestCanaryPatternsFindEncodedForms(t *testing.T) {
	for _, pre := range []string{"", "a", "ab", "abc"} {
		v := []byte(pre + "patron=" + CPR + ";")
		for _, text := range []string{
			string(v),
			hex.EncodeToString(v),
			strings.ToUpper(hex.EncodeToString(v)),
			base64.StdEncoding.EncodeToString(v),
			base64.URLEncoding.EncodeToString(v),
			"born " + CPR[:6],
		} {
			if len(Find("t", text)) == 0 {
				t.Errorf("canary not found in %q", text)
			}
		}
	}
}
