package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/danbib/kiosk/scanner"
	"github.com/danbib/kiosk/usb"
)

func init() {
	register("scan", "read the USB barcode/card scanner and print what it reads (masked)", runScan)
}

func runScan(args []string, out io.Writer) error {
	fs := newFlagSet("scan", out)
	vid := fs.String("vid", "", "scanner vendor id, hex (e.g. 05f9)")
	pid := fs.String("pid", "", "scanner product id, hex (e.g. 2206)")
	serial := fs.String("serial", "", "serial number, when several identical scanners are plugged in")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long without a scan")
	count := fs.Int("count", 1, "stop after this many scans (0: until timeout or Ctrl-C)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *vid == "" || *pid == "" {
		return errors.New("give -vid and -pid of the scanner (see `kioskctl usb list`)")
	}
	opts := usb.DefaultOptions()
	var err error
	if opts.VID, err = parseUSBID(*vid); err != nil {
		return err
	}
	if opts.PID, err = parseUSBID(*pid); err != nil {
		return err
	}
	opts.Serial = *serial
	opts.AutoDetach = true // or the scans would also go to the console as keystrokes

	log := usbLogger()
	host, err := usb.NewHost(log, usb.DefaultHostOptions())
	if err != nil {
		return err
	}
	defer host.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dev, err := host.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer dev.Close()
	fmt.Fprintf(out, "reading %s; scan a code or swipe a card\n", dev.Info())
	hid := scanner.NewHID(dev, log, scanner.DefaultHIDOptions())
	rules := scanner.DefaultRules()
	for n := 0; *count == 0 || n < *count; n++ {
		sctx, cancel := context.WithTimeout(ctx, *timeout)
		s, err := hid.ReadScan(sctx)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("no scan within %v", *timeout)
			}
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		fmt.Fprintln(out, describeScan(s, rules))
	}
	return nil
}

// describeScan prints a scan the way a technician may see it: the
// identified id masked, or why it was refused, never the raw text.
func describeScan(s scanner.Scan, rules scanner.Rules) string {
	// A technician's one-off check, in a process that ends with it: the
	// string copy does not outlive a patron session as in the kiosk.
	id, err := scanner.Identify(string(s.Text), rules)
	if err != nil {
		return fmt.Sprintf("%v: %v", s, err)
	}
	return fmt.Sprintf("%v: %v", s, id)
}
