package main

import (
	"testing"
	"time"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/sip2"
)

// The configured zone becomes local time, so SIP2 dates go out as the
// library's wall clock with a blank zone, on both sides of the October
// change to winter time, whatever zone the machine itself has.
func TestUseTimeZone(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	if err := useTimeZone(config.Kiosk{TimeZone: "Europe/Copenhagen"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		utc  time.Time
		want string
	}{
		{time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC), "20261025    000000"}, // CEST, UTC+2
		{time.Date(2026, 10, 25, 0, 59, 0, 0, time.UTC), "20261025    025900"}, // the last minute of summer time
		{time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), "20261025    020000"},  // the clocks went back an hour
		{time.Date(2026, 10, 25, 12, 0, 0, 0, time.UTC), "20261025    130000"}, // CET, UTC+1
	} {
		if got := sip2.FormatDate(c.utc.Local()); got != c.want {
			t.Errorf("%v: %q, want %q", c.utc, got, c.want)
		}
	}
	if err := useTimeZone(config.Kiosk{TimeZone: "Europe/Copenhagn"}); err == nil {
		t.Fatal("a misspelt zone was accepted")
	}
	if time.Local.String() != "Europe/Copenhagen" {
		t.Fatalf("a refused zone changed local time to %v", time.Local)
	}
}
