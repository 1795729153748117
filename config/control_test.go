package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestControlKeys(t *testing.T) {
	c, err := LoadDemo(write(t, "k.toml", "[rfid]\ndriver = \"virtual\"\n[control]\nsocket = \"/run/kiosk/ctl.sock\"\ngroup = \"kioskadm\"\nallow_uids = [0, 1001]\n", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	if c.Control.Socket != "/run/kiosk/ctl.sock" || c.Control.Group != "kioskadm" || !slices.Equal(c.Control.AllowUIDs, []int{0, 1001}) {
		t.Fatalf("control: %+v", c.Control)
	}
	if Default().Control.Socket != "/run/kiosk/control.sock" {
		t.Errorf("default socket %q", Default().Control.Socket)
	}
	_, err = LoadDemo(write(t, "bad.toml", "[rfid]\ndriver = \"virtual\"\n[control]\nsocket = \"control.sock\"\ngroup = \"Kiosk Admins\"\nallow_uids = [-1]\n", 0o644))
	got := strings.Join(errorLines(err), "\n")
	for _, want := range []string{
		`config: control.socket = "control.sock" is not valid: an absolute path`,
		`config: control.group = "Kiosk Admins" is not valid: a group name or a numeric gid`,
		`config: control.allow_uids = -1 is not valid: user ids, 0 or more`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}

func TestChanged(t *testing.T) {
	a := Default()
	b := Default()
	if got := Changed(a, b); len(got) != 0 {
		t.Fatalf("no change: %v", got)
	}
	b.Kiosk.IdleTimeout = Duration{2 * time.Minute}
	b.SIP2.TLS.CAFile = "/etc/kiosk/ca.pem"
	b.Returns.SortBins = map[string]Text{"1": {"da": "Voksen"}}
	b.Control.AllowUIDs = []int{7}
	want := []string{"kiosk.idle_timeout", "sip2.tls.ca_file", "returns.sort_bins", "control.allow_uids"}
	if got := Changed(a, b); !slices.Equal(got, want) {
		t.Fatalf("Changed = %v, want %v", got, want)
	}
}
