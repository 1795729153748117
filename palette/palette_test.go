package palette

import (
	"strings"
	"testing"
)

// TestDefaultsKeepContrast: every text/background pair of the kiosk's own
// palette keeps 4.5:1, and of the high-contrast one 7:1.
func TestDefaultsKeepContrast(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Palette
		min  float64
	}{{"default", Default(), MinStandard}, {"high contrast", HighContrast(), MinHigh}} {
		for _, pr := range c.p.Pairs() {
			if r := Ratio(pr.T, pr.B); r < c.min {
				t.Errorf("%s: %s on %s is %.2f:1, under %.1f:1", c.name, pr.Text, pr.Background, r, c.min)
			}
		}
		if err := c.p.Check(c.min); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if err := Default().Check(MinHigh); err == nil {
		t.Error("the default palette passes 7:1, so high contrast would change nothing")
	}
}

func TestRatio(t *testing.T) {
	white, black := rgb(0xffffff), rgb(0x000000)
	if r := Ratio(white, black); r < 20.99 || r > 21.01 {
		t.Errorf("white on black = %.3f, want 21", r)
	}
	if r := Ratio(white, white); r != 1 {
		t.Errorf("white on white = %.3f, want 1", r)
	}
	// #767676 on white is the well-known AA limit, 4.54:1.
	if r := Ratio(rgb(0x767676), white); r < 4.5 || r > 4.6 {
		t.Errorf("#767676 on white = %.3f, want 4.54", r)
	}
}

// TestCheckNamesThePair: a configured colour that breaks a pair is refused
// with the pair, the colours and the ratio.
func TestCheckNamesThePair(t *testing.T) {
	p := Default()
	if err := p.Set("primary", "#6fa8dc"); err != nil {
		t.Fatal(err)
	}
	err := p.Check(MinStandard)
	if err == nil {
		t.Fatal("a light blue under white text passed")
	}
	for _, want := range []string{"on_primary #ffffff on primary #6fa8dc", ":1, under 4.5:1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := p.Set("primary", "blue"); err == nil {
		t.Error("a colour name was taken for #rrggbb")
	}
	if err := p.Set("sky", "#000000"); err == nil || !strings.Contains(err.Error(), "background, text") {
		t.Errorf("unknown colour name: %v", err)
	}
}
