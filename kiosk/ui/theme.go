package ui

import (
	"image/color"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
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

// Palette. Text and background keep a contrast ratio above 7:1 (WCAG AAA);
// the primary blue under white text is above 8:1.
var (
	colBackground = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	colForeground = color.NRGBA{R: 0x11, G: 0x11, B: 0x11, A: 0xff}
	colPrimary    = color.NRGBA{R: 0x0b, G: 0x3d, B: 0x91, A: 0xff}
	colButton     = color.NRGBA{R: 0xe3, G: 0xe9, B: 0xf3, A: 0xff}
	colDisabledBt = color.NRGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff}
	colDisabled   = color.NRGBA{R: 0x5f, G: 0x5f, B: 0x5f, A: 0xff}
	colSuccess    = color.NRGBA{R: 0x13, G: 0x63, B: 0x26, A: 0xff}
	colError      = color.NRGBA{R: 0xa8, G: 0x00, B: 0x1c, A: 0xff}
	colWarning    = color.NRGBA{R: 0x7a, G: 0x4b, B: 0x00, A: 0xff}
	colSeparator  = color.NRGBA{R: 0x9a, G: 0xa4, B: 0xb4, A: 0xff}
	colRow        = color.NRGBA{R: 0xf3, G: 0xf5, B: 0xf9, A: 0xff}
	colHeader     = color.NRGBA{R: 0x0b, G: 0x3d, B: 0x91, A: 0xff}
	colBannerWarn = color.NRGBA{R: 0xff, G: 0xe8, B: 0xa3, A: 0xff}
	colBannerErr  = color.NRGBA{R: 0xfd, G: 0xe2, B: 0xe4, A: 0xff}
	colShadow     = color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xb0}
	colWhite      = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

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
		return color.NRGBA{R: 0x0b, G: 0x3d, B: 0x91, A: 0x30}
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
