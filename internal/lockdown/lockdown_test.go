package lockdown

import (
	"slices"
	"strings"
	"testing"

	"github.com/danbib/kiosk/config"
)

// rules returns the rule lines of a policy, without comments.
func rules(policy string) []string {
	var out []string
	for _, l := range strings.Split(policy, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestUSBGuardRules(t *testing.T) {
	c := config.Default()
	c.RFID.Driver, c.RFID.USB = "feig-usb", "0AB1:0002"
	c.Printer.Driver, c.Printer.USB = "usb", "04b8:0e03"
	c.Scanner.USB = "05f9:2206"
	c.USB.Allow = []string{"0eef:0001"}
	got := rules(USBGuardRules(c))
	want := []string{
		"allow with-interface equals { 09:*:* }",
		"allow id 0ab1:0002",
		"allow id 04b8:0e03",
		"allow id 05f9:2206",
		"allow id 0eef:0001",
	}
	if !slices.Equal(got, want) {
		t.Errorf("rules\n%q\nwant\n%q", got, want)
	}
	for _, l := range got {
		// A keyboard (03:01:01), a storage device (08:06:50) or anything
		// else not named must not be allowed by a class or a wildcard.
		if strings.Contains(l, "03:") || strings.Contains(l, "08:") || strings.Contains(l, "*:*:*") || l == "allow" {
			t.Errorf("rule %q allows more than the configured devices", l)
		}
	}
}

func TestUSBGuardRulesDefaults(t *testing.T) {
	c := config.Default()
	c.RFID.Driver, c.RFID.USB = "feig-serial", "0ab1:0002" // not read over USB: no rule
	c.Printer.Driver, c.Printer.USB = "usb", ""
	c.Scanner.USB = ""
	got := rules(USBGuardRules(c))
	want := []string{"allow with-interface equals { 09:*:* }", "allow with-interface equals { 07:*:* }"}
	if !slices.Equal(got, want) {
		t.Errorf("rules %q, want %q", got, want)
	}
	c.Printer.Driver = "none"
	if got := rules(USBGuardRules(c)); len(got) != 1 {
		t.Errorf("without a USB printer: %q, want hubs only", got)
	}
}

func TestTouchRule(t *testing.T) {
	if r := TouchRule(config.Display{}); r != "" {
		t.Errorf("no calibration: %q", r)
	}
	r := TouchRule(config.Display{TouchCalibration: config.Matrix{0, -1, 1, 1, 0, 0, 0, 0, 1}})
	want := `ENV{ID_INPUT_TOUCHSCREEN}=="1", ENV{LIBINPUT_CALIBRATION_MATRIX}="0 -1 1 1 0 0"`
	if !slices.Contains(strings.Split(r, "\n"), want) {
		t.Errorf("rule\n%s\nlacks %s", r, want)
	}
	r = TouchRule(config.Display{TouchCalibration: config.Matrix{1.02, 0, -0.01, 0, 0.98, 0.015}})
	if !strings.Contains(r, `"1.02 0 -0.01 0 0.98 0.015"`) {
		t.Errorf("fractions: %s", r)
	}
}

func TestCageEnv(t *testing.T) {
	for rot, want := range map[int]string{0: `KIOSK_CAGE_ARGS=""`, 90: `KIOSK_CAGE_ARGS="-r"`, 180: `KIOSK_CAGE_ARGS="-r -r"`, 270: `KIOSK_CAGE_ARGS="-r -r -r"`} {
		lines := strings.Split(CageEnv(config.Display{Rotation: rot}), "\n")
		if !slices.Contains(lines, want) {
			t.Errorf("%d: %q lacks %s", rot, lines, want)
		}
		for _, l := range lines {
			if l != "" && !strings.HasPrefix(l, "#") && l != want {
				t.Errorf("%d: unexpected line %q", rot, l)
			}
		}
	}
}
