package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/kiosk"
)

// fakeRun logs the commands a dpms would run instead of running them.
type fakeRun struct {
	calls []string
	list  string
}

func (f *fakeRun) run(_ context.Context, name string, args ...string) ([]byte, error) {
	f.calls = append(f.calls, strings.TrimSpace(name+" "+strings.Join(args, " ")))
	if name == "wlr-randr" && len(args) == 0 {
		return []byte(f.list), nil
	}
	return nil, nil
}

func TestDPMSCommands(t *testing.T) {
	f := &fakeRun{list: "HDMI-A-1 \"Dell Inc. P2419H\"\n  Enabled: yes\n  Modes:\n    1920x1080 px\nDP-2 \"Other\"\n  Enabled: yes\n"}
	ctx := context.Background()
	if err := (dpms{wayland: true, run: f.run}).SetScreen(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := (dpms{wayland: true, output: "HDMI-A-1", run: f.run}).SetScreen(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := (dpms{run: f.run}).SetScreen(ctx, false); err != nil {
		t.Fatal(err)
	}
	want := "wlr-randr | wlr-randr --output HDMI-A-1 --off | wlr-randr --output DP-2 --off | wlr-randr --output HDMI-A-1 --on | xset dpms force off"
	if got := strings.Join(f.calls, " | "); got != want {
		t.Fatalf("commands:\n %s\nwant\n %s", got, want)
	}
	if err := (dpms{wayland: true, run: (&fakeRun{}).run}).SetScreen(ctx, false); err == nil {
		t.Fatal("no output listed, yet no error")
	}
}

func TestCoreHours(t *testing.T) {
	var o kiosk.Options
	coreHours(&o, config.Hours{Monday: "08:00-20:00", Sunday: "closed", ClosedDates: []string{"2026-12-24"}, Reboot: "03:30"})
	mon := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if !o.Hours.Set || !o.Hours.OpenAt(mon) || o.Hours.OpenAt(mon.Add(9*time.Hour)) || o.Hours.OpenAt(mon.AddDate(0, 0, 6)) {
		t.Fatalf("hours %+v", o.Hours)
	}
	if !o.Hours.OpenAt(mon.AddDate(0, 0, 1).Add(-11 * time.Hour)) {
		t.Error("tuesday 01:00 (not configured) should be open")
	}
	if !o.Reboot || o.RebootAt != 3*time.Hour+30*time.Minute {
		t.Errorf("reboot %v %v", o.Reboot, o.RebootAt)
	}
	coreHours(&o, config.Hours{})
	if o.Hours.Set || o.Reboot {
		t.Error("no [hours]: always open, no reboot")
	}
}
