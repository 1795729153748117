// Package i18n holds the kiosk's message catalogs and hands out one Localizer
// per patron session, so the language a patron picks never leaks into the next
// session.
//
// Catalogs are go-i18n JSON files embedded from locales/, named
// <area>.<lang>.json (for example ui.da.json, receipt.en.json) so that each
// part of the kiosk keeps its own keys without editing a shared file. Danish is
// the default and the fallback.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed locales/*.json
var catalogs embed.FS

// Language is one language the kiosk offers on its welcome screen.
type Language struct {
	Code string // BCP 47 tag, e.g. "da"
	Name string // the language's own name, shown on its button
}

// Languages lists the offered languages in the order of the language buttons.
// Danish comes first because it is the default.
var Languages = []Language{
	{"da", "Dansk"},
	{"en", "English"},
	{"de", "Deutsch"},
	{"sv", "Svenska"},
	{"uk", "Українська"},
	{"pl", "Polski"},
	{"tr", "Türkçe"},
}

// Default is the language of a new session.
const Default = "da"

// Bundle holds every parsed catalog. It is safe for concurrent use once built.
type Bundle struct {
	bundle *goi18n.Bundle
	// keys maps a language code to the set of message ids it defines, for the
	// completeness test and for Has.
	keys map[string]map[string]bool
}

// NewBundle parses the embedded catalogs.
func NewBundle() (*Bundle, error) {
	return newBundle(catalogs, "locales")
}

func newBundle(fsys fs.FS, dir string) (*Bundle, error) {
	b := &Bundle{
		bundle: goi18n.NewBundle(language.Danish),
		keys:   map[string]map[string]bool{},
	}
	b.bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("i18n: reading catalogs: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: reading %s: %w", p, err)
		}
		mf, err := b.bundle.ParseMessageFileBytes(data, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: parsing %s: %w", p, err)
		}
		code := baseCode(mf.Tag)
		if b.keys[code] == nil {
			b.keys[code] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			b.keys[code][m.ID] = true
		}
	}
	return b, nil
}

func baseCode(t language.Tag) string {
	base, _ := t.Base()
	return base.String()
}

// Keys returns the sorted message ids defined for a language.
func (b *Bundle) Keys(lang string) []string {
	var out []string
	for k := range b.keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l.Code == lang {
			return true
		}
	}
	return false
}

// Localizer renders messages, dates and amounts in one language. A session
// creates its own and drops it when it ends.
type Localizer struct {
	lang    string
	loc     *goi18n.Localizer
	printer *message.Printer
	bundle  *Bundle
}

// Localizer returns a localizer for lang, falling back to Danish for a
// language the kiosk does not offer.
func (b *Bundle) Localizer(lang string) *Localizer {
	if !Supported(lang) {
		lang = Default
	}
	tag := language.Make(lang)
	return &Localizer{
		lang:    lang,
		loc:     goi18n.NewLocalizer(b.bundle, lang, Default),
		printer: message.NewPrinter(tag),
		bundle:  b,
	}
}

// Lang is the language code of the localizer.
func (l *Localizer) Lang() string { return l.lang }

// Has reports whether the localizer's own language defines id (without the
// Danish fallback).
func (l *Localizer) Has(id string) bool { return l.bundle.keys[l.lang][id] }

// T renders message id with optional template data. A missing id renders as
// the id itself, so a gap shows on screen instead of crashing; the catalog
// completeness test keeps that from shipping.
func (l *Localizer) T(id string, data ...map[string]any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	s, err := l.loc.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// N renders a message with plural forms chosen by count. The count is also
// available to the template as {{.Count}}.
func (l *Localizer) N(id string, count int, data ...map[string]any) string {
	td := map[string]any{"Count": count}
	if len(data) > 0 {
		for k, v := range data[0] {
			td[k] = v
		}
	}
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: td})
	if err != nil {
		return id
	}
	return s
}

// dateLayouts gives each language its usual numeric date. English spells the
// month so that day and month are never confused.
var dateLayouts = map[string]string{
	"da": "02.01.2006",
	"en": "2 Jan 2006",
	"de": "02.01.2006",
	"sv": "2006-01-02",
	"uk": "02.01.2006",
	"pl": "02.01.2006",
	"tr": "02.01.2006",
}

// Date formats a calendar date for the language.
func (l *Localizer) Date(t time.Time) string {
	layout, ok := dateLayouts[l.lang]
	if !ok {
		layout = dateLayouts[Default]
	}
	return t.Format(layout)
}

// Time formats a clock time (24-hour in every offered language).
func (l *Localizer) Time(t time.Time) string {
	if l.lang == "da" {
		return t.Format("15.04")
	}
	return t.Format("15:04")
}

// DateTime formats a date and a clock time.
func (l *Localizer) DateTime(t time.Time) string {
	return l.Date(t) + " " + l.Time(t)
}

// Money formats an amount given in minor units (øre, cent) with the
// language's separators, e.g. 123450 DKK → "1.234,50 kr." in Danish and
// "DKK 1,234.50" in English.
func (l *Localizer) Money(minor int64, currency string) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	num := l.printer.Sprintf("%d", minor/100)
	sep := "."
	if l.printer.Sprintf("%.1f", 0.5) == "0,5" {
		sep = ","
	}
	s := fmt.Sprintf("%s%s%02d", num, sep, minor%100)
	if neg {
		s = "-" + s
	}
	if currency == "" {
		currency = "DKK"
	}
	if currency == "DKK" && (l.lang == "da" || l.lang == "sv") {
		return s + " kr."
	}
	return currency + " " + s
}
