package ui

import (
	"image/color"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/danbib/kiosk/palette"
)

// branded returns a renderer with the test logo and a green palette, as a
// library's configuration would give it.
func branded(t *testing.T) (*Renderer, fyne.Window, palette.Palette) {
	t.Helper()
	t.Cleanup(func() { usePalette(palette.Default()) })
	data, err := os.ReadFile("testdata/logo.svg")
	if err != nil {
		t.Fatal(err)
	}
	p := palette.Default()
	for n, v := range map[string]string{"primary": "#1a4d2e", "header": "#1a4d2e", "button": "#e2efe6"} {
		if err := p.Set(n, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Check(palette.MinStandard); err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Palette = p
	opts.Logo = fyne.NewStaticResource("logo.svg", data)
	r, w, _ := setupWith(t, opts)
	return r, w, p
}

// TestLogoAndColours: the configured logo shows in the header and on the
// welcome screen (only in the header elsewhere), and the configured colours
// are the ones drawn: the header bar and the theme's primary colour.
func TestLogoAndColours(t *testing.T) {
	r, w, p := branded(t)
	for _, c := range []struct {
		name  string
		logos int
	}{{"welcome", 2}, {"loan", 1}} {
		r.Render(sample(t, "da", c.name))
		logos, header := 0, false
		for _, o := range rendered(w.Content()) {
			switch x := o.(type) {
			case *canvas.Image:
				if x.Resource != nil && x.Resource.Name() == "logo.svg" {
					logos++
				}
			case *canvas.Rectangle:
				header = header || x.FillColor == p.Header
			}
		}
		if logos != c.logos {
			t.Errorf("%s: %d logos, want %d", c.name, logos, c.logos)
		}
		if !header {
			t.Errorf("%s: no header in the configured colour %s", c.name, palette.Hex(p.Header))
		}
	}
	if got := r.th.Color(theme.ColorNamePrimary, theme.VariantLight); got != p.Primary {
		t.Errorf("theme primary = %v, want %v", got, p.Primary)
	}
	r.Render(sample(t, "da", "welcome"))
	test.AssertImageMatches(t, "screens/branded-da-welcome.png", w.Canvas().Capture())
}

// TestThemeColoursKeepContrast: every text colour the theme gives Fyne's
// widgets, on the background it is drawn on, keeps 4.5:1 with the kiosk's
// own palette (the palette package checks every pair the screens draw).
func TestThemeColoursKeepContrast(t *testing.T) {
	th := NewTheme(false)
	for _, pr := range []struct{ fg, bg fyne.ThemeColorName }{
		{theme.ColorNameForeground, theme.ColorNameBackground},
		{theme.ColorNameForeground, theme.ColorNameButton},
		{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
		{theme.ColorNameSuccess, theme.ColorNameBackground},
		{theme.ColorNameError, theme.ColorNameBackground},
		{theme.ColorNameWarning, theme.ColorNameBackground},
		{theme.ColorNameDisabled, theme.ColorNameDisabledButton},
		{theme.ColorNamePlaceHolder, theme.ColorNameInputBackground},
	} {
		fg := color.NRGBAModel.Convert(th.Color(pr.fg, theme.VariantLight)).(color.NRGBA)
		bg := color.NRGBAModel.Convert(th.Color(pr.bg, theme.VariantLight)).(color.NRGBA)
		if r := palette.Ratio(fg, bg); r < palette.MinStandard {
			t.Errorf("%s on %s is %.2f:1, under 4.5:1", pr.fg, pr.bg, r)
		}
	}
}
