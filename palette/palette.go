// Package palette holds the colours of the kiosk's screens and the contrast
// rule they must keep (WCAG 2.x): every text/background pair the screens
// draw at 4.5:1 or more, or 7:1 or more in high contrast. The configuration
// checks a library's colours with it before the kiosk starts, and the UI
// draws with it; it needs nothing but the standard library.
package palette

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
)

// The contrast levels: WCAG AA and AAA for normal text.
const (
	MinStandard = 4.5
	MinHigh     = 7.0
)

// Palette is every colour the screens use.
type Palette struct {
	Background     color.NRGBA // the screen
	Text           color.NRGBA // body text and headings
	Primary        color.NRGBA // the main buttons (white text on it)
	Header         color.NRGBA // the bar at the top (white text on it)
	OnPrimary      color.NRGBA // text on the main buttons and the header
	Button         color.NRGBA // the other buttons
	Row            color.NRGBA // list rows and panels
	Success        color.NRGBA // "lent until", "renewed" (on rows)
	Error          color.NRGBA // refusals, overdue (on rows)
	Warning        color.NRGBA // parts missing, see staff (on rows)
	BannerWarn     color.NRGBA // the returns-only and no-receipt banners
	BannerErr      color.NRGBA // the out-of-order, blocked and message banners
	DisabledButton color.NRGBA // a button that cannot be pressed now
	Disabled       color.NRGBA // its label
	Separator      color.NRGBA // lines and borders (no text on it)
}

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// Default is the kiosk's own palette: the dark blue header and buttons on
// white, every text pair at 5.5:1 or more.
func Default() Palette {
	return Palette{
		Background: rgb(0xffffff), Text: rgb(0x111111), Primary: rgb(0x0b3d91), Header: rgb(0x0b3d91),
		OnPrimary: rgb(0xffffff), Button: rgb(0xe3e9f3), Row: rgb(0xf3f5f9),
		Success: rgb(0x136326), Error: rgb(0xa8001c), Warning: rgb(0x7a4b00),
		BannerWarn: rgb(0xffe8a3), BannerErr: rgb(0xfde2e4),
		DisabledButton: rgb(0xeeeeee), Disabled: rgb(0x5f5f5f), Separator: rgb(0x9aa4b4),
	}
}

// HighContrast is Default with darker status colours and disabled labels,
// so that every text pair keeps 7:1.
func HighContrast() Palette {
	p := Default()
	p.Success, p.Error, p.Warning, p.Disabled = rgb(0x0e4f1d), rgb(0x8c0017), rgb(0x663e00), rgb(0x4a4a4a)
	return p
}

// Pair is one text colour on one background the screens draw.
type Pair struct {
	Text, Background string // the palette's names, as the configuration spells them
	T, B             color.NRGBA
}

// Pairs lists every text/background pair the screens draw.
func (p Palette) Pairs() []Pair {
	pair := func(tn string, t color.NRGBA, bn string, b color.NRGBA) Pair {
		return Pair{Text: tn, Background: bn, T: t, B: b}
	}
	return []Pair{
		pair("text", p.Text, "background", p.Background),
		pair("text", p.Text, "row", p.Row),
		pair("text", p.Text, "button", p.Button),
		pair("text", p.Text, "banner_warning", p.BannerWarn),
		pair("text", p.Text, "banner_error", p.BannerErr),
		pair("on_primary", p.OnPrimary, "primary", p.Primary),
		pair("on_primary", p.OnPrimary, "header", p.Header),
		pair("success", p.Success, "row", p.Row),
		pair("success", p.Success, "background", p.Background),
		pair("error", p.Error, "row", p.Row),
		pair("error", p.Error, "background", p.Background),
		pair("warning", p.Warning, "row", p.Row),
		pair("warning", p.Warning, "background", p.Background),
		pair("disabled", p.Disabled, "disabled_button", p.DisabledButton),
	}
}

// Check returns an error naming the first pair under min:1, or nil.
func (p Palette) Check(min float64) error {
	for _, c := range p.Pairs() {
		if r := Ratio(c.T, c.B); r < min {
			return fmt.Errorf("palette: %s %s on %s %s has contrast %.2f:1, under %.1f:1",
				c.Text, Hex(c.T), c.Background, Hex(c.B), r, min)
		}
	}
	return nil
}

// Ratio is the WCAG contrast ratio of two colours, 1 to 21.
func Ratio(a, b color.NRGBA) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG's relative luminance of an opaque colour.
func luminance(c color.NRGBA) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// Parse reads "#rrggbb" (the # may be left out).
func Parse(s string) (color.NRGBA, error) {
	h := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(h) != 6 {
		return color.NRGBA{}, fmt.Errorf("palette: colour %q is not #rrggbb", s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.NRGBA{}, fmt.Errorf("palette: colour %q is not #rrggbb: %w", s, err)
	}
	return rgb(uint32(v)), nil
}

// Hex writes c as "#rrggbb".
func Hex(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Set changes the colour called name (as Pairs names them) to the colour
// written in value.
func (p *Palette) Set(name, value string) error {
	c, err := Parse(value)
	if err != nil {
		return err
	}
	f, ok := p.field(name)
	if !ok {
		return fmt.Errorf("palette: no colour called %q (one of %s)", name, strings.Join(Names, ", "))
	}
	*f = c
	return nil
}

// Names are the colours a configuration may set.
var Names = []string{"background", "text", "primary", "header", "on_primary", "button", "row", "success", "error",
	"warning", "banner_warning", "banner_error", "disabled_button", "disabled", "separator"}

func (p *Palette) field(name string) (*color.NRGBA, bool) {
	m := map[string]*color.NRGBA{
		"background": &p.Background, "text": &p.Text, "primary": &p.Primary, "header": &p.Header,
		"on_primary": &p.OnPrimary, "button": &p.Button, "row": &p.Row, "success": &p.Success, "error": &p.Error,
		"warning": &p.Warning, "banner_warning": &p.BannerWarn, "banner_error": &p.BannerErr,
		"disabled_button": &p.DisabledButton, "disabled": &p.Disabled, "separator": &p.Separator,
	}
	f, ok := m[name]
	return f, ok
}
