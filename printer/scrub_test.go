package printer

import "testing"

func TestScrub(t *testing.T) {
	cases := map[string]string{
		"Låner 0101011234 har gebyr":   "Låner ******-**** har gebyr",
		"010101-1234":                  "******-****",
		"010101 1234,0202021234":       "******-****,******-****",
		"ISBN 9788702123456":           "ISBN 9788702123456",   // 13 digits: not a CPR
		"Stregkode 5010471234":         "Stregkode 5010471234", // day 50: not a date
		"3113001234":                   "3113001234",           // month 13
		"Ternet Ninja 3":               "Ternet Ninja 3",
		"tlf. 3333 4444 og 1204991234": "tlf. 3333 4444 og ******-****",
	}
	for in, want := range cases {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	cases := []struct {
		text          string
		width, indent int
		want          []string
	}{
		{"a bb ccc", 4, 0, []string{"a bb", "ccc"}},
		{"  Afleveres senest 31.12.2026", 14, 4, []string{"  Afleveres", "    senest", "    31.12.2026"}},
		{"abcdefghij", 4, 1, []string{"abcd", " efg", " hij"}},
		{"", 10, 0, []string{""}},
		{"æøå æøå", 3, 0, []string{"æøå", "æøå"}},
	}
	for _, c := range cases {
		got := wrap(c.text, c.width, c.indent)
		if len(got) != len(c.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
				break
			}
		}
	}
}
