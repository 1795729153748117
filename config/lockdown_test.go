package config

import (
	"strings"
	"testing"
)

func TestUSBAndDisplayLoad(t *testing.T) {
	c, err := LoadDemo(write(t, "k.toml", "[rfid]\ndriver = \"virtual\"\n[usb]\nallow = [\"0eef:0001\", \"067B:2303\"]\n"+
		"[display]\nrotation = 90\ntouch_calibration = [0, 1, 0, -1, 0, 1, 0, 0, 1]\n", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.USB.Allow) != 2 || c.USB.Allow[1] != "067B:2303" {
		t.Errorf("usb.allow %v", c.USB.Allow)
	}
	if c.Display.Rotation != 90 || c.Display.Calibration() != "0 1 0 -1 0 1" {
		t.Errorf("display %+v, calibration %q", c.Display, c.Display.Calibration())
	}
	if d := Default(); len(d.USB.Allow) != 0 || d.Display.Rotation != 0 || d.Display.Calibration() != "" {
		t.Errorf("defaults: %+v %+v", d.USB, d.Display)
	}
}

func TestUSBAndDisplayErrors(t *testing.T) {
	for _, c := range []struct{ body, key, value string }{
		{"[usb]\nallow = [\"0eef-0001\"]", "usb.allow", `"0eef-0001"`},
		{"[usb]\nallow = [\"touch\"]", "usb.allow", `"touch"`},
		{"[display]\nrotation = 45", "display.rotation", "45"},
		{"[display]\nrotation = -90", "display.rotation", "-90"},
		{"[display]\ntouch_calibration = [1, 0, 0, 0, 1]", "display.touch_calibration", "[1 0 0 0 1]"},
		{"[display]\ntouch_calibration = [1, 0, 0, 0, 1, 0, 0, 0, 2]", "display.touch_calibration", "[1 0 0 0 1 0 0 0 2]"},
	} {
		_, err := LoadDemo(write(t, "k.toml", "[rfid]\ndriver = \"virtual\"\n"+c.body+"\n", 0o644))
		if err == nil || !strings.Contains(err.Error(), "config: "+c.key+" = "+c.value+" is not valid") {
			t.Errorf("%q: %v", c.body, err)
		}
	}
}

func TestTouchCalibrationNotNumbers(t *testing.T) {
	_, err := LoadDemo(write(t, "k.toml", "[rfid]\ndriver = \"virtual\"\n[display]\ntouch_calibration = [\"a\", 1, 0, 0, 1, 0]\n", 0o644))
	if err == nil || !strings.Contains(err.Error(), "display.touch_calibration") {
		t.Errorf("a text in the matrix: %v", err)
	}
}
