package main

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/scanner"
)

// startKiosk wires the kiosk to real devices from the configuration.
func startKiosk(ctx context.Context, cfg config.Config, screen kiosk.UI, log logrus.FieldLogger) (*kiosk.Kiosk, func(), error) {
	bundle, err := i18n.NewBundle()
	if err != nil {
		return nil, nil, err
	}
	return startDevices(ctx, cfg, bundle, screen, log)
}

// attachWedge turns keystrokes reaching the window into scans: a USB
// barcode scanner in keyboard mode types the card number and Enter faster
// than any person, and the wedge tells the two apart. The kiosk has no
// keyboard, so slow typing is simply dropped.
func attachWedge(w fyne.Window, cfg config.Config, scan func(string)) {
	opts := scanner.DefaultWedgeOptions()
	if cfg.Scanner.KeystrokeGap.Duration > 0 {
		opts.MaxGap = cfg.Scanner.KeystrokeGap.Duration
	}
	wedge := scanner.NewWedge(opts)
	w.Canvas().SetOnTypedRune(func(r rune) {
		if s, ok := wedge.Feed(r, time.Now()); ok {
			scan(s.Text)
		}
	})
	w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
			if s, ok := wedge.Feed('\n', time.Now()); ok {
				scan(s.Text)
			}
		}
	})
}
