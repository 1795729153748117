package config

import (
	"fmt"
	"strings"
)

// USB is the [usb] section: what the image's USBGuard policy allows besides
// the devices the configuration already names (rfid.usb, printer.usb,
// scanner.usb) and hubs. Every other device plugged in is blocked.
type USB struct {
	// Allow lists further devices as "VID:PID" in hex: the touch screen, a
	// keystroke-wedge scanner (scanner.usb empty), a USB serial adapter of
	// a feig-serial reader.
	Allow []string `toml:"allow"`
}

func (u USB) validate() []error {
	var errs []error
	for _, id := range u.Allow {
		if !vidpidRe.MatchString(id) {
			errs = append(errs, &Error{"usb.allow", id, `a list of "VID:PID" in hex, e.g. ["0eef:0001"]`})
		}
	}
	return errs
}

// Display is the [display] section: the screen's rotation and the touch
// screen's calibration, for kiosks with portrait screens. ([screen] is the
// look of the screens.)
type Display struct {
	// Rotation turns the picture clockwise by 0, 90, 180 or 270 degrees
	// (cage's -r, once per quarter turn).
	Rotation int `toml:"rotation"`
	// TouchCalibration is libinput's calibration matrix for touch screens:
	// its first two rows (6 numbers), or all three (9 numbers, the last
	// row 0 0 1). Empty leaves the touch screen as it reports itself.
	TouchCalibration Matrix `toml:"touch_calibration"`
}

func (d Display) validate() []error {
	var errs []error
	switch d.Rotation {
	case 0, 90, 180, 270:
	default:
		errs = append(errs, &Error{"display.rotation", d.Rotation, "0, 90, 180 or 270 (degrees)"})
	}
	m := d.TouchCalibration
	switch {
	case len(m) == 0 || len(m) == 6:
	case len(m) == 9 && m[6] == 0 && m[7] == 0 && m[8] == 1:
	default:
		errs = append(errs, &Error{"display.touch_calibration", m, "6 numbers (libinput's matrix without its last row), or 9 ending in 0, 0, 1"})
	}
	return errs
}

// Calibration is the touch calibration as LIBINPUT_CALIBRATION_MATRIX takes
// it (6 numbers separated by spaces), or "" when none is set.
func (d Display) Calibration() string {
	m := d.TouchCalibration
	if len(m) < 6 {
		return ""
	}
	s := make([]string, 6)
	for i, f := range m[:6] {
		s[i] = fmt.Sprint(f)
	}
	return strings.Join(s, " ")
}

// Matrix is a list of numbers that may be written with or without a
// decimal point ([0, 1, 0, -1, 0, 1]), which the TOML decoder alone would
// refuse for a []float64.
type Matrix []float64

// UnmarshalTOML takes a TOML array of integers and floats.
func (m *Matrix) UnmarshalTOML(v any) error {
	list, ok := v.([]any)
	if !ok {
		return fmt.Errorf("config: %v is not a list of numbers", v)
	}
	out := make(Matrix, len(list))
	for i, e := range list {
		switch n := e.(type) {
		case int64:
			out[i] = float64(n)
		case float64:
			out[i] = n
		default:
			return fmt.Errorf("config: %v is not a number", e)
		}
	}
	*m = out
	return nil
}
