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
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/danbib/kiosk/cmd/kiosk/scenario"
	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/ui"
	"github.com/danbib/kiosk/logging"
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
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	cfg := config.Default()
	if o.config != "" {
		c, err := config.Load(o.config)
		if err != nil {
			return err
		}
		cfg = c
	}
	// One logger for the whole process: JSON lines on stderr, every entry
	// through the redaction hook (CPR numbers, PINs, passwords, names).
	log, err := logging.New(os.Stderr, cfg.Kiosk.LogLevel)
	if err != nil {
		return fmt.Errorf("kiosk.log_level: %w", err)
	}
	if o.script != "" && !o.demo {
		return errors.New("--script needs --demo: scenarios drive the simulated devices")
	}
	if o.script != "" {
		if err := os.MkdirAll(o.shots, 0o755); err != nil {
			return fmt.Errorf("shots directory: %w", err)
		}
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
	if len(cfg.Kiosk.Languages) > 0 {
		uiOpts.Languages = cfg.Kiosk.Languages
	}
	fwd := &forwarder{}
	r := ui.New(w, bundle, fwd, log, uiOpts)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var wld scenario.World
	var panel func()
	var scanFn func(string)
	if o.demo {
		d, err := startDemo(ctx, cfg, bundle, r, log)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer d.Close()
		fwd.set(d.core)
		wld = d
		scanFn = func(s string) { _ = d.Scan(s) }
		if o.script == "" {
			// The panel opens after the kiosk window, so it stays on top.
			panel = func() { d.openPanel(a, bundle) }
		}
	} else {
		k, closeFn, err := startDevices(ctx, cfg, bundle, r, log)
		if err != nil {
			// The patron still gets a screen that says so; the technician
			// finds the reason in the journal.
			log.WithError(err).Error("kiosk: cannot start")
			r.Render(kiosk.View{Screen: kiosk.ScreenOutOfOrder, Mode: kiosk.ModeOutOfOrder, Lang: cfg.Kiosk.Language})
		} else {
			defer closeFn()
			fwd.set(k)
			scanFn = func(s string) { k.Scan([]byte(s)) }
		}
	}
	attachWedge(w, cfg, func(s string) {
		if scanFn != nil {
			scanFn(s)
		}
	})

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
			Log: func(f string, a ...any) { log.Infof(f, a...) }}
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

// forwarder sends the UI's inputs to the core once it exists, so the
// renderer can be built first (the core needs it to render its first view).
type forwarder struct {
	core ui.Sender
}

func (f *forwarder) set(s ui.Sender) { f.core = s }

func (f *forwarder) Send(in kiosk.Input) {
	if f.core != nil {
		f.core.Send(in)
	}
}
