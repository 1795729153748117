package main

import (
	"time"

	"fyne.io/fyne/v2"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/scanner"
)

// attachWedge turns keystrokes reaching the window into scans: a USB
// barcode scanner in keyboard mode types the card number and Enter faster
// than any person, and the wedge tells the two apart. The kiosk has no
// keyboard, so slow typing is simply dropped.
func attachWedge(w fyne.Window, cfg config.Config, scan func([]byte)) {
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
