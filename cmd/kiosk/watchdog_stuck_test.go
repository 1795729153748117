package main

import (
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestWatchdogOutlastsStuckAfter (reliability.md scenario 36): pings stop
// at most stuckAfter after the core's last step (TestNotifySystemdPingsForParent
// shows they stop and resume), and systemd restarts the kiosk WatchdogSec
// after the last ping. The unit's WatchdogSec must leave room for
// stuckAfter, so a stuck core is caught within WatchdogSec + stuckAfter and
// a working one never is.
func TestWatchdogOutlastsStuckAfter(t *testing.T) {
	unit, err := os.ReadFile("../../packaging/systemd/kiosk.service")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^WatchdogSec=(\d+)$`).FindSubmatch(unit)
	if m == nil {
		t.Fatal("kiosk.service has no WatchdogSec")
	}
	sec, _ := strconv.Atoi(string(m[1]))
	if wd := time.Duration(sec) * time.Second; stuckAfter >= wd {
		t.Fatalf("WatchdogSec=%d is not longer than stuckAfter %v", sec, stuckAfter)
	}
}
