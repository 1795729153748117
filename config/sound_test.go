package config

import (
	"errors"
	"strings"
	"testing"
)

func TestSound(t *testing.T) {
	d := Default()
	if d.Sound.Enabled || d.Sound.Volume != 0.5 {
		t.Errorf("default [sound] = %+v, want off at 0.5", d.Sound)
	}
	c, err := Load(write(t, "k.toml", "[sound]\nenabled = true\nvolume = 0.25\n", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sound.Enabled || c.Sound.Volume != 0.25 {
		t.Errorf("[sound] = %+v, want on at 0.25", c.Sound)
	}
	c, err = Load(write(t, "k.toml", "[sound]\nvolume = 1\n", 0o644))
	if err != nil || c.Sound.Volume != 1 {
		t.Errorf("volume = 1: %v, %v", c.Sound.Volume, err)
	}
	for _, v := range []string{"1.5", "-0.1", `"loud"`} {
		_, err := Load(write(t, "k.toml", "[sound]\nvolume = "+v+"\n", 0o644))
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != "sound.volume" || !strings.Contains(err.Error(), "0.0 (silent) to 1.0") {
			t.Errorf("volume %s: %v, want a sound.volume error", v, err)
		}
	}
	// The example documents the section and keeps the cues off.
	ex, err := Load("../packaging/kiosk.toml")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Sound.Enabled {
		t.Error("the example turns sound cues on")
	}
}
