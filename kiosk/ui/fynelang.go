package ui

import (
	"embed"
	"os"

	"fyne.io/fyne/v2/lang"
)

// Fyne's own widget strings (OK, Cancel, weekday names …) come with Fyne for
// most languages but not for Danish or Turkish; these files add them.
//
//go:embed fynelang/*.json
var fyneStrings embed.FS

// fyneNoop holds one file that is not JSON. Adding it makes Fyne re-read the
// language from the environment without growing its list of languages (Fyne
// has no public call to set the language; platform.md §3).
//
//go:embed fynenoop/switch.txt
var fyneNoop embed.FS

var fyneLoaded bool

// useFyneLanguage switches Fyne's own strings to code. It is process-wide,
// which suits a kiosk with one patron at a time; call it on the UI goroutine.
func useFyneLanguage(code string) error {
	os.Setenv("LANGUAGE", code)
	os.Setenv("LC_ALL", posixLocale(code))
	if !fyneLoaded {
		fyneLoaded = true
		// Adding the real files also re-reads the environment.
		return lang.AddTranslationsFS(fyneStrings, "fynelang")
	}
	// The parse error of the non-JSON file is expected and harmless.
	_ = lang.AddTranslationsFS(fyneNoop, "fynenoop")
	return nil
}

// posixLocale turns a language code into the form LC_ALL takes
// (da → da_DK.UTF-8), so that anything reading the environment after Fyne
// (cgo code, child processes) sees a locale that exists.
func posixLocale(code string) string {
	region := map[string]string{
		"da": "DK", "en": "GB", "de": "DE", "sv": "SE", "uk": "UA", "pl": "PL", "tr": "TR",
	}[code]
	if region == "" {
		return code
	}
	return code + "_" + region + ".UTF-8"
}
