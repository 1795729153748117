package main

import (
	"context"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/cmd/kiosk/scenario"
	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/kioskdemo"
)

// demo is the kiosk with simulated surroundings (kiosk/kioskdemo) plus what
// only the command has: the logger the Fyne simulator panel reports its
// failed actions to. The simulated world itself lives in kioskdemo so it can
// be tested without a display.
type demo struct {
	*kioskdemo.Demo
	log logrus.FieldLogger
}

// startDemo starts the demo world with the parts of the configuration that
// make sense against the simulators: the receipt layout, branch and kiosk
// id, the card patterns, the greeting, the library's texts (where fees are
// paid, where returns go) and the idle times. The devices and library system configured are ignored.
func startDemo(ctx context.Context, cfg config.Config, bundle *i18n.Bundle, screen kiosk.UI, log logrus.FieldLogger, extra coreExtras) (*demo, error) {
	o := kioskdemo.DefaultOptions()
	o.Log = log
	o.Bundle = bundle
	o.UI = screen
	o.Receipt = receiptOptions(cfg.Printer)
	o.Branch = cfg.Library.Branch
	o.KioskID = cfg.Kiosk.ID
	o.Footers = cfg.Printer.Footer.Texts()
	o.Scanner = scannerRules(cfg.Login)
	o.Kiosk.Greet = cfg.Kiosk.Greeting != "none"
	o.Kiosk.ReceiptName = cfg.Printer.PrintPatronName
	o.Kiosk.Language = cfg.Kiosk.Language
	libraryTexts(&o.Kiosk, cfg)
	if cfg.Kiosk.IdleTimeout.Duration > cfg.Kiosk.IdleWarning.Duration && cfg.Kiosk.IdleWarning.Duration > 0 {
		o.Kiosk.IdleTimeout, o.Kiosk.IdleWarning = cfg.Kiosk.IdleTimeout.Duration, cfg.Kiosk.IdleWarning.Duration
	}
	// A technician's PIN file from the configuration replaces the demo's
	// own technician (kioskdemo.MaintTech).
	o.Kiosk.MaintPINFile = cfg.Maintenance.PINFile
	o.Kiosk.Info.ConfigSum = extra.configSum
	// Opening hours close the demo too, and its reboot only says so. Its
	// screen is switched only on the image (KIOSK_SCREEN_FILE, see
	// dpms): a demo on a developer's desktop only logs it.
	coreHours(&o.Kiosk, cfg.Hours)
	if d := newDPMS(cfg.Hours.Output); d.file != "" {
		o.Display = d
	}
	o.LogTail = extra.logTail
	if extra.metrics != nil {
		o.Observer, o.SIP2Observer = extra.metrics, extra.metrics
	}
	d, err := kioskdemo.Start(ctx, o)
	if err != nil {
		return nil, err
	}
	if extra.metrics != nil {
		extra.metrics.SetGauges(d.Kiosk.Gauges)
	}
	return &demo{Demo: d, log: log}, nil
}

var _ scenario.World = (*demo)(nil)
