package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/kiosk"
)

// This file holds the wording and paging of the patron's screens: lists in
// natural language ("2 og 3"), the one-line summaries after a loan and a
// renewal, the out-of-order reason said once, the pages of long lists and
// the typed card number.

// joinList joins items the way the language writes a list: commas, and its
// word for "and" before the last ("2, 3 og 4"). The catalog holds the word
// alone: a template "{{.Head}} og {{.Last}}" would read as Danish in any
// title with "og" in it (the no-Danish test of every screen).
func (r *Renderer) joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	n := len(items) - 1
	return strings.Join(items[:n], ", ") + " " + r.t("screens.list.and") + " " + items[n]
}

// missingParts says which parts of a set are not on the pad: "Del 2 og 3
// af 3 mangler".
func (r *Renderer) missingParts(it kiosk.ItemView) string {
	parts := make([]string, 0, len(it.MissingParts))
	for _, p := range it.MissingParts {
		parts = append(parts, strconv.Itoa(p))
	}
	return r.loc.N("screens.item.missing", len(parts), map[string]any{"Parts": r.joinList(parts), "Total": it.Parts})
}

// summarySep separates the counts of a summary line.
const summarySep = " · "

// loanSummary is the one line that sums up a loan once every item on the
// pad has an outcome ("3 lånt · 1 kan ikke lånes"); empty while an item is
// still read or registered, or when there is none.
func (r *Renderer) loanSummary(items []kiosk.ItemView) string {
	var lent, refused, staff, incomplete int
	for _, it := range items {
		switch it.State {
		case kiosk.ItemReading, kiosk.ItemWorking:
			return ""
		case kiosk.ItemDone:
			lent++
		case kiosk.ItemRefused:
			refused++
		case kiosk.ItemSeeStaff:
			staff++
		case kiosk.ItemIncomplete:
			incomplete++
		}
	}
	var parts []string
	for _, c := range []struct {
		id string
		n  int
	}{{"screens.summary.lent", lent}, {"screens.summary.not_lent", refused}, {"screens.summary.staff", staff}, {"screens.summary.incomplete", incomplete}} {
		if c.n > 0 {
			parts = append(parts, r.loc.N(c.id, c.n))
		}
	}
	return strings.Join(parts, summarySep)
}

// renewSummary is the line after renewing ("2 af 3 fornyet"): of the loans
// the patron tried in this session, how many were renewed; empty while a
// renewal is in flight or before any was tried.
func (r *Renderer) renewSummary(loans []kiosk.ItemView) string {
	var renewed, tried int
	for _, l := range loans {
		switch {
		case l.State == kiosk.ItemWorking:
			return ""
		case l.Renewed:
			renewed++
			tried++
		case l.State == kiosk.ItemRefused:
			tried++
		}
	}
	if tried == 0 {
		return ""
	}
	return r.loc.N("screens.summary.renewed", tried, map[string]any{"Renewed": renewed})
}

// wholeLine is a bold line that is never cut: for short texts in a row
// that gives them only their own width, where line's ellipsis would leave
// nothing but "…".
func wholeLine(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.TextStyle.Bold = true
	return l
}

// summaryLine draws a summary in bold, or nothing when s is empty.
func summaryLine(s string) fyne.CanvasObject {
	if s == "" {
		return layout.NewSpacer()
	}
	l := widget.NewLabel(s)
	l.SizeName = theme.SizeNameSubHeadingText
	l.TextStyle.Bold = true
	l.Wrapping = fyne.TextWrapWord
	return l
}

// whyKeys are the short reasons of the out-of-order mode reasons, which
// the screen says after its heading already said "out of order": the mode
// reasons themselves repeat it ("Automaten er ude af drift (læseren svarer
// ikke).").
var whyKeys = map[string]string{
	kiosk.MsgModeReaderMissing:     "screens.why.reader_missing",
	kiosk.MsgModeACSOffline:        "screens.why.acs_offline",
	kiosk.MsgModeRecovering:        "screens.why.recovering",
	kiosk.MsgModeForcedPrinter:     "screens.why.forced_printer",
	kiosk.MsgModeForcedNetwork:     "screens.why.forced_network",
	kiosk.MsgModeForcedMaintenance: "screens.why.forced_maintenance",
	kiosk.MsgModeForcedClosed:      "screens.why.forced_closed",
}

// outOfOrderWhy is the reason of an out-of-order mode without the words
// "out of order": the short reason for a known one, the library's own
// words for a raw one, and nothing for a reason that only says "out of
// order, ask staff" (the queue full, circulation switched off).
func (r *Renderer) outOfOrderWhy(t kiosk.Text) string {
	if k, ok := whyKeys[t.ID]; ok {
		return r.t(k)
	}
	if t.ID == "" {
		return t.Raw
	}
	return ""
}

// cardCells draws the typed card number (kiosk.CardShown) one character per
// cell, a dot for a masked digit. One text per character keeps the number
// itself out of Fyne's caches of measured and drawn strings, which are
// keyed by the whole text; and the cells keep the digits evenly spaced.
func cardCells(shown []byte, size float32) *fyne.Container {
	var objs []fyne.CanvasObject
	w := size * 0.62
	for _, c := range shown {
		switch c {
		case ' ':
			objs = append(objs, withMin(layout.NewSpacer(), w/2, size))
		case kiosk.CardMask:
			d := dots(1, 1, w)
			objs = append(objs, container.NewCenter(d))
		default:
			t := canvas.NewText(string(rune(c)), colForeground)
			t.TextSize = size
			t.TextStyle.Monospace = true
			t.Alignment = fyne.TextAlignCenter
			objs = append(objs, withMin(t, w, size*1.3))
		}
	}
	return container.NewHBox(objs...)
}

// Fixed sizes of the screens, kept the same in every language and session.
const (
	// greetingGap separates the patron's name from the larger-text toggle.
	greetingGap = 40
)

// tileHeight is the height of a welcome tile: fixed for the text size, so
// that the tiles do not shrink when a session's bottom bar takes room; low
// enough that a session's welcome screen with a banner fits with larger
// text (TestFixedSizesAcrossSessionsAndLanguages).
func tileHeight(large bool) float32 {
	if large {
		return 112
	}
	return 160
}

// keySize is the size of a keypad key: fixed, so that no label widens the
// keypad's columns, and larger with larger text.
func keySize(large bool) fyne.Size {
	// Wide enough for the longest OK ("Tamam").
	if large {
		return fyne.NewSize(256, 104)
	}
	return fyne.NewSize(176, 92)
}

// besideKeypad puts the keypad right next to the entry column, both at the
// top, so that the finger and the eye stay in one place.
func besideKeypad(entry, keypad fyne.CanvasObject) fyne.CanvasObject {
	return container.NewHBox(layout.NewSpacer(), withMin(entry, 820, 0),
		container.NewVBox(inset(keypad, 48, 24, 0, 0)), layout.NewSpacer())
}

// The library's logo is this high in the header and on the welcome screen.
const (
	headerLogoHeight  = 56
	welcomeLogoHeight = 110
)

// logo draws the library's logo at height h, as wide as its aspect asks
// (at most three times h), or returns nil when none is configured.
func (r *Renderer) logo(h float32) fyne.CanvasObject {
	if r.opts.Logo == nil {
		return nil
	}
	img := canvas.NewImageFromResource(r.opts.Logo)
	img.FillMode = canvas.ImageFillContain
	w := 3 * h
	if a := img.Aspect(); a > 0 {
		w = min(h*a, 3*h)
	}
	img.SetMinSize(fyne.NewSize(w, h))
	return img
}
