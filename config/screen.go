package config

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png" // screen.logo_file is checked by decoding it
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/danbib/kiosk/palette"
)

// Screen is how the patron's screens look: the library's logo and colours.
type Screen struct {
	// LogoFile is the library's logo, a PNG or SVG file, shown in the
	// header and on the welcome screen; empty for none.
	LogoFile string `toml:"logo_file"`
	// Contrast is "standard" (every text at 4.5:1 against its background,
	// WCAG AA) or "high" (7:1, AAA, with darker status colours).
	Contrast string `toml:"contrast"`
	// Colours sets colours of the palette by name ("#rrggbb"); the others
	// keep the kiosk's own. A colour that breaks the contrast is refused.
	Colours map[string]string `toml:"colours"`
}

// Palette is the screens' palette: the kiosk's own for the contrast level,
// with the configured colours set.
func (s Screen) Palette() (palette.Palette, error) {
	p := palette.Default()
	if s.Contrast == "high" {
		p = palette.HighContrast()
	}
	for _, n := range slices.Sorted(maps.Keys(s.Colours)) {
		if err := p.Set(n, s.Colours[n]); err != nil {
			return p, fmt.Errorf("config: screen.colours.%s: %w", n, err)
		}
	}
	return p, nil
}

// MinContrast is the contrast every text pair must keep.
func (s Screen) MinContrast() float64 {
	if s.Contrast == "high" {
		return palette.MinHigh
	}
	return palette.MinStandard
}

// validateScreen checks the logo file and the colours.
func (c *Config) validateScreen() []error {
	s := c.Screen
	var errs []error
	if s.Contrast != "standard" && s.Contrast != "high" {
		errs = append(errs, &Error{"screen.contrast", s.Contrast, "standard (4.5:1) or high (7:1)"})
	}
	if s.LogoFile != "" {
		if err := checkLogo(s.LogoFile); err != nil {
			errs = append(errs, &Error{"screen.logo_file", s.LogoFile, "a readable PNG or SVG file: " + err.Error()})
		}
	}
	p := palette.Default()
	for _, n := range slices.Sorted(maps.Keys(s.Colours)) {
		if err := p.Set(n, s.Colours[n]); err != nil {
			errs = append(errs, &Error{"screen.colours." + n, s.Colours[n], "#rrggbb, for one of " + strings.Join(palette.Names, ", ")})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	pal, _ := s.Palette()
	min := s.MinContrast()
	for _, pr := range pal.Pairs() {
		r := palette.Ratio(pr.T, pr.B)
		if r >= min {
			continue
		}
		// Name the configured colour of the pair (both, when both are).
		for _, n := range []string{pr.Text, pr.Background} {
			if v, ok := s.Colours[n]; ok {
				errs = append(errs, &Error{"screen.colours." + n, v, fmt.Sprintf("a colour that keeps text at %.1f:1 or more; %s %s on %s %s is %.2f:1",
					min, pr.Text, palette.Hex(pr.T), pr.Background, palette.Hex(pr.B), r)})
			}
		}
	}
	return errs
}

// checkLogo opens a logo and checks that it is what its name says.
func checkLogo(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
			return fmt.Errorf("not a PNG image: %w", err)
		}
	case ".svg":
		if !bytes.Contains(data, []byte("<svg")) {
			return fmt.Errorf("no <svg> element")
		}
	default:
		return fmt.Errorf("the name ends in neither .png nor .svg")
	}
	return nil
}
