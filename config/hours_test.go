package config

import (
	"strings"
	"testing"
	"time"
)

func TestHoursLoad(t *testing.T) {
	body := "[rfid]\ndriver = \"virtual\"\n[hours]\nmonday = \"08:00-20:00\"\nsaturday = \"10:00-12:00, 13:00-14:00\"\nsunday = \"closed\"\n" +
		"closed_dates = [\"2026-12-24\"]\nreboot = \"03:30\"\noutput = \"HDMI-A-1\"\n"
	c, err := LoadDemo(write(t, "k.toml", body, 0o644))
	if err != nil {
		t.Fatal(err)
	}
	h := c.Hours
	week, errs := h.Week()
	if len(errs) != 0 || !h.Set() {
		t.Fatal(errs)
	}
	if got := week[time.Monday]; len(got) != 1 || got[0] != (Span{8 * time.Hour, 20 * time.Hour}) {
		t.Errorf("monday %v", got)
	}
	if got := week[time.Saturday]; len(got) != 2 || got[1] != (Span{13 * time.Hour, 14 * time.Hour}) {
		t.Errorf("saturday %v", got)
	}
	if week[time.Sunday] != nil {
		t.Errorf("sunday %v, want closed", week[time.Sunday])
	}
	if got := week[time.Tuesday]; len(got) != 1 || got[0] != (Span{0, 24 * time.Hour}) {
		t.Errorf("tuesday (not set) %v, want open all day", got)
	}
	if at, ok := h.RebootAt(); !ok || at != 3*time.Hour+30*time.Minute {
		t.Errorf("reboot %v %v", at, ok)
	}
	if !h.ClosedSet()["2026-12-24"] || h.Output != "HDMI-A-1" {
		t.Errorf("closed dates %v output %q", h.ClosedSet(), h.Output)
	}
	if Default().Hours.Set() {
		t.Error("the default configuration has opening hours")
	}
	if _, ok := Default().Hours.RebootAt(); ok {
		t.Error("the default configuration reboots nightly")
	}
}

func TestHoursErrors(t *testing.T) {
	body := "[rfid]\ndriver = \"virtual\"\n[hours]\nmonday = \"20:00-08:00\"\ntuesday = \"8-20\"\nwednesday = \"08:00-12:00, 11:00-14:00\"\n" +
		"thursday = \"08:00-24:30\"\nclosed_dates = [\"24/12\"]\nreboot = \"25:00\"\noutput = \"HDMI A\"\n"
	_, err := LoadDemo(write(t, "k.toml", body, 0o644))
	got := strings.Join(errorLines(err), "\n")
	for _, want := range []string{
		`config: hours.monday = "20:00-08:00" is not valid`,
		`config: hours.tuesday = "8-20" is not valid`,
		`config: hours.wednesday = "08:00-12:00, 11:00-14:00" is not valid`,
		`config: hours.thursday = "08:00-24:30" is not valid`,
		`config: hours.closed_dates = "24/12" is not valid: dates such as "2026-12-24"`,
		`config: hours.reboot = "25:00" is not valid`,
		`config: hours.output = "HDMI A" is not valid`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}
