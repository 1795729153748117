package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/internal/lockdown"
	"github.com/danbib/kiosk/kiosk"
)

// writeConfig writes a kiosk.toml (synthetic test data) into a temporary
// directory and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckConfigValid(t *testing.T) {
	p := writeConfig(t, "[kiosk]\nid = \"test-kiosk-7\"\n[sip2]\ntransport = \"tls\"\naddress = \"sip2.example.dk:6001\"\n")
	var out bytes.Buffer
	if err := checkConfig(p, &out); err != nil {
		t.Fatalf("valid configuration refused: %v", err)
	}
	for _, want := range []string{`kiosk id "test-kiosk-7"`, "sip2.example.dk:6001", "(tls)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report %q does not mention %s", out.String(), want)
		}
	}
}

func TestCheckConfigInvalid(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"transport": {"[sip2]\ntransport = \"carrier-pigeon\"\n", "sip2.transport"},
		"zone":      {"[kiosk]\ntime_zone = \"Europe/Atlantis\"\n", "Europe/Atlantis"},
		"syntax":    {"[kiosk\n", "kiosk.toml"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := checkConfig(writeConfig(t, tc.body), &out)
			if err == nil {
				t.Fatalf("accepted: %s", out.String())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s", err, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("an invalid file was reported as valid: %q", out.String())
			}
		})
	}
	if err := checkConfig(filepath.Join(t.TempDir(), "missing.toml"), &bytes.Buffer{}); err == nil {
		t.Error("a missing file was accepted")
	}
}

// The screen of a kiosk with a bad configuration says so in every language
// and names what is wrong.
func TestConfigInvalidView(t *testing.T) {
	_, err := loadConfig(writeConfig(t, "[sip2]\ntransport = \"carrier-pigeon\"\n"), false)
	if err == nil {
		t.Fatal("invalid configuration loaded")
	}
	v := configInvalidView("da", err)
	if v.Screen != kiosk.ScreenOutOfOrder || v.Mode != kiosk.ModeOutOfOrder || v.ModeReason.ID != msgConfigInvalid {
		t.Fatalf("view %+v", v)
	}
	b, berr := i18n.NewBundle()
	if berr != nil {
		t.Fatal(berr)
	}
	for _, l := range i18n.Languages {
		s := b.Localizer(l.Code).T(v.ModeReason.ID, v.ModeReason.Data)
		if s == msgConfigInvalid || !strings.Contains(s, "sip2.transport") || !strings.Contains(s, "kiosk.toml") {
			t.Errorf("%s: reason %q does not name the file and the key", l.Code, s)
		}
	}
}

func TestPrintFirewall(t *testing.T) {
	p := writeConfig(t, "[sip2]\ntransport = \"tls\"\naddress = \"sip2.example.dk:6001\"\n")
	var out, errOut bytes.Buffer
	resolve := func(_ context.Context, host string) ([]net.IP, error) {
		if host != "sip2.example.dk" {
			t.Errorf("resolved %q", host)
		}
		return []net.IP{net.ParseIP("192.0.2.7")}, nil
	}
	if err := printFirewall(p, &out, &errOut, resolve); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "192.0.2.7 . 6001") || !strings.Contains(out.String(), "policy drop") {
		t.Errorf("ruleset:\n%s", out.String())
	}
	// The update server goes out, the metrics listener comes in.
	out.Reset()
	p = writeConfig(t, "[sip2]\ntransport = \"tls\"\naddress = \"192.0.2.7:6001\"\n"+
		"[update]\nurl = \"https://192.0.2.9:8443/kiosk.raucb\"\n"+
		"[metrics]\nlisten = \"0.0.0.0:9464\"\ninsecure_ok = true\n")
	if err := printFirewall(p, &out, &errOut, resolve); err != nil {
		t.Fatal(err)
	}
	if rs := out.String(); !strings.Contains(rs, "elements = { 192.0.2.7 . 6001, 192.0.2.9 . 8443 }") ||
		!strings.Contains(rs[strings.Index(rs, "chain input"):], "tcp dport 9464 accept") {
		t.Errorf("ruleset without the update server or the metrics port:\n%s", rs)
	}
	// An invalid configuration gives no ruleset at all.
	out.Reset()
	if err := printFirewall(writeConfig(t, "[sip2]\ntransport = \"carrier-pigeon\"\n"), &out, &errOut, resolve); err == nil || out.Len() != 0 {
		t.Errorf("invalid configuration: %v, %q", err, out.String())
	}
}

func TestPrintUSBGuard(t *testing.T) {
	var out bytes.Buffer
	p := writeConfig(t, "[rfid]\ndriver = \"feig-usb\"\nusb = \"0ab1:0002\"\n[printer]\ndriver = \"usb\"\nusb = \"04b8:0e03\"\n"+
		"[usb]\nallow = [\"0eef:0001\"]\n")
	if err := printUSBGuard(p, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"allow with-interface equals { 09:*:* }\n", "allow id 0ab1:0002\n", "allow id 04b8:0e03\n", "allow id 0eef:0001\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("policy lacks %q:\n%s", want, out.String())
		}
	}
	// An invalid configuration: an error, and a policy of the hubs alone.
	out.Reset()
	err := printUSBGuard(writeConfig(t, "[sip2]\ntransport = \"carrier-pigeon\"\n[usb]\nallow = [\"0eef:0001\"]\n"), &out)
	if err == nil || !strings.Contains(err.Error(), "sip2.transport") {
		t.Errorf("invalid configuration: %v", err)
	}
	if got := strings.Count(out.String(), "\nallow "); got != 1 || !strings.Contains(out.String(), "allow with-interface equals { 09:*:* }") {
		t.Errorf("invalid configuration's policy, want the hubs only:\n%s", out.String())
	}
}

func TestPrintDisplay(t *testing.T) {
	var out bytes.Buffer
	p := writeConfig(t, "[display]\nrotation = 90\ntouch_calibration = [0, 1, 0, -1, 0, 1]\n")
	if err := printDisplay(p, &out, lockdown.TouchRule); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `ENV{ID_INPUT_TOUCHSCREEN}=="1", ENV{LIBINPUT_CALIBRATION_MATRIX}="0 1 0 -1 0 1"`) {
		t.Errorf("rule:\n%s", out.String())
	}
	out.Reset()
	if err := printDisplay(p, &out, lockdown.CageEnv); err != nil || !strings.Contains(out.String(), "\nKIOSK_CAGE_ARGS=\"-r\"\n") {
		t.Errorf("cage env: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := printDisplay(writeConfig(t, "[display]\nrotation = 90\n"), &out, lockdown.TouchRule); err != nil || out.Len() != 0 {
		t.Errorf("no calibration: %v, %q", err, out.String())
	}
	if err := printDisplay(writeConfig(t, "[display]\nrotation = 45\n"), &out, lockdown.CageEnv); err == nil || out.Len() != 0 {
		t.Errorf("invalid rotation: %v, %q", err, out.String())
	}
}
