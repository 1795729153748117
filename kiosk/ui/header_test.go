package ui

import (
	"slices"
	"testing"
)

// TestHeaderShowsLibraryName: the header names the library configured
// (library.name), in every language, instead of the generic
// "Selvbetjening"; without a name it falls back to the catalog's title.
func TestHeaderShowsLibraryName(t *testing.T) {
	r, _, _ := setup(t)
	r.opts.LibraryName = "Testrup Bibliotek"
	b := r.bundle
	for _, lang := range []string{"da", "en", "uk"} {
		for _, name := range []string{"welcome", "loan", "out-of-order"} {
			r.Render(sample(t, lang, name))
			s := r.Snapshot()
			if !slices.Contains(s.Texts, "Testrup Bibliotek") {
				t.Errorf("%s %s: no library name in the header (texts %q)", lang, name, s.Texts)
			}
			if title := b.Localizer(lang).T("ui.title"); slices.Contains(s.Texts, title) {
				t.Errorf("%s %s: the generic title %q is still shown", lang, name, title)
			}
		}
	}

	plain, _, _ := setup(t)
	plain.Render(sample(t, "da", "welcome"))
	if s := plain.Snapshot(); !slices.Contains(s.Texts, "Selvbetjening") {
		t.Errorf("without a library name the header shows %q, want the catalog title", s.Texts)
	}
}
