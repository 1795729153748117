// Command kiosk is the self-service kiosk: the Fyne touch screen, the kiosk
// core and the devices, wired together.
//
//	kiosk -config /etc/kiosk/kiosk.toml       the kiosk, fullscreen
//	kiosk --demo                               the demo: simulated library and devices, plus a simulator panel
//	kiosk --demo --script FILE --shots DIR     play a scenario (docs/scenario.md), write screenshots and receipts
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/cmd/kiosk/scenario"
	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/internal/lockdown"
	"github.com/danbib/kiosk/internal/uibench"
	"github.com/danbib/kiosk/internal/version"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/ui"
	"github.com/danbib/kiosk/logging"
	"github.com/danbib/kiosk/metrics"
)

type options struct {
	config   string
	demo     bool
	script   string
	shots    string
	windowed bool
	size     string
	timeout  time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.config, "config", "", "the kiosk's TOML configuration `file`")
	flag.BoolVar(&o.demo, "demo", false, "run the demo: simulated library system, RFID pad, printer and scanner, and a simulator panel")
	flag.StringVar(&o.script, "script", "", "with --demo: play the scenario in `file` and exit (see docs/scenario.md)")
	flag.StringVar(&o.shots, "shots", "demo-out", "with --script: the `directory` for screenshots and receipt images")
	flag.BoolVar(&o.windowed, "windowed", false, "run in a window instead of fullscreen")
	flag.StringVar(&o.size, "size", "1920x1080", "window size `WxH` when windowed (the demo is always windowed)")
	flag.DurationVar(&o.timeout, "wait", 15*time.Second, "with --script: default timeout of wait commands")
	showVersion := flag.Bool("version", false, "print the version and commit and exit")
	check := flag.String("check-config", "", "check the configuration `file` as the kiosk would at start, and exit (status 1 when it is invalid)")
	fw := flag.String("firewall", "", "print the nftables ruleset for the configuration `file` (egress to the library system, the update server, DNS, NTP, DHCP only) and exit")
	usbguard := flag.String("usbguard", "", "print the USBGuard policy for the configuration `file` (hubs and the configured devices) and exit")
	touchRule := flag.String("touch-rule", "", "print the udev rule of the touch calibration in the configuration `file` and exit")
	cageEnv := flag.String("cage-env", "", "print the environment file with cage's rotation arguments for the configuration `file` and exit")
	screenApply := flag.String("screen-apply", "", "switch the screen on or off as the kiosk asks in `file` (root; the image's kiosk-screen.service) and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.String("kiosk"))
		return
	}
	if *check != "" || *fw != "" || *usbguard != "" || *touchRule != "" || *cageEnv != "" || *screenApply != "" {
		var err error
		switch {
		case *check != "":
			err = checkConfig(*check, os.Stdout)
		case *fw != "":
			err = printFirewall(*fw, os.Stdout, os.Stderr, lookupIP)
		case *usbguard != "":
			err = printUSBGuard(*usbguard, os.Stdout)
		case *touchRule != "":
			err = printDisplay(*touchRule, os.Stdout, lockdown.TouchRule)
		case *screenApply != "":
			err = applyScreen(*screenApply, os.Stdout)
		default:
			err = printDisplay(*cageEnv, os.Stdout, lockdown.CageEnv)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "kiosk:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	cfg, cfgErr := loadConfig(o.config, o.demo)
	if cfgErr != nil {
		if o.demo {
			return cfgErr
		}
		// The production kiosk starts anyway, with the defaults, to show
		// why it is out of order (below); exiting would black the screen.
		cfg = config.Default()
	}
	if err := useTimeZone(cfg.Kiosk); err != nil {
		return err
	}
	// One logger for the whole process: JSON lines on stderr, every entry
	// through the redaction hook (CPR numbers, PINs, passwords, names).
	log, err := logging.New(os.Stderr, cfg.Kiosk.LogLevel)
	if err != nil {
		return fmt.Errorf("kiosk.log_level: %w", err)
	}
	// Every line names the kiosk and its event (docs/logging.md).
	log.AddHook(logging.NewFieldsHook(cfg.Kiosk.ID))
	// The last 200 lines, already redacted, for maintenance mode's log
	// page (the ring is added after the redaction hook).
	ring := logging.NewRing(200)
	log.AddHook(ring)
	extra := coreExtras{configSum: fileSum(o.config), logTail: ring.Lines}
	if cfgErr != nil {
		log.WithError(cfgErr).Errorf("kiosk: the configuration %s is invalid; out of order until it is fixed", o.config)
	} else {
		// The image test looks for this line to see that a provisioned
		// kiosk id reached the running kiosk.
		log.WithField("kiosk_id", cfg.Kiosk.ID).Infof("kiosk: %s starting as kiosk %q", version.String("kiosk"), cfg.Kiosk.ID)
	}
	if cfgErr == nil && cfg.Metrics.Listen != "" {
		m := metrics.New()
		srv, err := metrics.Listen(metrics.Options{Listen: cfg.Metrics.Listen, CertFile: cfg.Metrics.CertFile,
			KeyFile: cfg.Metrics.KeyFile, ClientCAFile: cfg.Metrics.ClientCAFile}, m)
		if err != nil {
			// The patrons come first: a kiosk whose metrics port is
			// taken still serves them, and says so in the log.
			log.WithError(err).Error("kiosk: metrics listener not started")
		} else {
			defer srv.Close()
			extra.metrics = m
			log.WithField("addr", srv.Addr().String()).Info("kiosk: metrics listening")
		}
	}
	if o.script != "" && !o.demo {
		return errors.New("--script needs --demo: scenarios drive the simulated devices")
	}
	if o.script != "" {
		if err := os.MkdirAll(o.shots, 0o755); err != nil {
			return fmt.Errorf("shots directory: %w", err)
		}
	}

	if err := haveDisplay(); err != nil {
		return err
	}
	bundle, err := i18n.NewBundle()
	if err != nil {
		return err
	}
	a := app.NewWithID("dk.danbib.kiosk")
	a.Settings().SetTheme(ui.NewTheme(false))
	w := a.NewWindow(bundle.Localizer(cfg.Kiosk.Language).T("ui.title"))
	w.SetPadded(false)
	if o.demo || o.windowed {
		var wd, ht float32
		if _, err := fmt.Sscanf(o.size, "%fx%f", &wd, &ht); err != nil {
			return fmt.Errorf("--size %q: use WIDTHxHEIGHT", o.size)
		}
		w.Resize(fyne.NewSize(wd, ht))
	} else {
		w.SetFullScreen(true)
	}

	uiOpts := ui.DefaultOptions()
	uiOpts.LibraryName = cfg.Library.Name
	if len(cfg.Kiosk.Languages) > 0 {
		uiOpts.Languages = cfg.Kiosk.Languages
	}
	if err := screenLook(cfg.Screen, &uiOpts); err != nil {
		return err
	}
	fwd := &forwarder{}
	r := ui.New(w, bundle, fwd, log, uiOpts)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var wld scenario.World
	var panel func()
	if o.demo {
		d, err := startDemo(ctx, cfg, bundle, r, log, extra)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer d.Close()
		fwd.set(d.Kiosk, func(s []byte) { d.Kiosk.Scan(s) })
		startControl(ctx, d.Kiosk, cfg, o, bundle, log)
		wld = d
		if o.script == "" {
			// The panel opens after the kiosk window, so it stays on top.
			panel = func() { d.openPanel(a, bundle) }
		}
	} else {
		closers := make(chan func(), 1)
		defer func() {
			select {
			case c := <-closers:
				c()
			default:
			}
		}()
		if cfgErr != nil {
			// From a goroutine, as keepStarting renders: Render hands over to
			// Fyne's own thread.
			go r.Render(configInvalidView(cfg.Kiosk.Language, cfgErr))
		} else {
			extra.started = func(k *kiosk.Kiosk) { startControl(ctx, k, cfg, o, bundle, log) }
			go keepStarting(ctx, cfg, bundle, r, log, fwd, closers, extra)
		}
	}
	// systemd learns the kiosk is up once its window exists, also when the
	// devices are not there yet: the out-of-order screen is the right
	// screen then, and a restart loop would only make it flicker.
	notifySystemd(ctx, log, fwd.alive)
	attachWedge(w, cfg, fwd.scan)

	var firstFrame atomic.Pointer[time.Time]
	scriptDone := make(chan error, 1)
	if o.script != "" {
		f, err := os.Open(o.script)
		if err != nil {
			return err
		}
		steps, err := scenario.Parse(f)
		f.Close()
		if err != nil {
			return err
		}
		p := &scenario.Player{Screen: r, World: wld, Dir: o.shots, Timeout: o.timeout,
			Log: func(f string, a ...any) { log.Infof(f, a...) }, Stats: sampleProcess,
			FirstFrame: func() time.Time {
				if t := firstFrame.Load(); t != nil {
					return *t
				}
				return time.Time{}
			}}
		go func() {
			// Give the window time to appear before the first command.
			_ = scenario.Sleep(ctx, time.Second)
			err := p.Run(ctx, steps)
			if err == nil {
				abs, _ := filepath.Abs(o.shots)
				log.Infof("scenario done: screenshots and receipts in %s", abs)
			}
			scriptDone <- err
			fyne.Do(a.Quit)
		}()
	}
	w.SetOnClosed(cancel)
	w.Show()
	if o.script != "" {
		// For `bench firstframe` (make bench): when the window first showed
		// content. Only scenarios watch for it, since it captures frames.
		go func() {
			if t := uibench.WaitFirstFrame(w, time.Minute); !t.IsZero() {
				firstFrame.Store(&t)
			}
		}()
	}
	if panel != nil {
		panel()
	}
	a.Run()
	cancel()
	if o.script == "" {
		return nil
	}
	select {
	case err := <-scriptDone:
		return err
	default:
		return errors.New("the window was closed before the scenario ended")
	}
}

// forwarder sends the UI's inputs and the wedge's scans to the core once it
// exists, so the renderer can be built first (the core needs it to render
// its first view) and the devices can come up later.
type forwarder struct {
	mu     sync.Mutex
	core   ui.Sender
	scanFn func([]byte)
}

func (f *forwarder) set(s ui.Sender, scan func([]byte)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.core, f.scanFn = s, scan
}

func (f *forwarder) Send(in kiosk.Input) {
	f.mu.Lock()
	core := f.core
	f.mu.Unlock()
	if core != nil {
		core.Send(in)
	}
}

// heartbeat is implemented by the core: the time of its last step.
type heartbeat interface{ Heartbeat() time.Time }

// stuckAfter is how old the core's last step may be before the kiosk counts
// as hung: it steps at least once a second.
const stuckAfter = 10 * time.Second

// alive reports whether the core (when there is one yet) still steps.
func (f *forwarder) alive() bool {
	f.mu.Lock()
	core := f.core
	f.mu.Unlock()
	hb, ok := core.(heartbeat)
	if !ok {
		return true
	}
	last := hb.Heartbeat()
	return last.UnixNano() <= 0 || time.Since(last) < stuckAfter
}

// scan hands the scanned bytes to the core, which zeroes them.
func (f *forwarder) scan(s []byte) {
	f.mu.Lock()
	fn := f.scanFn
	f.mu.Unlock()
	if fn != nil {
		fn(s)
	}
}

// retryDevices is how long the kiosk waits between attempts to bring up
// devices that were missing at start (a reader on a USB-serial adapter that
// enumerates late, a printer switched off).
const retryDevices = 20 * time.Second

// keepStarting brings up the library system connection and the devices,
// showing the out-of-order screen and trying again until it works or ctx
// ends. The function that stops them is sent on closers.
func keepStarting(ctx context.Context, cfg config.Config, bundle *i18n.Bundle, r *ui.Renderer, log logrus.FieldLogger, fwd *forwarder, closers chan<- func(), extra coreExtras) {
	for {
		k, closeFn, err := startDevices(ctx, cfg, bundle, r, log, extra)
		if err == nil {
			fwd.set(k, k.Scan)
			if extra.started != nil {
				extra.started(k)
			}
			closers <- closeFn
			return
		}
		// The patron gets a screen that says so; the technician finds the
		// reason in the journal.
		log.WithError(err).Errorf("kiosk: cannot start, trying again in %s", retryDevices)
		r.Render(kiosk.View{Screen: kiosk.ScreenOutOfOrder, Mode: kiosk.ModeOutOfOrder, Lang: cfg.Kiosk.Language})
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryDevices):
		}
	}
}
