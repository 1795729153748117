// Package lockdown writes the kiosk image's device files from the kiosk's
// configuration at boot: the USBGuard policy (kiosk -usbguard), which
// allows the configured devices and hubs and blocks every other USB device,
// the udev rule that calibrates the touch screen (kiosk -touch-rule) and
// cage's rotation of the screen (kiosk -cage-env).
// Like internal/firewall, it only writes text; the image's units install it.
package lockdown

import (
	"fmt"
	"strings"

	"github.com/danbib/kiosk/config"
)

// USBGuardRules returns the USBGuard rule file for c. USBGuard takes the
// first rule that matches a device; the daemon's implicit policy (block)
// takes the rest. Devices are allowed:
//
//   - hubs (every interface of class 09), the root hubs included, so that
//     devices behind a hub are seen at all;
//   - the reader (rfid.usb, for feig-usb), the printer (printer.usb, or
//     any device whose interfaces are all of the printer class 07 when it is
//     empty, as the kiosk then takes the first printer-class device) and a
//     scanner read directly (scanner.usb);
//   - the ids in usb.allow (the touch screen, a keystroke-wedge scanner, a
//     USB serial adapter).
//
// A keyboard or a storage device plugged in matches none of these. An id
// rule matches the device's VID:PID whatever interfaces it has, so an
// allowed id that also offers a keyboard interface is allowed whole.
func USBGuardRules(c config.Config) string {
	var b strings.Builder
	b.WriteString("# The kiosk's USBGuard policy (internal/lockdown), written at boot by\n" +
		"# kiosk -usbguard from /etc/kiosk/kiosk.toml. Everything not allowed here is\n" +
		"# blocked (ImplicitPolicyTarget=block).\n")
	b.WriteString("# Hubs, the root hubs included.\nallow with-interface equals { 09:*:* }\n")
	allow := func(id, why string) {
		fmt.Fprintf(&b, "# %s\nallow id %s\n", why, strings.ToLower(id))
	}
	if c.RFID.Driver == "feig-usb" && c.RFID.USB != "" {
		allow(c.RFID.USB, "The RFID reader (rfid.usb).")
	}
	if c.Printer.Driver == "usb" {
		if c.Printer.USB != "" {
			allow(c.Printer.USB, "The receipt printer (printer.usb).")
		} else {
			b.WriteString("# The receipt printer: printer.usb is empty, so any printer-class device.\n" +
				"allow with-interface equals { 07:*:* }\n")
		}
	}
	if c.Scanner.USB != "" {
		allow(c.Scanner.USB, "The scanner (scanner.usb).")
	}
	for _, id := range c.USB.Allow {
		allow(id, "usb.allow.")
	}
	return b.String()
}

// TouchRule returns the udev rule that gives every touch screen the
// configured calibration matrix (libinput reads LIBINPUT_CALIBRATION_MATRIX
// when the compositor opens the device), or "" when none is configured.
func TouchRule(d config.Display) string {
	m := d.Calibration()
	if m == "" {
		return ""
	}
	return "# The touch screen's calibration (display.touch_calibration), written at\n" +
		"# boot by kiosk -touch-rule (internal/lockdown).\n" +
		fmt.Sprintf("ENV{ID_INPUT_TOUCHSCREEN}==\"1\", ENV{LIBINPUT_CALIBRATION_MATRIX}=\"%s\"\n", m)
}

// CageEnv returns the environment file the kiosk's units read before they
// start cage: KIOSK_CAGE_ARGS holds one -r per quarter turn clockwise for
// d.Rotation. cage (0.1.4, Debian 12) turns its output itself with -r; it has
// no output management protocol, so wlr-randr cannot do it afterwards.
func CageEnv(d config.Display) string {
	args := strings.TrimSpace(strings.Repeat("-r ", d.Rotation/90))
	return "# The screen's rotation (display.rotation), written at boot by\n" +
		"# kiosk -cage-env (internal/lockdown): cage's -r turns it 90 degrees clockwise.\n" +
		fmt.Sprintf("KIOSK_CAGE_ARGS=%q\n", args)
}
