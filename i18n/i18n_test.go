package i18n

import (
	"testing"
	"time"
)

// TestCatalogsComplete fails when a key exists in one language but is missing
// in another, so no patron meets a raw message id.
func TestCatalogsComplete(t *testing.T) {
	b, err := NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, l := range Languages {
		for _, k := range b.Keys(l.Code) {
			all[k] = true
		}
	}
	if len(all) == 0 {
		t.Fatal("no catalog keys at all")
	}
	for _, l := range Languages {
		have := map[string]bool{}
		for _, k := range b.Keys(l.Code) {
			have[k] = true
		}
		for k := range all {
			if !have[k] {
				t.Errorf("language %s is missing key %q", l.Code, k)
			}
		}
	}
}

func TestLocalizerFormats(t *testing.T) {
	b, err := NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 3, 14, 5, 0, 0, time.UTC)
	cases := []struct {
		lang, date, money string
	}{
		{"da", "03.12.2026", "1.234,50 kr."},
		{"en", "3 Dec 2026", "DKK 1,234.50"},
		{"de", "03.12.2026", "DKK 1.234,50"},
		{"sv", "2026-12-03", "1\u00a0234,50 kr."},
	}
	for _, c := range cases {
		l := b.Localizer(c.lang)
		if got := l.Date(day); got != c.date {
			t.Errorf("%s date = %q, want %q", c.lang, got, c.date)
		}
		if got := l.Money(123450, "DKK"); got != c.money {
			t.Errorf("%s money = %q, want %q", c.lang, got, c.money)
		}
		if got := l.T("common.language_name"); got == "common.language_name" {
			t.Errorf("%s: common.language_name not found", c.lang)
		}
	}
	if got := b.Localizer("xx").Lang(); got != "da" {
		t.Errorf("unknown language falls back to %q, want da", got)
	}
	if got := b.Localizer("en").T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key renders %q", got)
	}
}
