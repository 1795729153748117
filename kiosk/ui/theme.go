package ui

import (
	"image/color"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/danbib/kiosk/palette"
)

// Theme is the kiosk's high-contrast theme for a touch screen in a public
// place. It ignores the system's light/dark preference so that every kiosk
// (and every golden test) looks the same, and it has two text scales: normal,
// and the larger text a patron can switch on for one session.
//
// Sizes are in Fyne units; at 1920×1080 with scale 1 a unit is a pixel, so
// body text is 28 px (42 px large) and headings are 48 px (72 px large).
//
// The text scale is switched in place (SetLarge) rather than by giving Fyne
// another theme: Fyne drops and re-parses every font on a theme change, and
// the shaper keeps the old parsed faces in a 32-entry cache, so a toggle per
// session grew the heap by tens of MB before it levelled off (the soak,
// docs/soak.md). The renderer rebuilds the whole screen after a switch, so
// no widget keeps a size of the other scale.
type Theme struct {
	large atomic.Bool
}

// NewTheme returns the kiosk theme, with larger text when large is set.
func NewTheme(large bool) *Theme {
	t := &Theme{}
	t.large.Store(large)
	return t
}

// SetLarge switches between normal and larger text; it reports whether the
// scale changed. The renderer calls it on the UI goroutine before it builds
// a screen; the painter may read the sizes from another.
func (t *Theme) SetLarge(on bool) bool { return t.large.Swap(on) != on }

// Large reports whether the larger text is on.
func (t *Theme) Large() bool { return t.large.Load() }

// The colours of the screens, from the configured palette (usePalette):
// every text/background pair keeps 4.5:1, or 7:1 in high contrast
// (palette.Palette.Check, refused at configuration load). They are set once,
// before the first render; the kiosk has one window.
var (
	colBackground, colForeground, colPrimary, colButton, colDisabledBt, colDisabled color.NRGBA
	colSuccess, colError, colWarning, colSeparator, colRow, colHeader               color.NRGBA
	colBannerWarn, colBannerErr, colWhite                                           color.NRGBA
)

var colShadow = color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xb0}

func init() { usePalette(palette.Default()) }

// usePalette makes p the screens' colours. colWhite is the text on the
// primary colour and the header (white in the kiosk's own palette).
func usePalette(p palette.Palette) {
	colBackground, colForeground, colPrimary, colButton = p.Background, p.Text, p.Primary, p.Button
	colDisabledBt, colDisabled, colSuccess, colError, colWarning = p.DisabledButton, p.Disabled, p.Success, p.Error, p.Warning
	colSeparator, colRow, colHeader, colBannerWarn, colBannerErr, colWhite = p.Separator, p.Row, p.Header, p.BannerWarn, p.BannerErr, p.OnPrimary
}

// Color implements fyne.Theme. The variant is ignored on purpose.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground:
		return colBackground
	case theme.ColorNameForeground, theme.ColorNameForegroundOnWarning:
		return colForeground
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return colPrimary
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError, theme.ColorNameForegroundOnSuccess:
		return colWhite
	case theme.ColorNameButton:
		return colButton
	case theme.ColorNameDisabledButton:
		return colDisabledBt
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return colDisabled
	case theme.ColorNameSuccess:
		return colSuccess
	case theme.ColorNameError:
		return colError
	case theme.ColorNameWarning:
		return colWarning
	case theme.ColorNameSeparator, theme.ColorNameInputBorder:
		return colSeparator
	case theme.ColorNameInputBackground, theme.ColorNameHeaderBackground:
		return colRow
	case theme.ColorNameShadow:
		return colShadow
	case theme.ColorNameHover, theme.ColorNamePressed, theme.ColorNameSelection:
		// No hover on a touch screen; a pressed button darkens a little.
		return color.NRGBA{R: colPrimary.R, G: colPrimary.G, B: colPrimary.B, A: 0x30}
	case theme.ColorNameScrollBar:
		return color.NRGBA{R: 0x11, G: 0x11, B: 0x11, A: 0x80}
	case theme.ColorNameScrollBarBackground:
		return color.NRGBA{R: 0x11, G: 0x11, B: 0x11, A: 0x18}
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font implements fyne.Theme with Fyne's bundled Noto Sans, which covers the
// Latin, Turkish and Cyrillic letters of every offered language.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon implements fyne.Theme.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// largeScale is how much larger the larger text is: at least 1.5 times,
// as the patrons who need it asked (issue 14).
const largeScale = 1.5

// Extra size names of the kiosk theme.
const (
	// sizeTile is the text size on the big welcome buttons.
	sizeTile fyne.ThemeSizeName = "kioskTile"
	// sizeKey is the text size on keypad keys.
	sizeKey fyne.ThemeSizeName = "kioskKey"
	// sizeMask is the size of the masked PIN and card-number display.
	sizeMask fyne.ThemeSizeName = "kioskMask"
)

// Size implements fyne.Theme.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	k := float32(1)
	if t.large.Load() {
		k = largeScale
	}
	switch n {
	case theme.SizeNameText:
		return 28 * k
	case theme.SizeNameHeadingText:
		return 48 * k
	case theme.SizeNameSubHeadingText:
		return 34 * k
	case theme.SizeNameCaptionText:
		return 24 * k
	case theme.SizeNameInlineIcon:
		return 36 * k
	case theme.SizeNamePadding:
		return 8
	case theme.SizeNameInnerPadding:
		return 12
	case theme.SizeNameLineSpacing:
		return 6
	case theme.SizeNameScrollBar:
		return 24
	case theme.SizeNameScrollBarSmall:
		return 12
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 10
	case theme.SizeNameInputBorder:
		return 2
	case sizeTile:
		return 44 * k
	case sizeKey:
		return 44 * k
	case sizeMask:
		return 64 * k
	}
	return theme.DefaultTheme().Size(n)
}
