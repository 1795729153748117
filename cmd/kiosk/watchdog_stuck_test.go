package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// TestWatchdogStopsWhenCoreStuck (reliability.md scenario 36): the kiosk
// pings systemd's watchdog at half its interval while the core steps, and
// stops pinging once the core is stuck, so that systemd restarts it. The
// unit's WatchdogSec leaves room for stuckAfter, so a stuck core is caught
// within WatchdogSec + stuckAfter, and a working one never is.
func TestWatchdogStopsWhenCoreStuck(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const interval = 400 * time.Millisecond
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", strconv.Itoa(int(interval/time.Microsecond)))
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))

	var stuck atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := logrus.New()
	log.SetOutput(&strings.Builder{})
	notifySystemd(ctx, log, func() bool { return !stuck.Load() })

	read := func(within time.Duration) []string {
		var got []string
		buf := make([]byte, 256)
		deadline := time.Now().Add(within)
		for {
			_ = conn.SetReadDeadline(deadline)
			n, err := conn.Read(buf)
			if err != nil {
				return got
			}
			got = append(got, string(buf[:n]))
		}
	}
	got := read(3 * interval)
	pings := 0
	for _, m := range got {
		if m == "WATCHDOG=1" {
			pings++
		}
	}
	if len(got) == 0 || got[0] != "READY=1" || pings < 4 {
		t.Fatalf("a working kiosk sent %q, want READY=1 and a ping every %v", got, interval/2)
	}
	stuck.Store(true)
	// A ping may be on its way from just before.
	read(interval / 4)
	if late := read(3 * interval); len(late) != 0 {
		t.Fatalf("a stuck core still feeds the watchdog: %q", late)
	}
	stuck.Store(false)
	if again := read(2 * interval); len(again) == 0 {
		t.Fatal("the pings did not resume once the core stepped again")
	}

	unit, err := os.ReadFile("../../packaging/systemd/kiosk.service")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^WatchdogSec=(\d+)$`).FindSubmatch(unit)
	if m == nil {
		t.Fatal("kiosk.service has no WatchdogSec")
	}
	sec, _ := strconv.Atoi(string(m[1]))
	// Pings stop at most stuckAfter after the core's last step, and
	// systemd restarts the kiosk WatchdogSec after the last ping.
	if wd := time.Duration(sec) * time.Second; stuckAfter >= wd {
		t.Fatalf("WatchdogSec=%d is not longer than stuckAfter %v", sec, stuckAfter)
	}
}
