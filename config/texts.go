package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/danbib/kiosk/i18n"
)

// Text is a text the library writes for patrons, in one or more languages.
// The file gives either a table by language code,
//
//	hold_shelf = { da = "Sæt den på hylden ved indgangen", en = "Put it on the shelf by the entrance" }
//
// or, as before there were languages, one plain string, which is the
// Danish text. A session shows the text of its language, else the English,
// else the Danish one (i18n.Texts.In), so a plain string shows in every
// language that has none of its own.
type Text map[string]string

// UnmarshalTOML reads a plain string as the Danish text and a table as
// texts by language code. Language codes are checked by Validate, so that
// an unknown one is reported with the key like every other mistake.
func (t *Text) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*t = Text{i18n.Default: v}
		return nil
	case map[string]any:
		out := Text{}
		for l, s := range v {
			str, ok := s.(string)
			if !ok {
				return fmt.Errorf("the %s text is not text in quotes", l)
			}
			out[l] = str
		}
		*t = out
		return nil
	}
	return fmt.Errorf("%v is neither text in quotes nor a table of texts by language", v)
}

// In returns the text for a session in lang (i18n.Texts.In).
func (t Text) In(lang string) string { return i18n.Texts(t).In(lang) }

// Texts returns t as the core takes it.
func (t Text) Texts() i18n.Texts { return i18n.Texts(t) }

// with returns t with the texts of more added over its own, for the older
// per-language keys (pay_where_in, printer.footers). Codes the kiosk does
// not offer are left out: the older key's own check reports them.
func (t Text) with(more map[string]string) Text {
	if len(more) == 0 {
		return t
	}
	out := Text{}
	for l, s := range t {
		out[l] = s
	}
	for l, s := range more {
		if i18n.Supported(l) {
			out[l] = s
		}
	}
	return out
}

var textType = reflect.TypeFor[Text]()

// LibraryTexts returns every text of the configuration that the library
// writes for patrons, by dotted key ("returns.hold_shelf",
// "returns.sort_bins.3"). It walks the Config's fields, so a Text added
// later is validated and tested without being listed anywhere.
func (c *Config) LibraryTexts() map[string]Text {
	out := map[string]Text{}
	collectTexts(reflect.ValueOf(c).Elem(), "", out)
	return out
}

func collectTexts(v reflect.Value, key string, out map[string]Text) {
	switch {
	case v.Type() == textType:
		out[key] = v.Interface().(Text)
	case v.Kind() == reflect.Struct && v.Type() != durationType:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			collectTexts(v.Field(i), join(key, name), out)
		}
	case v.Kind() == reflect.Map && v.Type().Elem() == textType:
		for _, k := range v.MapKeys() {
			collectTexts(v.MapIndex(k), join(key, k.String()), out)
		}
	}
}

func join(key, name string) string {
	if key == "" {
		return name
	}
	return key + "." + name
}

// languageCodes lists the codes a library text may use, for error messages.
func languageCodes() string {
	codes := make([]string, len(i18n.Languages))
	for i, l := range i18n.Languages {
		codes[i] = l.Code
	}
	return strings.Join(codes, ", ")
}

// checkTexts refuses a library text in a language the kiosk does not offer
// (a typo such as "dk" would otherwise never show), and a text given only in
// languages that are nobody's fallback: a session in another language
// would show nothing, so at least Danish or English is required.
func (c *Config) checkTexts() []error {
	texts := c.LibraryTexts()
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		t := texts[k]
		langs := make([]string, 0, len(t))
		for l := range t {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		bad := false
		for _, l := range langs {
			if !i18n.Supported(l) {
				errs = append(errs, &Error{k, l, "texts by language code: " + languageCodes()})
				bad = true
			}
		}
		if !bad && len(t) > 0 && t[i18n.Default] == "" && t[i18n.Fallback] == "" {
			errs = append(errs, &Error{k, literal("{" + strings.Join(langs, ", ") + "}"),
				"a da or en text as well, which sessions in the other languages show"})
		}
	}
	return errs
}
