package main

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/control"
	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
)

// liveKeys are the configuration keys `kioskctl reload` applies to the
// running kiosk, each with how it reaches the core's options; they take
// effect at once when no patron is being served, else when the session
// ends. Every other key takes a restart: the devices, the library system's
// connection, the state directory and the socket are opened once, at start.
var liveKeys = map[string]func(o *kiosk.Options, n kiosk.Options){
	"kiosk.idle_timeout":    func(o *kiosk.Options, n kiosk.Options) { o.IdleTimeout = n.IdleTimeout },
	"kiosk.idle_warning":    func(o *kiosk.Options, n kiosk.Options) { o.IdleWarning = n.IdleWarning },
	"kiosk.greeting":        func(o *kiosk.Options, n kiosk.Options) { o.Greet = n.Greet },
	"kiosk.language":        func(o *kiosk.Options, n kiosk.Options) { o.Language = n.Language },
	"library.pay_where":     func(o *kiosk.Options, n kiosk.Options) { o.PayWhere = n.PayWhere },
	"library.pay_where_in":  func(o *kiosk.Options, n kiosk.Options) { o.PayWhere = n.PayWhere },
	"returns.hold_shelf":    func(o *kiosk.Options, n kiosk.Options) { o.HoldShelf = n.HoldShelf },
	"returns.staff_desk":    func(o *kiosk.Options, n kiosk.Options) { o.StaffDesk = n.StaffDesk },
	"returns.default_shelf": func(o *kiosk.Options, n kiosk.Options) { o.ReturnShelf = n.ReturnShelf },
	"loans.already_lent":    func(o *kiosk.Options, n kiosk.Options) { o.AlreadyLent = n.AlreadyLent },
	"loans.other_library":   func(o *kiosk.Options, n kiosk.Options) { o.OtherLibraryLoan = n.OtherLibraryLoan },
	"printer.policy":        func(o *kiosk.Options, n kiosk.Options) { o.Receipt = n.Receipt },
	"returns.sort_bins":     func(o *kiosk.Options, n kiosk.Options) { o.SortBins = n.SortBins },
	"maintenance.idle":      func(o *kiosk.Options, n kiosk.Options) { o.MaintIdle = n.MaintIdle },
	"hours.monday":          liveHours,
	"hours.tuesday":         liveHours,
	"hours.wednesday":       liveHours,
	"hours.thursday":        liveHours,
	"hours.friday":          liveHours,
	"hours.saturday":        liveHours,
	"hours.sunday":          liveHours,
	"hours.closed_dates":    liveHours,
	"hours.reboot":          liveHours,
}

// liveHours takes the opening hours and the nightly reboot, which are read
// together, from the reloaded file.
func liveHours(o *kiosk.Options, n kiosk.Options) {
	o.Hours, o.Reboot, o.RebootAt = n.Hours, n.Reboot, n.RebootAt
}

// reloader re-reads the file the kiosk started from. The live keys are all
// taken from the file (so a reload that puts a key back also puts its value
// back); the others that differ from the file the kiosk started with are
// reported as needing a restart.
func reloader(path string, demo bool, started config.Config) control.Reloader {
	if path == "" {
		return nil
	}
	return func(running kiosk.Options) (kiosk.Options, []string, []error) {
		load := config.Load
		if demo {
			load = config.LoadDemo
		}
		next, err := load(path)
		if err != nil {
			return running, nil, []error{err}
		}
		n := coreOptions(next)
		o := running
		for _, apply := range liveKeys {
			apply(&o, n)
		}
		var restart []string
		for _, k := range config.Changed(started, next) {
			if liveKeys[k] == nil {
				restart = append(restart, k)
			}
		}
		if len(restart) == 0 {
			// The status screen's checksum names the file that runs; with
			// keys waiting for a restart that is still the old one.
			o.Info.ConfigSum = fileSum(path)
		}
		return o, restart, nil
	}
}

// startControl opens the control socket for k and serves it until ctx
// ends. The demo listens in its state directory; the kiosk where the
// configuration says. A socket that cannot be opened is logged and the
// kiosk serves patrons without it.
func startControl(ctx context.Context, k *kiosk.Kiosk, cfg config.Config, o options, bundle *i18n.Bundle, log logrus.FieldLogger) {
	opts := control.Options{Path: cfg.Control.Socket, Group: cfg.Control.Group, AllowUIDs: cfg.Control.AllowUIDs, Log: log}
	if o.demo {
		opts.Path, opts.Group = filepath.Join(k.Options().StateDir, "control.sock"), ""
	}
	h := control.NewKioskHandler(k, reloader(o.config, o.demo, cfg), bundle)
	if !o.demo {
		startUpdate(ctx, k, cfg.Update, h, log)
	}
	if opts.Path == "" {
		log.Info("control: no control socket (control.socket is empty)")
		return
	}
	srv, err := control.Listen(opts, h)
	if err != nil {
		log.WithError(err).Error("control: no control socket; kioskctl status and the other control commands will not reach this kiosk")
		return
	}
	log.WithField("socket", srv.Path()).Infof("control: listening; try: kioskctl status -socket %s", srv.Path())
	go func() {
		if err := srv.Serve(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.WithError(err).Error("control: socket stopped")
		}
	}()
}
