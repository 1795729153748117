package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/sirupsen/logrus"
)

// errNotWatched says that systemd's watchdog belongs to a process that is
// neither the kiosk nor the compositor that started it, so pings from the
// kiosk would speak for the wrong process.
var errNotWatched = errors.New("the watchdog is for another process")

// watchdogInterval reads the watchdog that systemd announces in the
// environment (WATCHDOG_USEC, WATCHDOG_PID; sd_watchdog_enabled(3)) and
// returns its interval, or 0 when there is no watchdog. getenv is os.Getenv
// outside tests; pid and ppid are this process's id and its parent's.
//
// The kiosk runs as cage's client: "cage -- kiosk" is the unit's ExecStart,
// so cage is the main process and systemd sets WATCHDOG_PID to cage's pid.
// The kiosk inherits that environment from cage, and the plain check
// (daemon.SdWatchdogEnabled: WATCHDOG_PID must be our own pid) would turn
// the watchdog off in the one process that can tell whether the kiosk works.
// The kiosk therefore also accepts the watchdog of its parent. cage itself
// never pings, and the unit's NotifyAccess=all lets systemd take WATCHDOG=1
// from the kiosk as a process of the service.
//
// The other way out, sending MAINPID=<kiosk> so that systemd supervises the
// kiosk instead of cage, is not taken: systemd would then watch a process
// that is not its child and could not read its exit status, cage would be
// left out of the unit's idea of the service, and WATCHDOG_PID in the
// environment would still name cage, so the check here would be needed
// anyway.
//
// If cage dies, the kiosk is reparented, its parent is no longer the watched
// process, and it stops pinging; systemd then restarts the whole unit, which
// is what should happen to a kiosk without a compositor.
func watchdogInterval(getenv func(string) string, pid, ppid int) (time.Duration, error) {
	usec := getenv("WATCHDOG_USEC")
	if usec == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(usec, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("kiosk: WATCHDOG_USEC %q: %w", usec, err)
	}
	if n <= 0 || n > int64(time.Duration(1<<63-1)/time.Microsecond) {
		return 0, fmt.Errorf("kiosk: WATCHDOG_USEC %q is not a usable interval", usec)
	}
	interval := time.Duration(n) * time.Microsecond

	// Without WATCHDOG_PID the watchdog is meant for whichever process of
	// the service reads it (systemd's own rule).
	ws := getenv("WATCHDOG_PID")
	if ws == "" {
		return interval, nil
	}
	wpid, err := strconv.Atoi(ws)
	if err != nil {
		return 0, fmt.Errorf("kiosk: WATCHDOG_PID %q: %w", ws, err)
	}
	if wpid <= 0 {
		return 0, fmt.Errorf("kiosk: WATCHDOG_PID %q is not a process id", ws)
	}
	if wpid == pid || wpid == ppid {
		return interval, nil
	}
	return 0, fmt.Errorf("kiosk: WATCHDOG_PID %d is neither this process (%d) nor its parent (%d): %w", wpid, pid, ppid, errNotWatched)
}

// notifySystemd tells systemd the kiosk is up and pings its watchdog at half
// the interval, so a hung kiosk is restarted (packaging/systemd/kiosk.service).
// Outside systemd both calls do nothing. The demo runs the same code, and
// its unit (packaging/image/files/kiosk-demo.service) has a watchdog too.
//
// alive reports whether the kiosk's event loop still turns; while it does
// not, the pings stop and systemd restarts the kiosk (a deadlock must not be
// hidden behind a ticker that keeps running).
func notifySystemd(ctx context.Context, log logrus.FieldLogger, alive func() bool) {
	if _, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		log.WithError(err).Warn("kiosk: sd_notify READY failed")
	} else {
		readySent.Store(true)
	}
	interval, err := watchdogInterval(os.Getenv, os.Getpid(), os.Getppid())
	if err != nil {
		// A watchdog the kiosk cannot feed kills it after one interval;
		// the journal must say why.
		log.WithError(err).Error("kiosk: not pinging systemd's watchdog")
		return
	}
	if interval == 0 {
		watchdogOff.Store(true)
		return
	}
	// boot-test.sh looks for this line: it shows the pings are on.
	log.Infof("kiosk: systemd watchdog of %s: pinging every %s", interval, interval/2)
	go func() {
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !alive() {
					log.Error("kiosk: the core's event loop is stuck; no watchdog ping")
					continue
				}
				if _, err := daemon.SdNotify(false, daemon.SdNotifyWatchdog); err != nil {
					log.WithError(err).Warn("kiosk: sd_notify WATCHDOG failed")
				} else {
					watchdogPings.Add(1)
				}
			}
		}
	}()
}
