package usb_test

// End-to-end tests of the kiosk's USB drivers (package printer, package
// rfid/feig) over the real gousb path against emulated devices. The drivers
// know only usbio; this package wires them to usb the way the kiosk does.

import (
	"testing"

	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/usb"
	"github.com/danbib/kiosk/usb/usbtest"
	"github.com/sirupsen/logrus"
)

func TestPrinterDriverOverUSB(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Printer("printer"))
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	ctx := ctxT(t)
	opts := usb.DefaultOptions()
	opts.Class = usb.ClassPrinter
	p := printer.NewUSBPrinter(h.Opener(opts), printer.DefaultUSBOptions(), logrus.New())
	defer p.Close()

	st, err := p.Status(ctx)
	if err != nil || st.Paper != escpos.PaperOK || st.Offline || st.Disconnected {
		t.Fatalf("status %+v, %v", st, err)
	}
	bed.Set("printer", "paper", "out")
	if st, err = p.Status(ctx); err != nil || st.Paper != escpos.PaperOut {
		t.Fatalf("paper-out status %+v, %v", st, err)
	}
	bed.Set("printer", "paper", "ok")

	// Unplugged and back: the driver reopens through the Opener.
	bed.Unplug("printer")
	if st, _ = p.Status(ctx); !st.Disconnected {
		t.Errorf("status while unplugged %+v", st)
	}
	bed.Replug("printer")
	if st, err = p.Status(ctx); err != nil || st.Paper != escpos.PaperOK {
		t.Fatalf("status after replug %+v, %v", st, err)
	}
}

func TestFeigDriverOverUSB(t *testing.T) {
	reader := usbtest.FeigReader("reader")
	reader.Params["tags"] = "E0040150338607AE"
	bed := usbtest.Run(t, reader)
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	ctx := ctxT(t)
	opts := usb.DefaultOptions()
	opts.VID, opts.PID = 0x0AB1, 0x0002
	w := h.Watch(opts, usb.DefaultWatchOptions())
	go w.Run(ctx)
	defer w.Close()
	if ev := <-w.Events(); ev.State != usb.StatePresent {
		t.Fatalf("reader %v %v", ev.State, ev.Err)
	}
	d := feig.New(w, feig.DefaultOptions())
	sw, err := d.SoftwareVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sw.Revision != 0x0301 {
		t.Errorf("software revision %#04x, want 0x0301", sw.Revision)
	}
	tags, err := d.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 1 || tags[0].UID.String() != "E0040150338607AE" {
		t.Errorf("inventory %v", tags)
	}
}
