package i18n

import "testing"

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
