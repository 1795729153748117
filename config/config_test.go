package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExampleLoads(t *testing.T) {
	c, err := Load("../packaging/kiosk.toml")
	if err != nil {
		t.Fatalf("the annotated example must load: %v", err)
	}
	if c.RFID.AFIOnLoan != 0xC2 || c.RFID.AFISecured != 0x07 {
		t.Errorf("AFI = %#x/%#x", c.RFID.AFISecured, c.RFID.AFIOnLoan)
	}
	if c.Kiosk.IdleWarning.Duration != 20*time.Second {
		t.Errorf("idle_warning = %v", c.Kiosk.IdleWarning)
	}
	if c.Printer.Footers["en"] == "" {
		t.Errorf("printer.footers = %v", c.Printer.Footers)
	}
	if c.SIP2.Institution != "DK-799000" {
		t.Errorf("institution = %q", c.SIP2.Institution)
	}
}

func TestInvalidValuesNameKeyValueAndAllowed(t *testing.T) {
	cases := []struct {
		body, key, value, allowed string
	}{
		{"[sip2]\ntransport = \"telnet\"\n", "sip2.transport", `"telnet"`, "tcp, tls, fbs"},
		{"[printer]\ncolumns = 40\n", "printer.columns", "40", "32 (58 mm)"},
		{"[login]\npin_length = 2\n", "login.pin_length", "2", "4 to 8"},
		{"[kiosk]\nidle_timeout = \"5s\"\n", "kiosk.idle_timeout", "5s", "between 15s and 30m"},
		{"[sip2]\ntransport = \"fbs\"\nurl = \"http://x\"\n", "sip2.url", `"http://x"`, "https://"},
		{"[kiosk]\nlanguage = \"fr\"\n", "kiosk.language", `"fr"`, "da, en"},
		{"[rfid]\nafi_on_loan = 7\n", "rfid.afi_on_loan", "0x07", "different from rfid.afi_secured"},
		{"[printer.footers]\nfr = \"Merci\"\n", "printer.footers", `"fr"`, "da, en"},
	}
	for _, c := range cases {
		_, err := Load(write(t, "k.toml", c.body, 0o644))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: want *Error, got %v", c.body, err)
			continue
		}
		msg := err.Error()
		for _, want := range []string{c.key, c.value, c.allowed} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: error %q lacks %q", c.body, msg, want)
			}
		}
	}
}

func TestBadDurationAndUnknownKey(t *testing.T) {
	_, err := Load(write(t, "k.toml", "[kiosk]\nidle_timeout = \"soon\"\n", 0o644))
	if err == nil || !strings.Contains(err.Error(), "soon") {
		t.Errorf("bad duration: %v", err)
	}
	_, err = Load(write(t, "k.toml", "[sip2]\nadress = \"x:1\"\n", 0o644))
	if err == nil || !strings.Contains(err.Error(), "sip2.adress") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "pw")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "k.toml")
	if err := os.WriteFile(cfg, []byte("[sip2]\npassword_file = \"pw\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable secret must be refused, got %v", err)
	}
	if err := os.Chmod(secret, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP2.Password != "s3cret" {
		t.Errorf("password = %q", c.SIP2.Password)
	}
}
