package config

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danbib/kiosk/palette"
)

// TestScreenColours: configured colours that keep the contrast are taken;
// one that breaks it is refused with the key, the pair and the ratio; high
// contrast asks 7:1 of the same colours.
func TestScreenColours(t *testing.T) {
	c, err := Load(write(t, "k.toml", "[screen]\ncolours = { primary = \"#1a4d2e\", header = \"#1a4d2e\" }\n", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Screen.Palette()
	if err != nil || palette.Hex(p.Primary) != "#1a4d2e" || palette.Hex(p.Text) != "#111111" {
		t.Errorf("palette %+v, %v", p, err)
	}

	_, err = Load(write(t, "k.toml", "[screen]\ncolours = { primary = \"#6fa8dc\" }\n", 0o644))
	want := `config: screen.colours.primary = "#6fa8dc" is not valid: a colour that keeps text at 4.5:1 or more; on_primary #ffffff on primary #6fa8dc is 2.`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("light blue primary: %v, want %q", err, want)
	}

	// #595959 grey text keeps 4.5:1 on every background; #767676 not 7:1.
	grey := "[screen]\ncolours = { text = \"#595959\" }\n"
	if _, err := Load(write(t, "k.toml", grey, 0o644)); err != nil {
		t.Errorf("grey text at standard contrast: %v", err)
	}
	_, err = Load(write(t, "k.toml", "[screen]\ncontrast = \"high\"\ncolours = { text = \"#767676\" }\n", 0o644))
	if err == nil || !strings.Contains(err.Error(), "screen.colours.text") || !strings.Contains(err.Error(), "7.0:1") {
		t.Errorf("grey text at high contrast: %v", err)
	}

	_, err = Load(write(t, "k.toml", "[screen]\ncontrast = \"max\"\ncolours = { sky = \"#000000\", text = \"black\" }\n", 0o644))
	for _, w := range []string{"screen.contrast", "screen.colours.sky", `screen.colours.text = "black"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("bad screen settings: %v lacks %q", err, w)
		}
	}
}

// TestScreenLogo: a PNG or SVG logo is taken, relative to the file; a
// missing file or one that is not what its name says is refused.
func TestScreenLogo(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 8, 4))); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"logo.png": buf.Bytes(),
		"logo.svg": []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="4"/>`),
		"fake.png": []byte("not an image"),
		"logo.gif": []byte("GIF89a"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "k.toml")
	for _, c := range []struct {
		logo, wantErr string
	}{
		{"logo.png", ""},
		{"logo.svg", ""},
		{"fake.png", "not a PNG image"},
		{"logo.gif", "neither .png nor .svg"},
		{"none.png", "no such file"},
	} {
		if err := os.WriteFile(cfg, []byte("[screen]\nlogo_file = \""+c.logo+"\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Load(cfg)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.logo, err)
		case c.wantErr == "" && got.Screen.LogoFile != filepath.Join(dir, c.logo):
			t.Errorf("%s: logo_file = %q, want it resolved against the file", c.logo, got.Screen.LogoFile)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), "screen.logo_file") || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: %v, want %q", c.logo, err, c.wantErr)
		}
	}
}
