package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/danbib/kiosk/i18n"
)

// libraryTextsInEveryLanguage is a configuration file that gives every
// library text in all seven languages, each text naming its key and
// language so that a mix-up shows.
const libraryTextsInEveryLanguage = `
[library]
pay_where = { da = "pay_where da", en = "pay_where en", de = "pay_where de", sv = "pay_where sv", uk = "pay_where uk", pl = "pay_where pl", tr = "pay_where tr" }
[returns]
hold_shelf = { da = "hold_shelf da", en = "hold_shelf en", de = "hold_shelf de", sv = "hold_shelf sv", uk = "hold_shelf uk", pl = "hold_shelf pl", tr = "hold_shelf tr" }
staff_desk = { da = "staff_desk da", en = "staff_desk en", de = "staff_desk de", sv = "staff_desk sv", uk = "staff_desk uk", pl = "staff_desk pl", tr = "staff_desk tr" }
default_shelf = { da = "default_shelf da", en = "default_shelf en", de = "default_shelf de", sv = "default_shelf sv", uk = "default_shelf uk", pl = "default_shelf pl", tr = "default_shelf tr" }
[returns.sort_bins]
3 = { da = "sort_bins.3 da", en = "sort_bins.3 en", de = "sort_bins.3 de", sv = "sort_bins.3 sv", uk = "sort_bins.3 uk", pl = "sort_bins.3 pl", tr = "sort_bins.3 tr" }
[printer]
footer = { da = "footer da", en = "footer en", de = "footer de", sv = "footer sv", uk = "footer uk", pl = "footer pl", tr = "footer tr" }
`

// Every library text the configuration has (found by walking Config, so a
// new one cannot be missed) is read per language and shown in each of the
// seven languages in its own words.
func TestEveryLibraryTextInEveryLanguage(t *testing.T) {
	c, err := Load(write(t, "k.toml", libraryTextsInEveryLanguage, 0o644))
	if err != nil {
		t.Fatal(err)
	}
	texts := c.LibraryTexts()
	for _, key := range []string{"library.pay_where", "returns.hold_shelf", "returns.staff_desk",
		"returns.default_shelf", "returns.sort_bins.3", "printer.footer"} {
		if _, ok := texts[key]; !ok {
			t.Errorf("LibraryTexts has no %s; it has %v", key, texts)
		}
	}
	for key, text := range texts {
		short := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(key, "library."), "returns."), "printer.")
		for _, l := range i18n.Languages {
			if got, want := text.In(l.Code), short+" "+l.Code; got != want {
				t.Errorf("%s in %s = %q, want %q", key, l.Code, got, want)
			}
		}
	}
}

// A plain string, as every file written before texts had languages, is
// the Danish text and so shows in every language; the older per-language
// keys are added to it.
func TestPlainStringIsTheDanishText(t *testing.T) {
	c, err := Load(write(t, "k.toml", `
[library]
pay_where = "Betal i skranken"
pay_where_in = { de = "Bezahlen am Schalter" }
[returns]
hold_shelf = "Reserveringshylden"
[returns.sort_bins]
B2 = "2"
[printer]
footer = "Tak"
[printer.footers]
en = "Thanks"
`, 0o644))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		got  Text
		want Text
	}{
		{c.Library.PayWhere, Text{"da": "Betal i skranken", "de": "Bezahlen am Schalter"}},
		{c.Returns.HoldShelf, Text{"da": "Reserveringshylden"}},
		{c.Returns.SortBins["B2"], Text{"da": "2"}},
		{c.Printer.Footer, Text{"da": "Tak", "en": "Thanks"}},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
	if got := c.Library.PayWhere.In("uk"); got != "Betal i skranken" {
		t.Errorf("pay_where in uk = %q, want the Danish text", got)
	}
	if got := c.Printer.Footer.In("tr"); got != "Thanks" {
		t.Errorf("footer in tr = %q, want the English text before the Danish", got)
	}
}

// An unknown language code is refused for every library text, naming the
// key and the code; so is a text that no session can fall back to.
func TestLibraryTextLanguagesChecked(t *testing.T) {
	d := Default()
	if len(d.LibraryTexts()) < 5 {
		t.Fatalf("LibraryTexts of the defaults = %v, want pay_where, the three return texts and the footer", d.LibraryTexts())
	}
	for key := range d.LibraryTexts() {
		section, name, _ := strings.Cut(key, ".")
		body := "[" + section + "]\n" + name + " = { da = \"x\", dk = \"y\" }\n"
		_, err := Load(write(t, "k.toml", body, 0o644))
		var e *Error
		if !errors.As(err, &e) || e.Key != key || e.Value != "dk" || !strings.Contains(e.Allowed, "da, en, de, sv, uk, pl, tr") {
			t.Errorf("%s with language dk: err = %v, want an *Error naming the key, dk and the codes", key, err)
		}
	}
	_, err := Load(write(t, "k.toml", "[returns.sort_bins]\nA = { sv = \"Lådan till vänster\" }\n", 0o644))
	if err == nil || !strings.Contains(err.Error(), "returns.sort_bins.A") || !strings.Contains(err.Error(), "a da or en text") {
		t.Errorf("sort bin only in Swedish: err = %v, want it refused for want of a da or en text", err)
	}
	_, err = Load(write(t, "k.toml", "[returns]\nhold_shelf = 3\n", 0o644))
	if err == nil || !strings.Contains(err.Error(), "returns.hold_shelf = 3") || !strings.Contains(err.Error(), "texts by language") {
		t.Errorf("hold_shelf = 3: err = %v, want a wrong-type error that says what is allowed", err)
	}
}
