package i18n

// Texts is a text the library wrote itself (in the configuration: where
// fees are paid, where a returned item goes, a sort bin's name, the
// receipt footer), keyed by language code. No catalog can translate a
// library's own words, so the library gives them per language and a
// session shows the one of its language, falling back as Fallbacks says.
type Texts map[string]string

// Fallback is the language a library's text falls back to when it has none
// in the session's language, before Default: English is the language a
// patron without Danish most likely reads.
const Fallback = "en"

// Fallbacks is the order in which a library's text is looked up for a
// session in lang: lang itself, English, Danish.
func Fallbacks(lang string) []string {
	out := []string{lang}
	for _, l := range []string{Fallback, Default} {
		if l != lang {
			out = append(out, l)
		}
	}
	return out
}

// In returns the text for a session in lang, in the order of Fallbacks; ""
// when the library gave none in any of them (the caller then shows its own
// catalog wording, or nothing).
func (t Texts) In(lang string) string {
	for _, l := range Fallbacks(lang) {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}
