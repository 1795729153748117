package kiosk

import (
	"testing"

	"github.com/danbib/kiosk/i18n"
)

// A return's destination is the library's own words in the session's
// language when the library configured them (else English, else Danish),
// the catalog's sentence when it did not, and a sort bin's name is put in
// the session's language inside the catalog's sentence.
func TestReturnDestinationInTheLibrarysWords(t *testing.T) {
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	o := testOpts()
	o.HoldShelf = i18n.Texts{"da": "Sæt den på hylden ved døren", "en": "Put it on the shelf by the door", "de": "Stellen Sie es ins Regal an der Tür"}
	o.ReturnShelf = i18n.Texts{"da": "Læg den i den blå kasse"}
	o.SortBins = map[string]i18n.Texts{"B2": {"da": "den blå", "en": "the blue one", "de": "die blaue"}}
	cases := []struct {
		res  CheckinResult
		lang string
		want string
	}{
		{CheckinResult{OK: true, AlertType: "01", Alert: true}, "de", "Stellen Sie es ins Regal an der Tür"},
		{CheckinResult{OK: true, AlertType: "01", Alert: true}, "uk", "Put it on the shelf by the door"},
		{CheckinResult{OK: true, AlertType: "01", Alert: true}, "da", "Sæt den på hylden ved døren"},
		{CheckinResult{OK: true}, "tr", "Læg den i den blå kasse"},
		{CheckinResult{OK: true, SortBin: "B2"}, "de", b.Localizer("de").T(MsgDestSortBin, map[string]any{"Bin": "die blaue"})},
		{CheckinResult{OK: true, SortBin: "B2"}, "sv", b.Localizer("sv").T(MsgDestSortBin, map[string]any{"Bin": "the blue one"})},
		// No staff_desk configured: the catalog's sentence, translated.
		{CheckinResult{OK: true, Alert: true}, "de", b.Localizer("de").T(MsgDestStaff)},
	}
	for _, c := range cases {
		m := welcome(o)
		c.res.Resensitize = "Y"
		m, _ = run(m, in(InLanguage{Lang: c.lang}), in(InChoose{Screen: ScreenReturn}), EvPadItem{Item: pad("item-1")},
			EvCheckin{ItemID: "item-1", Result: c.res}, EvSecured{ItemID: "item-1", Secured: true})
		v := m.View()
		if len(v.Items) != 1 {
			t.Fatalf("%+v: items %+v", c.res, v.Items)
		}
		if got := v.Items[0].Destination.In(b.Localizer(c.lang)); got != c.want {
			t.Errorf("%+v in %s: %q, want %q", c.res, c.lang, got, c.want)
		}
	}
}
