package kiosk

import (
	"strings"

	"github.com/danbib/kiosk/i18n"
)

// Message ids of i18n/locales/libtext.<lang>.json: the kiosk's sentences
// around the library's own words.
const (
	// MsgLibrarySays marks the library system's free text, shown only
	// when no known code matched, as the library's words rather than the
	// kiosk's: "Message from the library: {{.Text}}".
	MsgLibrarySays = "libtext.library_says"
	// MsgSentTo is the library system's "Sendes til <branch>" with the
	// branch as data: "Sent to {{.Branch}}".
	MsgSentTo = "libtext.sent_to"
)

// In renders t for a session in loc's language: the library's configured
// words in that language (falling back as i18n.Texts.In does), else the
// catalog message with any i18n.Texts in its data put in that language,
// else the library system's raw text. The UI and the tests render every
// Text through here, so a sample screen shows what a session would.
func (t Text) In(loc *i18n.Localizer) string {
	lang := loc.Lang()
	if s := t.Lib.In(lang); s != "" {
		return s
	}
	if t.ID != "" {
		s := loc.T(t.ID, dataIn(t.Data, lang))
		if s != t.ID || t.Raw == "" {
			return s
		}
	}
	return t.Raw
}

// dataIn returns template data with every i18n.Texts value put in lang.
func dataIn(data map[string]any, lang string) map[string]any {
	var out map[string]any
	for k, v := range data {
		if lt, ok := v.(i18n.Texts); ok {
			if out == nil {
				out = make(map[string]any, len(data))
				for k2, v2 := range data {
					out[k2] = v2
				}
			}
			out[k] = lt.In(lang)
		}
	}
	if out == nil {
		return data
	}
	return out
}

// librarySays is the library system's free text, marked as its words.
func librarySays(raw string) Text {
	return Text{ID: MsgLibrarySays, Data: map[string]any{"Text": raw}, Raw: raw}
}

// sentTo recognises FBS's "Sendes til <branch>" and returns the branch.
func sentTo(m string) (string, bool) {
	const prefix = "sendes til"
	m = strings.TrimSpace(m)
	if len(m) < len(prefix) || !strings.EqualFold(m[:len(prefix)], prefix) {
		return "", false
	}
	branch := strings.TrimSpace(m[len(prefix):])
	return branch, branch != ""
}

// libraryDest gives a return's destination the library's own words for it,
// when configured (returns.hold_shelf, staff_desk, default_shelf).
func (o *Options) libraryDest(t Text) Text {
	if len(t.Lib) > 0 {
		return t
	}
	switch t.ID {
	case MsgDestReservations:
		t.Lib = o.HoldShelf
	case MsgDestStaff:
		t.Lib = o.StaffDesk
	case MsgDestShelf:
		t.Lib = o.ReturnShelf
	}
	return t
}
