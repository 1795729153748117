package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danbib/kiosk/usb/usbio"
)

// TestEveryCommandHelp runs each registered command with -h: it must print
// its usage and exit 0, not fail with "help requested".
func TestEveryCommandHelp(t *testing.T) {
	for _, c := range commands {
		args := append(strings.Fields(c.name), "-h")
		out, code := rfidRunKioskctl(t, args...)
		if code != 0 || !strings.Contains(out, "usage: kioskctl "+c.name) || strings.Contains(out, "help requested") ||
			strings.Contains(out, "unknown command") {
			t.Errorf("%s -h: exit %d\n%s", c.name, code, out)
		}
	}
}

// TestCommandGroups: "kioskctl tag" and "kioskctl tag -h" list the tag
// commands instead of calling "tag" unknown.
func TestCommandGroups(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"tag"}, 2, []string{"usage: kioskctl tag COMMAND", "tag decode", "tag encode"}},
		{[]string{"tag", "-h"}, 0, []string{"usage: kioskctl tag COMMAND", "tag decode", "tag encode"}},
		{[]string{"sip2", "--help"}, 0, []string{"usage: kioskctl sip2 COMMAND", "sip2 probe"}},
		{[]string{"usb"}, 2, []string{"usb list"}},
		{[]string{"tag", "frobnicate"}, 2, []string{`unknown command "tag frobnicate"`, "tag decode"}},
	} {
		out, code := rfidRunKioskctl(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d", tc.args, code, tc.code)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
		if tc.args[len(tc.args)-1] != "frobnicate" && strings.Contains(out, "unknown command") {
			t.Errorf("%v: %s", tc.args, out)
		}
	}
}

// TestTagEncodeRefusesWhatReadersDisagreeOn: a non-ASCII item id (UTF-8 to
// us, Latin-1 to other codecs) and an ISIL without a library part.
func TestTagEncodeRefusesWhatReadersDisagreeOn(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tag", "encode", "Bøg-0042", "DK-718500"}, "printable ASCII"},
		{[]string{"tag", "encode", "1000000056", "XX"}, "ISO 15511"},
		{[]string{"tag", "encode", "1000000056", "DK-"}, "ISO 15511"},
		{[]string{"tag", "encode", "1000000056", "DK-7185 00"}, "ISO 15511"},
		{[]string{"tag", "encode", "1000000056", ""}, "ISO 15511"},
	} {
		out, code := rfidRunKioskctl(t, tc.args...)
		if code != 1 || !strings.Contains(out, tc.want) {
			t.Errorf("%q: exit %d, want 1 and %q:\n%s", tc.args, code, tc.want, out)
		}
	}
	if out, code := rfidRunKioskctl(t, "tag", "encode", "1000000056", "FI-Mamk-M"); code != 0 {
		t.Errorf("a valid ISIL with a hyphen in its identifier was refused:\n%s", out)
	}
}

func TestQueueRefusesMissingDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "DOES-NOT-EXIST")
	out, code := rfidRunKioskctl(t, "queue", "-dir", missing)
	if code != 1 || strings.Contains(out, "queued") || !strings.Contains(out, "DOES-NOT-EXIST") {
		t.Errorf("missing dir: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("queue created the missing directory: %v", err)
	}
	out, code = rfidRunKioskctl(t, "queue", "-dir", t.TempDir())
	if code != 0 || !strings.Contains(out, "offline returns: 0 queued") {
		t.Errorf("empty dir: exit %d\n%s", code, out)
	}
}

// TestPrinterStatusWithoutPrinter: no device answers, so there is no paper
// state to print.
func TestPrinterStatusWithoutPrinter(t *testing.T) {
	saved := printerOpenUSB
	t.Cleanup(func() { printerOpenUSB = saved })
	printerOpenUSB = func(vid, pid uint16) (usbio.Transport, error) { return nil, usbio.ErrNoDevice }
	var out bytes.Buffer
	err := runPrinterStatus([]string{"-timeout", "1s"}, &out)
	if err == nil || !strings.Contains(out.String(), "no printer found") || strings.Contains(out.String(), "paper:") {
		t.Errorf("err %v\n%s", err, out.String())
	}
}
