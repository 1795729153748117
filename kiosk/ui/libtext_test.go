package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
)

// catalogTemplates reads every message template of the embedded catalogs
// (i18n/locales/*.json) by language, plural forms included.
func catalogTemplates(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("../../i18n/locales/*.json")
	if err != nil || len(files) < 7 {
		t.Fatalf("catalog files: %v %v", files, err)
	}
	out := map[string][]string{}
	for _, f := range files {
		parts := strings.Split(filepath.Base(f), ".")
		lang := parts[len(parts)-2]
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]any
		if err := json.Unmarshal(data, &msgs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, m := range msgs {
			switch m := m.(type) {
			case string:
				out[lang] = append(out[lang], m)
			case map[string]any:
				for _, form := range m {
					if s, ok := form.(string); ok {
						out[lang] = append(out[lang], s)
					}
				}
			}
		}
	}
	return out
}

var templateAction = regexp.MustCompile(`\{\{[^}]*\}\}`)

// templatePattern matches what a template renders to, whatever its data;
// nil for a template without letters of its own, which could be anything.
func templatePattern(tmpl string) *regexp.Regexp {
	lits := templateAction.Split(tmpl, -1)
	if !strings.ContainsFunc(strings.Join(lits, ""), unicode.IsLetter) {
		return nil
	}
	for i, l := range lits {
		lits[i] = regexp.QuoteMeta(l)
	}
	return regexp.MustCompile(`^` + strings.Join(lits, `.*`) + `$`)
}

// libraryWords returns the Danish configured words a View carries (Lib
// texts, i18n.Texts in template data) and the library system's raw texts,
// which a non-Danish screen may show only marked as the library's.
func libraryWords(v kiosk.View) (configured, raw []string) {
	add := func(t kiosk.Text) {
		if s := t.Lib["da"]; s != "" {
			configured = append(configured, s)
		}
		for _, d := range t.Data {
			if lt, ok := d.(i18n.Texts); ok && lt["da"] != "" {
				configured = append(configured, lt["da"])
			}
		}
		if t.Raw != "" {
			raw = append(raw, t.Raw)
		}
	}
	add(v.ModeReason)
	add(v.Message)
	add(v.PayWhere)
	add(v.Blocked)
	for _, list := range [][]kiosk.ItemView{v.Items, v.Loans} {
		for _, it := range list {
			add(it.Reason)
			add(it.Destination)
		}
	}
	return configured, raw
}

// patronSamples are the samples a patron sees (the maintenance screens are
// the technician's, in the kiosk's language).
func patronSamples(lang string) []Sample {
	var out []Sample
	for _, s := range Samples(lang) {
		if s.View.Maint == nil {
			out = append(out, s)
		}
	}
	return out
}

// Every patron-facing screen, rendered in each language but Danish with
// refusals, a sort bin, a transit and the library's configured words on it,
// shows no Danish: no text of the Danish catalog (unless the language's own
// catalog has the very same words, as Swedish "Lån"), no Danish configured
// text and no raw Danish text from the library system. Titles, names and
// branches are data and may be Danish.
func TestNoDanishOnScreen(t *testing.T) {
	r, _, _ := setup(t)
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	templates := catalogTemplates(t)
	var danish []*regexp.Regexp
	for _, tmpl := range templates["da"] {
		if p := templatePattern(tmpl); p != nil {
			danish = append(danish, p)
		}
	}
	// The patterns recognise a Danish sentence with its data, and not its
	// German translation.
	bin := map[string]any{"Bin": "3"}
	if !matchesAny(danish, b.Localizer("da").T(kiosk.MsgDestSortBin, bin)) || matchesAny(danish, b.Localizer("de").T(kiosk.MsgDestSortBin, bin)) {
		t.Fatal("the Danish catalog patterns do not tell Danish from German")
	}
	names := map[string]bool{}
	for _, l := range i18n.Languages {
		names[l.Name] = true
	}
	checked := 0
	for _, l := range i18n.Languages {
		if l.Code == "da" {
			continue
		}
		own := map[string]bool{}
		for _, tmpl := range templates[l.Code] {
			own[tmpl] = true
		}
		var shared []*regexp.Regexp // templates this language has in the same words as Danish
		for _, tmpl := range templates["da"] {
			if p := templatePattern(tmpl); p != nil && own[tmpl] {
				shared = append(shared, p)
			}
		}
		// The library system's free text, marked as its words, may be in
		// any language.
		marked := strings.Split(b.Localizer(l.Code).T(kiosk.MsgLibrarySays, map[string]any{"Text": "\x00"}), "\x00")
		if len(marked) != 2 || marked[0] == "" {
			t.Fatalf("%s: %s does not mark the library's words: %q", l.Code, kiosk.MsgLibrarySays, marked)
		}
		says := regexp.MustCompile("^" + regexp.QuoteMeta(marked[0]) + ".*" + regexp.QuoteMeta(marked[len(marked)-1]) + "$")
		for _, s := range patronSamples(l.Code) {
			configured, raw := libraryWords(s.View)
			r.Render(s.View)
			for _, txt := range r.Snapshot().Texts {
				checked++
				if names[txt] || matchesAny(shared, txt) || says.MatchString(txt) {
					continue
				}
				if matchesAny(danish, txt) {
					t.Errorf("%s/%s shows the Danish catalog text %q", l.Code, s.Name, txt)
				}
				for _, d := range append(configured, raw...) {
					if strings.Contains(txt, d) {
						t.Errorf("%s/%s shows the Danish text %q in %q", l.Code, s.Name, d, txt)
					}
				}
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d texts checked; the samples or the snapshot are broken", checked)
	}
}

func matchesAny(ps []*regexp.Regexp, s string) bool {
	for _, p := range ps {
		if p.MatchString(s) {
			return true
		}
	}
	return false
}

// The samples carry what the test above needs: on the return screen a sort
// bin, a transit with its branch and the library's configured words, a
// refusal on the loan screen and the library system's free text, marked as
// its words, on the renew screen, each shown in the session's language.
func TestSamplesShowLibraryTextsInTheirLanguage(t *testing.T) {
	r, _, _ := setup(t)
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range i18n.Languages {
		loc := b.Localizer(l.Code)
		want := map[string][]string{
			"return": {
				sampleReturnShelf[l.Code],
				loc.T(kiosk.MsgDestSortBin, map[string]any{"Bin": sampleSortBin[l.Code]}),
				loc.T(kiosk.MsgDestOtherLibrary, map[string]any{"Library": "Aarhus Hovedbibliotek"}),
			},
			"loan":    {loc.T("refusal.reserved")},
			"renew":   {loc.T(kiosk.MsgLibrarySays, map[string]any{"Text": sampleFreeText})},
			"account": {samplePayWhere[l.Code]},
		}
		for name, texts := range want {
			r.Render(sample(t, l.Code, name))
			shown := r.Snapshot().Texts
			for _, w := range texts {
				if w == "" || !containsText(shown, w) {
					t.Errorf("%s/%s lacks %q; it shows %q", l.Code, name, w, shown)
				}
			}
		}
	}
}
