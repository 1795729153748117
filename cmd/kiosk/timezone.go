package main

import (
	"time"

	"github.com/danbib/kiosk/config"
)

// useTimeZone makes the configured zone the process's local time. The
// kiosk is one process in one place, and every date it handles is that
// place's wall-clock time: SIP2 sends dates in local time with a blank zone
// field, due dates come back that way, and patrons read them on screen and
// on receipts. Setting time.Local once, before anything starts, keeps all of
// them in the library's zone even on a machine whose own zone is UTC.
func useTimeZone(k config.Kiosk) error {
	loc, err := k.Location()
	if err != nil {
		return err
	}
	time.Local = loc
	return nil
}
