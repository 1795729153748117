package main

import (
	"context"
	"errors"
	"os/exec"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/control"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/update"
)

// readySent is set once READY went to systemd (watchdog.go; also without
// a NOTIFY_SOCKET, where SdNotify does nothing and says so without error);
// watchdogPings counts the pings sent to systemd's watchdog; watchdogOff
// is set when the unit has none to feed. Mark-good needs all of them.
var (
	readySent     atomic.Bool
	watchdogPings atomic.Int64
	watchdogOff   atomic.Bool
)

// startUpdate starts the update client of a kiosk that runs on a RAUC
// system: the installed system into the status screen, mark-good of the
// booted slot, the daily poll when update.url is set, and `kioskctl
// update` on the control socket h (nil without a socket). Without rauc on
// PATH (a developer's machine, the demo) it does nothing.
func startUpdate(ctx context.Context, k *kiosk.Kiosk, cfg config.Update, h *control.KioskHandler, log logrus.FieldLogger) {
	bin, err := exec.LookPath("rauc")
	if err != nil {
		log.Info("update: no rauc on this system; no updates, no mark-good")
		return
	}
	r := update.Command{Path: bin}
	c, err := update.New(update.Config{URL: cfg.URL, At: cfg.PollAt(), CAFile: cfg.CAFile, TokenFile: cfg.TokenFile, Dir: cfg.Dir},
		r, update.KioskGate{Core: k}, k, log)
	if err != nil {
		log.WithError(err).Error("update: no update client")
		return
	}
	c.OnSystem = k.SetSystem
	if st, err := c.RefreshSystem(ctx); err != nil {
		log.WithError(err).Warn("update: rauc status failed")
	} else {
		c.CheckArrival(st)
	}
	if h != nil {
		h.SetUpdater(c)
	}
	started := time.Now()
	go update.MarkGoodLoop(ctx, r, func() update.Health { return kioskHealth(k) }, started, time.Now,
		cfg.MarkGoodWithin.Duration, 5*time.Second, k, log)
	if cfg.URL != "" {
		go func() {
			if err := c.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.WithError(err).Error("update: polling stopped")
			}
		}()
	}
}

// kioskHealth is what mark-good decides on. READY: systemd was told, and
// the core has started (startUpdate runs from the core's started hook).
func kioskHealth(k *kiosk.Kiosk) update.Health {
	st := k.Status()
	return update.Health{
		Ready:            readySent.Load(),
		WatchdogFed:      watchdogOff.Load() || watchdogPings.Load() > 0,
		ACSOnline:        st.ACSOnline,
		ACSAnswered:      st.Last98 != nil,
		ForcedOutOfOrder: st.OutOfOrder != "",
	}
}
