package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/danbib/kiosk/internal/certpool"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/scanner"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sound"
	"github.com/danbib/kiosk/usb"
)

// sip2Options maps the [sip2] section onto the client's options.
func sip2Options(c config.SIP2, log logrus.FieldLogger) (sip2.Options, error) {
	o := sip2.DefaultOptions()
	o.Institution = c.Institution
	o.Location = c.Location
	o.ErrorDetection = c.ErrorDetection
	o.RequestTimeout = c.Timeout.Duration
	o.KeepAlive = c.Keepalive.Duration
	o.Retries = c.Retries
	// Off unless the library system drops repeats by AY/AZ: a resent
	// checkout would otherwise lend the item a second time.
	o.ResendUnsafeOnTimeout = c.ResendUnsafeOnTimeout
	o.Logger = log
	cs, err := sip2.ParseCharset(c.Charset)
	if err != nil {
		return o, err
	}
	o.Charset = cs
	tlsOpts, err := tlsOptions(c.TLS)
	if err != nil {
		return o, err
	}
	switch c.Transport {
	case "tcp":
		o.Dialer = sip2.TCPDialer{Addr: c.Address}
		o.LoginUser, o.LoginPassword = c.User, c.Password
	case "tls":
		o.Dialer = sip2.TLSDialer{Addr: c.Address, TLS: tlsOpts}
		o.LoginUser, o.LoginPassword = c.User, c.Password
	case "fbs":
		// FBS takes the login in the XML envelope and sends no 93.
		o.Dialer = sip2.FBSDialer{BaseURL: c.URL, Agency: c.Institution, Login: c.User, Password: c.Password, TLS: tlsOpts}
	default:
		return o, fmt.Errorf("sip2.transport %q: use tcp, tls or fbs", c.Transport)
	}
	return o, nil
}

func tlsOptions(c config.TLS) (sip2.TLSOptions, error) {
	o := sip2.TLSOptions{ServerName: c.ServerName}
	if c.CAFile != "" {
		pool, err := certpool.Load(c.CAFile)
		if err != nil {
			return o, fmt.Errorf("sip2.tls.ca_file: %w", err)
		}
		o.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return o, fmt.Errorf("sip2.tls.cert_file: %w", err)
		}
		o.Certificates = []tls.Certificate{cert}
	}
	return o, nil
}

// coreOptions maps the configuration onto the core's options.
func coreOptions(cfg config.Config) kiosk.Options {
	o := kiosk.DefaultOptions()
	o.KioskID = cfg.Kiosk.ID
	o.InstitutionISIL = cfg.SIP2.Institution
	o.PINLength = cfg.Login.PINLength
	o.MaxWrongPINs = cfg.Login.MaxWrongPINs
	o.LockFor = cfg.Login.Lockout.Duration
	o.BlockPatronAfter = cfg.Login.BlockPatronAfter
	o.BlockWindow = cfg.Login.BlockWindow.Duration
	o.IdleTimeout = cfg.Kiosk.IdleTimeout.Duration
	o.IdleWarning = cfg.Kiosk.IdleWarning.Duration
	o.AlreadyLent = cfg.Loans.AlreadyLent
	switch cfg.Loans.OtherLibrary {
	case "lend":
		o.OtherLibraryLoan = kiosk.OtherLibraryAllow
	case "refuse", "staff":
		// Loans cannot be handed to staff at a kiosk: both mean "not here".
		o.OtherLibraryLoan = kiosk.OtherLibraryRefuse
	}
	o.TagAttempts = cfg.RFID.WriteRetries + 1
	o.Parallel = cfg.SIP2.PoolSize
	o.CallTimeout = cfg.SIP2.Timeout.Duration
	o.OfflineReturns = cfg.Returns.Offline
	o.OfflineQueueMax = cfg.Returns.QueueMax
	o.StateDir = cfg.Kiosk.StateDir
	switch cfg.Printer.Policy {
	case "always":
		o.Receipt = kiosk.ReceiptAlways
	case "never":
		o.Receipt = kiosk.ReceiptNever
	case "timeout":
		// Asks, and prints when the patron walks away without choosing.
		o.Receipt = kiosk.ReceiptTimeout
	default:
		o.Receipt = kiosk.ReceiptAsk
	}
	if cfg.Printer.Driver == "none" {
		o.Receipt = kiosk.ReceiptNever
	}
	o.Greet = cfg.Kiosk.Greeting != "none"
	o.SoundCues = cfg.Sound.Enabled
	o.ReceiptName = cfg.Printer.PrintPatronName
	o.Language = cfg.Kiosk.Language
	libraryTexts(&o, cfg)
	o.MaintPINFile = cfg.Maintenance.PINFile
	o.MaintIdle = cfg.Maintenance.Idle.Duration
	o.AuditKeepDays = cfg.Maintenance.AuditKeepDays
	o.Info = kiosk.Info{Transport: cfg.SIP2.Transport, Address: cfg.SIP2.Address,
		ReaderDriver: cfg.RFID.Driver, PrinterDriver: cfg.Printer.Driver, Scanner: "keyboard wedge"}
	if cfg.SIP2.Transport == "fbs" {
		o.Info.Address = cfg.SIP2.URL
	}
	switch cfg.RFID.Driver {
	case "feig-usb":
		o.Info.ReaderPort = cfg.RFID.USB
	default:
		o.Info.ReaderPort = cfg.RFID.SerialPort
	}
	if cfg.Scanner.USB != "" {
		o.Info.Scanner = "USB " + cfg.Scanner.USB
	}
	coreHours(&o, cfg.Hours)
	return o
}

// libraryTexts maps the library's own words, per language, onto the core.
func libraryTexts(o *kiosk.Options, cfg config.Config) {
	o.SortBins = make(map[string]i18n.Texts, len(cfg.Returns.SortBins))
	for bin, t := range cfg.Returns.SortBins {
		o.SortBins[bin] = t.Texts()
	}
	o.HoldShelf = cfg.Returns.HoldShelf.Texts()
	o.StaffDesk = cfg.Returns.StaffDesk.Texts()
	o.ReturnShelf = cfg.Returns.DefaultShelf.Texts()
	o.PayWhere = cfg.Library.PayWhere.Texts()
}

// receiptOptions maps the [printer] section onto the receipt layout.
func receiptOptions(c config.Printer) printer.Options {
	o := printer.DefaultOptions()
	if c.Columns > 0 {
		o.Columns = c.Columns
	}
	o.Footer = c.Footer.In(i18n.Default)
	o.PrintPatronName = c.PrintPatronName
	if c.Code != "" {
		o.Code = printer.Code(c.Code)
	}
	return o
}

func parseVIDPID(s string) (vid, pid uint16, err error) {
	v, p, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not VID:PID", s)
	}
	a, err1 := strconv.ParseUint(v, 16, 16)
	b, err2 := strconv.ParseUint(p, 16, 16)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not VID:PID in hex", s)
	}
	return uint16(a), uint16(b), nil
}

// startDevices wires the core to the real library system, reader, printer and
// scanner named in the configuration. The returned function stops them.
func startDevices(ctx context.Context, cfg config.Config, bundle *i18n.Bundle, screen kiosk.UI, log logrus.FieldLogger, extra coreExtras) (*kiosk.Kiosk, func(), error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(err error) (*kiosk.Kiosk, func(), error) {
		closeAll()
		return nil, nil, err
	}

	sopts, err := sip2Options(cfg.SIP2, log)
	if err != nil {
		return fail(err)
	}
	var observer kiosk.Observer
	if extra.metrics != nil {
		sopts.Observer, observer = extra.metrics, extra.metrics
	}
	pool := sip2.NewPool(cfg.SIP2.PoolSize, sopts)
	closers = append(closers, func() { _ = pool.Close() })

	needUSB := cfg.RFID.Driver == "feig-usb" || cfg.Printer.Driver == "usb" || cfg.Scanner.USB != ""
	var host *usb.Host
	if needUSB {
		host, err = usb.NewHost(log, usb.DefaultHostOptions())
		if err != nil {
			return fail(fmt.Errorf("usb: %w", err))
		}
		closers = append(closers, func() { _ = host.Close() })
	}

	// The RFID reader.
	var ft feig.Transport
	switch cfg.RFID.Driver {
	case "feig-serial":
		s, err := feig.OpenSerial(cfg.RFID.SerialPort, feig.SerialOptions{Baud: cfg.RFID.Baud})
		if err != nil {
			return fail(fmt.Errorf("rfid.serial_port %s: %w", cfg.RFID.SerialPort, err))
		}
		closers = append(closers, func() { _ = s.Close() })
		ft = s
	case "feig-usb":
		vid, pid, err := parseVIDPID(cfg.RFID.USB)
		if err != nil {
			return fail(fmt.Errorf("rfid.usb: %w", err))
		}
		uo := usb.DefaultOptions()
		uo.VID, uo.PID = vid, pid
		// config.Validate keeps these to 0 (the usb package's pick) or a
		// real endpoint address, so the conversion cannot wrap.
		uo.EndpointIn, uo.EndpointOut = uint8(cfg.RFID.USBEndpointIn), uint8(cfg.RFID.USBEndpointOut)
		w := host.Watch(uo, usb.DefaultWatchOptions())
		go func() { _ = w.Run(ctx) }()
		ft = w
	default:
		return fail(fmt.Errorf("rfid.driver %q cannot run outside the demo", cfg.RFID.Driver))
	}
	ropts := rfid.DefaultOptions()
	ropts.AFISecured, ropts.AFIUnsecured = byte(cfg.RFID.AFISecured), byte(cfg.RFID.AFIOnLoan)
	ropts.WriteAttempts = cfg.RFID.WriteRetries + 1
	ropts.AcceptBadCRC = cfg.RFID.AcceptBadCRC
	reader := rfid.NewFEIG(feig.New(ft, feig.DefaultOptions()), ropts, log)
	wopts := rfid.DefaultWatcherOptions()
	wopts.HomeISILs = cfg.Library.HomeISILs
	wopts.Confirm = cfg.RFID.ConfirmRounds
	wopts.Interval = cfg.RFID.PollInterval.Duration
	watcher := rfid.NewWatcher(reader, wopts, log)

	// The receipt printer.
	popts := receiptOptions(cfg.Printer)
	if cfg.Printer.LogoFile != "" {
		logo, err := printer.LoadLogo(cfg.Printer.LogoFile)
		if err != nil {
			return fail(fmt.Errorf("printer.logo_file: %w", err))
		}
		popts.Logo = logo
	}
	var prn printer.Printer
	if cfg.Printer.Driver == "usb" {
		uo := usb.DefaultOptions()
		if cfg.Printer.USB != "" {
			uo.VID, uo.PID, _ = parseVIDPID(cfg.Printer.USB)
		} else {
			uo.Class = usb.ClassPrinter
		}
		prn = printer.NewUSBPrinter(host.Opener(uo), printer.DefaultUSBOptions(), log)
	}
	var receipts kiosk.ReceiptPrinter
	if prn != nil {
		r := kiosk.NewESCPOSReceipts(prn, bundle, popts, cfg.Library.Name, cfg.Library.Branch)
		r.SetKioskID(cfg.Kiosk.ID)
		r.SetFooters(cfg.Printer.Footer.Texts())
		receipts = r
	}

	// The HID scanner's USB watch, opened before the core so that the
	// status screen can say whether the scanner is plugged in.
	var scannerWatch scannerPresence
	if cfg.Scanner.USB != "" {
		vid, pid, err := parseVIDPID(cfg.Scanner.USB)
		if err != nil {
			return fail(fmt.Errorf("scanner.usb: %w", err))
		}
		uo := usb.DefaultOptions()
		uo.VID, uo.PID = vid, pid
		scannerWatch.w = host.Watch(uo, usb.DefaultWatchOptions())
	}

	copts := coreOptions(cfg)
	copts.Info.ConfigSum = extra.configSum
	// The cues' player, only when they are on: oto opens the sound device
	// once per process, and a kiosk without cues need not touch it.
	var sounds kiosk.Sounds
	if cfg.Sound.Enabled {
		sounds = sound.New(cfg.Sound.Volume, sound.OpenOto, log)
	}
	k, err := kiosk.New(copts, kiosk.Ports{
		Library:        kiosk.NewSIP2Library(pool),
		Tags:           kiosk.NewRFIDTags(reader),
		Printer:        receipts,
		Sounds:         sounds,
		Log:            log,
		Identify:       kiosk.ScannerIdentify(scannerRules(cfg.Login)),
		ScanKind:       kiosk.ScannerKind(scannerRules(cfg.Login)),
		ScannerPresent: scannerWatch.present,
		System:         newSystemdActions(log),
		LogTail:        extra.logTail,
		Observer:       observer,
		// Offline returns stop while NTP has not set the clock.
		ClockSync: kiosk.ClockSynchronised,
		// The screen goes off outside opening hours.
		Display: newDPMS(cfg.Hours.Output),
	}, screen)
	if err != nil {
		return fail(err)
	}
	if extra.metrics != nil {
		extra.metrics.SetGauges(k.Gauges)
	}
	go func() { _ = watcher.Run(ctx) }()
	go func() { _ = kiosk.FeedWatcher(ctx, watcher, k) }()

	// A HID scanner read directly: its keys never reach the screen.
	if w := scannerWatch.w; w != nil {
		go func() { _ = w.Run(ctx) }()
		scans := make(chan scanner.Scan, 4)
		hid := scanner.NewHID(w, log, scanner.DefaultHIDOptions())
		go func() { _ = hid.Run(ctx, scans) }()
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case s := <-scans:
					k.Scan(s.Text)
				}
			}
		}()
	}

	go func() {
		if err := k.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.WithError(err).Error("kiosk: core stopped")
		}
	}()
	return k, closeAll, nil
}

// scannerPresence tells the status screen whether the HID scanner is
// plugged in; a keystroke wedge (no watch) is a keyboard, which the kiosk
// cannot tell from any other, so its presence is unknown.
type scannerPresence struct{ w *usb.Watcher }

func (s scannerPresence) present() (present, known bool) {
	if s.w == nil {
		return false, false
	}
	st, _ := s.w.State()
	return st == usb.StatePresent, true
}

func scannerRules(c config.Login) scanner.Rules {
	r := scanner.DefaultRules()
	if len(c.CardPatterns) > 0 {
		r.LibraryCardPatterns = c.CardPatterns
	}
	return r
}
