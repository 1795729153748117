package usbtest

import (
	"strings"
	"testing"
)

func TestDescriptors(t *testing.T) {
	d := Printer("p").Descriptors()
	// Device descriptor: 18 bytes, VID/PID little-endian, three strings.
	if d[0] != 18 || d[1] != 1 || d[8] != 0x16 || d[9] != 0x04 || d[10] != 0x11 || d[11] != 0x50 {
		t.Fatalf("device descriptor % x", d[:18])
	}
	if d[14] != 1 || d[15] != 2 || d[16] != 3 {
		t.Errorf("string indexes % x", d[14:17])
	}
	cfg := d[18:]
	total := int(cfg[2]) | int(cfg[3])<<8
	if total != len(cfg) || total != 9+9+7+7 {
		t.Errorf("wTotalLength %d, config is %d bytes", total, len(cfg))
	}
	// Interface class 7/1/2 with bulk OUT 0x01 and bulk IN 0x82.
	if cfg[9+5] != 7 || cfg[9+6] != 1 || cfg[9+7] != 2 {
		t.Errorf("interface % x", cfg[9:18])
	}
	if cfg[18+2] != 0x01 || cfg[18+3] != 2 || cfg[25+2] != 0x82 || cfg[25+3] != 2 {
		t.Errorf("endpoints % x", cfg[18:])
	}
	// The HID scanner has a HID descriptor and an interrupt endpoint.
	k := Keyboard("k").Descriptors()[18:]
	if k[18+1] != 0x21 || k[27+2] != 0x81 || k[27+3] != 3 {
		t.Errorf("keyboard config % x", k)
	}
	// A device without strings has zero string indexes.
	bare := Device{VID: 1, PID: 2}
	if b := bare.Descriptors(); b[14] != 0 || b[15] != 0 || b[16] != 0 {
		t.Errorf("bare string indexes % x", b[14:17])
	}
}

func TestRecord(t *testing.T) {
	r := Keyboard("k").Record()
	for _, want := range []string{
		"P: /devices/pci0000:00/0000:00:14.0/usb1/1-3\n", "N: bus/usb/001/004\n",
		"A: idVendor=05f9\\n\n", "E: DEVTYPE=usb_device\n", "P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0\n",
		"A: bInterfaceClass=03\\n\n",
	} {
		if !strings.Contains(r, want) {
			t.Errorf("record lacks %q:\n%s", want, r)
		}
	}
}

func TestRunPattern(t *testing.T) {
	if got := runPattern("TestA/sub.case"); got != `^TestA$/^sub\.case$` {
		t.Errorf("runPattern = %q", got)
	}
}

// TestMissingUmockdevFailsUnlessSkippedOnPurpose: without the emulation the
// emulated-USB tests fail (saying how to install it or skip on purpose),
// and skip only with KIOSK_SKIP_UMOCKDEV=1.
func TestMissingUmockdevFailsUnlessSkippedOnPurpose(t *testing.T) {
	if skip, msg := unavailable(true, "", ""); skip || msg != "" {
		t.Errorf("available: skip %v msg %q, want neither", skip, msg)
	}
	for _, env := range []string{"", "0", "yes"} {
		skip, msg := unavailable(false, "umockdev-run not found", env)
		if skip || !strings.Contains(msg, "umockdev emulation unavailable (umockdev-run not found)") ||
			!strings.Contains(msg, "KIOSK_SKIP_UMOCKDEV=1") {
			t.Errorf("%s=%q: skip %v msg %q, want a failure naming the fix", EnvSkip, env, skip, msg)
		}
	}
	skip, msg := unavailable(false, "umockdev-run not found", "1")
	if !skip || !strings.Contains(msg, "KIOSK_SKIP_UMOCKDEV=1") {
		t.Errorf("%s=1: skip %v msg %q, want a skip", EnvSkip, skip, msg)
	}
}
