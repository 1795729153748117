package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/config"
)

func TestReloaderAppliesLiveKeysAndNamesTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.toml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(path, []byte("[rfid]\ndriver = \"virtual\"\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	started, err := config.LoadDemo(path)
	if err != nil {
		t.Fatal(err)
	}
	running := coreOptions(started)
	reload := reloader(path, true, started)

	write("[kiosk]\nidle_timeout = \"3m\"\n[printer]\npolicy = \"never\"\n[sip2]\naddress = \"10.0.0.9:6002\"\n")
	next, restart, errs := reload(running)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if next.IdleTimeout != 3*time.Minute || next.Receipt != "never" {
		t.Errorf("live keys not applied: idle %v receipt %q", next.IdleTimeout, next.Receipt)
	}
	if next.Info.Address != running.Info.Address || next.Parallel != running.Parallel {
		t.Errorf("a restart key reached the running options: %q", next.Info.Address)
	}
	if !slices.Equal(restart, []string{"sip2.address"}) {
		t.Errorf("restart = %v", restart)
	}

	// Putting a key back puts its value back.
	write("")
	back, restart, errs := reload(next)
	if len(errs) != 0 || back.IdleTimeout != running.IdleTimeout || len(restart) != 0 {
		t.Errorf("revert: idle %v restart %v errs %v", back.IdleTimeout, restart, errs)
	}

	write("[kiosk]\nidle_timeout = \"5s\"\n[printer]\ncolumns = 40\n")
	same, _, errs := reload(next)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "kiosk.idle_timeout") || !strings.Contains(errs[0].Error(), "printer.columns") {
		t.Fatalf("invalid file: %v", errs)
	}
	if same.IdleTimeout != next.IdleTimeout {
		t.Error("an invalid file changed the options")
	}
	if reloader("", false, started) != nil {
		t.Error("a kiosk without a file has a reloader")
	}
}

// TestLiveKeysExist keeps the list of live keys in step with the
// configuration: a renamed key would otherwise silently need a restart.
func TestLiveKeysExist(t *testing.T) {
	a, b := config.Default(), config.Default()
	b.Kiosk.IdleTimeout.Duration++
	b.Kiosk.IdleWarning.Duration++
	b.Kiosk.Greeting = "x"
	b.Kiosk.Language = "x"
	b.Library.PayWhere = config.Text{"da": "x"}
	b.Library.PayWhereIn = map[string]string{"en": "x"}
	b.Loans.AlreadyLent = "x"
	b.Loans.OtherLibrary = "x"
	b.Printer.Policy = "x"
	b.Returns.SortBins = map[string]config.Text{"x": {"da": "y"}}
	b.Returns.HoldShelf = config.Text{"da": "x"}
	b.Returns.StaffDesk = config.Text{"da": "x"}
	b.Returns.DefaultShelf = config.Text{"da": "x"}
	b.Maintenance.Idle.Duration++
	b.Hours = config.Hours{Monday: "x", Tuesday: "x", Wednesday: "x", Thursday: "x", Friday: "x", Saturday: "x", Sunday: "x",
		ClosedDates: []string{"x"}, Reboot: "x"}
	got := config.Changed(a, b)
	for k := range liveKeys {
		if !slices.Contains(got, k) {
			t.Errorf("live key %s is not a configuration key", k)
		}
	}
	if len(got) != len(liveKeys) {
		t.Errorf("changed %v, live keys %d", got, len(liveKeys))
	}
}
