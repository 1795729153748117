package i18n

import (
	"strings"
	"testing"
)

// A library's text is shown in the session's language, else in English,
// else in Danish, and never in some other language the library happened to
// give.
func TestTextsFallBackToEnglishThenDanish(t *testing.T) {
	all := Texts{"da": "Returhylden", "en": "Returns shelf", "de": "Rückgaberegal"}
	daOnly := Texts{"da": "Returhylden"}
	svOnly := Texts{"sv": "Returhyllan"}
	cases := []struct {
		t    Texts
		lang string
		want string
	}{
		{all, "de", "Rückgaberegal"},
		{all, "da", "Returhylden"},
		{all, "uk", "Returns shelf"},
		{all, "xx", "Returns shelf"},
		{daOnly, "en", "Returhylden"},
		{daOnly, "tr", "Returhylden"},
		{svOnly, "sv", "Returhyllan"},
		{svOnly, "de", ""},
		{nil, "da", ""},
	}
	for _, c := range cases {
		if got := c.t.In(c.lang); got != c.want {
			t.Errorf("%v.In(%q) = %q, want %q", c.t, c.lang, got, c.want)
		}
	}
	if got := Fallbacks("en"); len(got) != 2 || got[0] != "en" || got[1] != "da" {
		t.Errorf("Fallbacks(en) = %v, want [en da]", got)
	}
}

// sameAsDanish lists the messages a language rightly words as Danish does
// (a shared word, a name); every other message must differ from the Danish
// one, so that a key copied without translation cannot ship.
var sameAsDanish = map[string]map[string]bool{
	"en": {"ui.button.ok": true, "receipt.reference": true},
	"de": {"ui.button.ok": true, "receipt.reference": true},
	"sv": {"ui.button.ok": true, "receipt.reference": true, "ui.greeting": true, "receipt.greeting": true,
		"ui.loan.heading": true, "ui.account.loans": true, "receipt.count.account": true},
	"uk": {"ui.button.ok": true},
	"pl": {"ui.button.ok": true},
	"tr": {"receipt.reference": true},
}

// Every catalog message of every language is rendered, with data for its
// template, and is not the Danish text.
func TestEveryMessageTranslated(t *testing.T) {
	b, err := NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	da := b.Localizer(Default)
	data := map[string]any{"Count": 2, "Name": "Anna", "Text": "x", "Branch": "Filial Nord"}
	n := 0
	for _, l := range Languages {
		if l.Code == Default {
			continue
		}
		loc := b.Localizer(l.Code)
		for _, k := range b.Keys(l.Code) {
			if strings.HasPrefix(k, "maint.") {
				continue // the technician's screens
			}
			n++
			got := render(loc, k, data)
			if got == "" || got == k {
				t.Errorf("%s: %s renders %q", l.Code, k, got)
			}
			if got == render(da, k, data) && !sameAsDanish[l.Code][k] {
				t.Errorf("%s: %s is the Danish text %q", l.Code, k, got)
			}
		}
	}
	if n < 6*100 {
		t.Fatalf("only %d messages walked", n)
	}
}

// render renders a message with plural forms for a count of 2, else as a
// plain message.
func render(l *Localizer, id string, data map[string]any) string {
	if s := l.N(id, 2, data); s != id {
		return s
	}
	return l.T(id, data)
}
