package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/internal/firewall"
	"github.com/danbib/kiosk/internal/lockdown"
	"github.com/danbib/kiosk/kiosk"
)

// msgConfigInvalid is the out-of-order reason shown when the configuration
// cannot be loaded (i18n/locales/image.*.json); {{.Error}} names the key.
const msgConfigInvalid = "mode.config_invalid"

// checkConfig loads the configuration at path the way the kiosk does at
// start, zone included, and reports on out. The image's provisioning unit
// runs it (kiosk -check-config) after installing a kiosk's files, so a bad
// file is named in the journal before the kiosk shows it on screen.
func checkConfig(path string, out io.Writer) error {
	cfg, err := loadConfig(path, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "kiosk: %s is valid: kiosk id %q, library system %s (%s)\n",
		path, cfg.Kiosk.ID, acsAddress(cfg.SIP2), cfg.SIP2.Transport)
	return nil
}

// loadConfig reads the file (or the defaults, for an empty path) and checks
// what the kiosk checks before it starts: the keys and the time zone.
func loadConfig(path string, demo bool) (config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	load := config.Load
	if demo {
		load = config.LoadDemo
	}
	cfg, err := load(path)
	if err != nil {
		return cfg, err
	}
	if _, err := cfg.Kiosk.Location(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// acsAddress is where the kiosk reaches the library system: the FBS URL or
// the SIP2 host:port.
func acsAddress(s config.SIP2) string {
	if s.Transport == "fbs" {
		return s.URL
	}
	return s.Address
}

// configInvalidView is what a kiosk whose configuration does not load shows
// instead of exiting: exiting would only restart it until systemd's start
// limit reboots the machine, over and over, with a black screen between.
func configInvalidView(lang string, err error) kiosk.View {
	return kiosk.View{Screen: kiosk.ScreenOutOfOrder, Mode: kiosk.ModeOutOfOrder, Lang: lang,
		ModeReason: kiosk.Text{ID: msgConfigInvalid, Data: map[string]any{"Error": err.Error()},
			Raw: "The configuration is invalid: " + err.Error()}}
}

// printFirewall writes the nftables ruleset for the configuration at path
// to out (kiosk -firewall; the image's kiosk-firewall.service loads it). A
// library system whose name does not resolve now is reported on errOut and
// left out: the rest of the lockdown holds, and the unit's timer tries again.
func printFirewall(path string, out, errOut io.Writer, resolve firewall.Resolver) error {
	cfg, err := loadConfig(path, false)
	if err != nil {
		return err
	}
	p, err := firewall.FromConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rs, errs := firewall.Ruleset(ctx, p, resolve)
	for _, e := range errs {
		fmt.Fprintln(errOut, "kiosk:", e)
	}
	_, err = io.WriteString(out, rs)
	return err
}

// lookupIP is the production resolver of printFirewall.
func lookupIP(ctx context.Context, host string) ([]net.IP, error) {
	return net.DefaultResolver.LookupIP(ctx, "ip", host)
}

// printUSBGuard writes the USBGuard policy for the configuration at path to
// out (kiosk -usbguard; the image's usbguard.service runs it before the
// daemon starts). An invalid configuration still gets a policy, of the hubs
// alone, with the error: the kiosk is out of order then, and no device
// plugged in should work meanwhile.
func printUSBGuard(path string, out io.Writer) error {
	cfg, err := loadConfig(path, false)
	if err != nil {
		cfg = config.Default()
		cfg.Printer.Driver = "none"
	}
	if _, werr := io.WriteString(out, lockdown.USBGuardRules(cfg)); werr != nil {
		return werr
	}
	return err
}

// printDisplay writes what gen makes of the configuration's [display]
// section at path: the touch calibration's udev rule (kiosk -touch-rule,
// nothing when none is configured) or cage's rotation (kiosk -cage-env).
// The image's kiosk-display.service installs both in /run before cage starts.
func printDisplay(path string, out io.Writer, gen func(config.Display) string) error {
	cfg, err := loadConfig(path, false)
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, gen(cfg.Display))
	return err
}
