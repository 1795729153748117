package usb_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/danbib/kiosk/scanner"
	"github.com/danbib/kiosk/usb"
	"github.com/danbib/kiosk/usb/usbio"
	"github.com/danbib/kiosk/usb/usbtest"
	"github.com/sirupsen/logrus"
)

// These tests run the real gousb/libusb path against devices emulated by
// umockdev (see package usbtest). Each test runs in a child process started
// by usbtest.Run; the wait limits below only stop a broken test from hanging
// and are not assertions about speed.

func newHost(t *testing.T, bed *usbtest.Bed) *usb.Host {
	t.Helper()
	return newHostOpts(t, bed, usb.DefaultHostOptions())
}

func newHostOpts(t *testing.T, bed *usbtest.Bed, opts usb.HostOptions) *usb.Host {
	t.Helper()
	log := logrus.New()
	log.SetOutput(io.Discard)
	if testing.Verbose() {
		log.SetOutput(testWriter{t})
		log.SetLevel(logrus.DebugLevel)
	}
	opts.SysfsRoot = bed.SysfsRoot()
	h, err := usb.NewHost(log, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("host close: %v", err)
		}
	})
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPrinterStatusByClass(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Printer("printer"))
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	ctx := ctxT(t)

	opts := usb.DefaultOptions()
	opts.Class = usb.ClassPrinter
	dev, err := h.Open(ctx, opts)
	if err != nil {
		t.Fatalf("open printer class: %v", err)
	}
	defer dev.Close()
	info := dev.Info()
	if info.VID != 0x0416 || info.PID != 0x5011 || info.Serial != "PRN0001" || info.Path != "1-1" {
		t.Errorf("info = %+v", info)
	}
	// The kernel driver was detached when the interface was claimed.
	if got := bed.Driver("printer"); got != "" {
		t.Errorf("kernel driver still bound while claimed: %q", got)
	}

	status := func() byte {
		t.Helper()
		if _, err := dev.Write(ctx, []byte{0x10, 0x04, 0x04}); err != nil {
			t.Fatalf("write DLE EOT 4: %v", err)
		}
		buf := make([]byte, 64)
		n, err := dev.Read(ctx, buf)
		if err != nil || n != 1 {
			t.Fatalf("read status: n=%d err=%v", n, err)
		}
		return buf[0]
	}
	if got := status(); got != 0x12 {
		t.Errorf("paper ok status = %#02x, want 0x12", got)
	}
	bed.Set("printer", "paper", "out")
	if got := status(); got != 0x72 {
		t.Errorf("paper out status = %#02x, want 0x72", got)
	}
	if got := bed.Received("printer"); !bytes.Equal(got, []byte{0x10, 0x04, 0x04, 0x10, 0x04, 0x04}) {
		t.Errorf("device received % x", got)
	}

	// USB printer class GET_PORT_STATUS through usbio.Controller.
	var tr usbio.Transport = dev
	ctl, ok := tr.(usbio.Controller)
	if !ok {
		t.Fatal("device does not implement usbio.Controller")
	}
	ps := make([]byte, 1)
	n, err := ctl.Control(ctx, 0xA1, 1, 0, 0, ps)
	if err != nil || n != 1 {
		t.Fatalf("GET_PORT_STATUS: n=%d err=%v", n, err)
	}
	if ps[0]&0x20 == 0 {
		t.Errorf("port status %#02x lacks paper-empty bit", ps[0])
	}

	// Nothing to read: the context deadline ends the read with ErrTimeout.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = dev.Read(short, make([]byte, 64))
	if !errors.Is(err, usbio.ErrTimeout) {
		t.Errorf("idle read err = %v, want ErrTimeout", err)
	}

	// A stalled endpoint.
	bed.Stall("printer", 0x01)
	if _, err := dev.Write(ctx, []byte{0x1B, 0x40}); !errors.Is(err, usbio.ErrStall) {
		t.Errorf("stalled write err = %v, want ErrStall", err)
	}

	if err := dev.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	// Closing reattaches the kernel driver.
	if got := bed.Driver("printer"); got != "usblp" {
		t.Errorf("driver after close = %q, want usblp", got)
	}
	if _, err := dev.Write(ctx, []byte{0}); !errors.Is(err, usbio.ErrDisconnected) {
		t.Errorf("write after close err = %v, want ErrDisconnected", err)
	}
}

func TestOpenNoDevice(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Printer("printer"))
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	opts := usb.DefaultOptions()
	opts.VID, opts.PID = 0x1234, 0x5678
	_, err := h.Open(ctxT(t), opts)
	if !errors.Is(err, usbio.ErrNoDevice) {
		t.Fatalf("err = %v, want ErrNoDevice", err)
	}
	opts = usb.DefaultOptions()
	opts.VID, opts.PID, opts.Serial = 0x0416, 0x5011, "OTHER"
	if _, err := h.Open(ctxT(t), opts); !errors.Is(err, usbio.ErrNoDevice) {
		t.Fatalf("wrong serial: err = %v, want ErrNoDevice", err)
	}
}

// crcMCRF4XX is the FEIG frame CRC, computed here independently of any driver.
func crcMCRF4XX(p []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range p {
		crc ^= uint16(b)
		for i := 0; i < 8; i++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestFeigReaderFrames(t *testing.T) {
	bed := usbtest.Run(t, usbtest.FeigReader("reader"))
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	ctx := ctxT(t)
	opts := usb.DefaultOptions()
	opts.VID, opts.PID = 0x0AB1, 0x0002
	dev, err := h.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()

	// Get software version, the verified frame from the FEIG C# driver tests.
	if _, err := dev.Write(ctx, []byte{0x05, 0xFF, 0x65, 0xE5, 0xCB}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := dev.Read(ctx, buf)
	if err != nil {
		t.Fatal(err)
	}
	resp := buf[:n]
	if n < 6 || int(resp[0]) != n {
		t.Fatalf("response % x: length byte does not match", resp)
	}
	if resp[2] != 0x65 || resp[3] != 0x00 {
		t.Errorf("response % x: want command 0x65 status 0x00", resp)
	}
	crc := crcMCRF4XX(resp[:n-2])
	if resp[n-2] != byte(crc) || resp[n-1] != byte(crc>>8) {
		t.Errorf("response % x: bad CRC, want %04x", resp, crc)
	}

	// A frame with a broken CRC gets no answer: the read times out.
	if _, err := dev.Write(ctx, []byte{0x05, 0xFF, 0x65, 0x00, 0x00}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := dev.Read(short, buf); !errors.Is(err, usbio.ErrTimeout) {
		t.Errorf("read after corrupt frame: err = %v, want ErrTimeout", err)
	}
}

func TestUnplugMidTransferAndReplug(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Printer("printer"))
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	ctx := ctxT(t)
	opts := usb.DefaultOptions()
	opts.VID, opts.PID = 0x0416, 0x5011
	wopts := usb.DefaultWatchOptions()
	wopts.Interval = 20 * time.Millisecond
	w := h.Watch(opts, wopts)
	runDone := make(chan error, 1)
	go func() { runDone <- w.Run(ctx) }()

	next := func(want usb.State) usb.Event {
		t.Helper()
	again:
		select {
		case ev := <-w.Events():
			if want == usb.StatePresent && ev.State == usb.StateAbsent && ev.Err != nil {
				// The half-removed device could not be opened; fine.
				t.Logf("transient open error: %v", ev.Err)
				goto again
			}
			if ev.State != want {
				t.Fatalf("event %v (err %v), want %v", ev.State, ev.Err, want)
			}
			return ev
		case <-ctx.Done():
			t.Fatalf("no %v event", want)
		}
		return usb.Event{}
	}
	ev := next(usb.StatePresent)
	if ev.Info.Path != "1-1" {
		t.Errorf("present event info %+v", ev.Info)
	}

	// A read is pending (the printer holds its answer) when the printer is
	// unplugged: the read must end with ErrDisconnected, not hang.
	bed.Hold("printer", true)
	if _, err := w.Write(ctx, []byte{0x10, 0x04, 0x04}); err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := w.Read(ctx, make([]byte, 64))
		readErr <- err
	}()
	// Unplug only once the read is submitted and waiting in the device.
	bed.WaitPending("printer", 1)
	bed.Unplug("printer")
	select {
	case err := <-readErr:
		if !errors.Is(err, usbio.ErrDisconnected) {
			t.Fatalf("pending read err = %v, want ErrDisconnected", err)
		}
	case <-ctx.Done():
		t.Fatal("pending read hung after unplug")
	}
	next(usb.StateAbsent)
	if st, _ := w.State(); st != usb.StateAbsent {
		t.Errorf("state %v after unplug", st)
	}
	// While absent, transfers fail at once.
	if _, err := w.Write(ctx, []byte{0x10, 0x04, 0x04}); !errors.Is(err, usbio.ErrDisconnected) {
		t.Errorf("write while absent err = %v, want ErrDisconnected", err)
	}

	bed.Replug("printer")
	next(usb.StatePresent)
	if _, err := w.Write(ctx, []byte{0x10, 0x04, 0x04}); err != nil {
		t.Fatalf("write after replug: %v", err)
	}
	buf := make([]byte, 64)
	n, err := w.Read(ctx, buf)
	if err != nil || n != 1 || buf[0] != 0x12 {
		t.Fatalf("status after replug: n=%d % x err=%v", n, buf[:n], err)
	}

	w.Close()
	if err := <-runDone; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestInventory(t *testing.T) {
	kb := usbtest.Keyboard("scanner")
	kb.NoSysfsStrings = true
	bed := usbtest.Run(t, usbtest.Printer("printer"), usbtest.FeigReader("reader"), kb)
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	infos, err := h.Inventory(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 3 {
		t.Fatalf("inventory has %d devices: %v", len(infos), infos)
	}
	want := []struct {
		vid, pid              uint16
		path, product, serial string
		driver                string
	}{
		{0x0416, 0x5011, "1-1", "Receipt Printer", "PRN0001", "usblp"},
		{0x0AB1, 0x0002, "1-2", "OBID RFID-Reader", "RDR0001", usb.DriverNone},
		{0x05F9, 0x2206, "1-3", "Gryphon", "SCN0001", "usbhid"},
	}
	for i, w := range want {
		got := infos[i]
		if got.VID != w.vid || got.PID != w.pid || got.Path != w.path || got.Product != w.product ||
			got.Serial != w.serial || got.Driver() != w.driver {
			t.Errorf("device %d = %v, want %04x:%04x %s %q %q driver %s", i, got, w.vid, w.pid, w.path, w.product, w.serial, w.driver)
		}
	}
	// Claiming the scanner detaches usbhid; the inventory shows it.
	opts := usb.DefaultOptions()
	opts.VID, opts.PID = 0x05F9, 0x2206
	dev, err := h.Open(ctxT(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	infos, err = h.Inventory(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if d := infos[2].Driver(); d == "usbhid" {
		t.Errorf("scanner driver while claimed = %q", d)
	}
	dev.Close()
}

func TestWatchIdleUnplugAndLateArrival(t *testing.T) {
	p := usbtest.Printer("printer")
	p.Absent = true
	bed := usbtest.Run(t, p)
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	ctx := ctxT(t)
	opts := usb.DefaultOptions()
	opts.Class = usb.ClassPrinter
	wopts := usb.DefaultWatchOptions()
	wopts.Interval = 20 * time.Millisecond
	w := h.Watch(opts, wopts)
	go w.Run(ctx)
	defer w.Close()
	next := func() usb.Event {
		t.Helper()
		select {
		case ev := <-w.Events():
			return ev
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return usb.Event{}
	}
	if ev := next(); ev.State != usb.StateAbsent || ev.Err != nil {
		t.Fatalf("first event %+v, want absent", ev)
	}
	if _, err := w.Write(ctx, []byte{0x10, 0x04, 0x04}); !errors.Is(err, usbio.ErrDisconnected) {
		t.Errorf("write before plug-in: %v", err)
	}
	bed.Replug("printer") // plugged in for the first time
	if ev := next(); ev.State != usb.StatePresent {
		t.Fatalf("event %+v, want present", ev)
	}
	// Unplugged while idle: enumeration notices it, no transfer needed.
	bed.Unplug("printer")
	if ev := next(); ev.State != usb.StateAbsent || ev.Info.VID != 0x0416 {
		t.Fatalf("event %+v, want absent with the printer's info", ev)
	}
}

func TestHIDScannerDetachedAndRead(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Keyboard("scanner"))
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	ctx := ctxT(t)
	opts := usb.DefaultOptions()
	opts.VID, opts.PID = 0x05F9, 0x2206
	dev, err := h.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	// usbhid is detached, so the scan does not also arrive as keystrokes.
	if d := bed.Driver("scanner"); d != "" {
		t.Errorf("usbhid still bound: %q", d)
	}
	hid := scanner.NewHID(dev, logrus.New(), scanner.DefaultHIDOptions())
	bed.Type("scanner", "LL12345678\n")
	bed.Type("scanner", "0101701234\n") // synthetic CPR
	s, err := hid.ReadScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Text) != "LL12345678" {
		t.Errorf("first scan %q", s.Text)
	}
	s, err = hid.ReadScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := scanner.Identify(string(s.Text), scanner.DefaultRules())
	if err != nil || id.Kind != scanner.KindCPR || id.Value != "0101701234" {
		t.Errorf("second scan identified as %v, %v", id, err)
	}
	// Shifted characters come through too.
	bed.Type("scanner", "Ab-1!\n")
	if s, err = hid.ReadScan(ctx); err != nil || string(s.Text) != "Ab-1!" {
		t.Errorf("shifted scan %q %v", s.Text, err)
	}
}

func TestOpenBySerialAmongIdenticalDevices(t *testing.T) {
	a := usbtest.Printer("left")
	b := usbtest.Printer("right")
	b.Port, b.Serial = 2, "PRN0002"
	bed := usbtest.Run(t, a, b)
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	opts := usb.DefaultOptions()
	opts.VID, opts.PID, opts.Serial = 0x0416, 0x5011, "PRN0002"
	dev, err := h.Open(ctxT(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if info := dev.Info(); info.Path != "1-2" || info.Serial != "PRN0002" {
		t.Fatalf("opened %v, want the one on 1-2", info)
	}
	if _, err := dev.Write(ctxT(t), []byte{0x1B, 0x40}); err != nil {
		t.Fatal(err)
	}
	if got := bed.Received("right"); !bytes.Equal(got, []byte{0x1B, 0x40}) {
		t.Errorf("right printer received % x", got)
	}
	if got := bed.Received("left"); len(got) != 0 {
		t.Errorf("left printer received % x", got)
	}
	// Without a serial the first one (lowest address) is taken.
	opts.Serial = ""
	first, err := h.Open(ctxT(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if first.Info().Path != "1-1" {
		t.Errorf("without serial opened %s, want 1-1", first.Info().Path)
	}
}

func TestWedgedCancelDoesNotHang(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Printer("printer"))
	if bed == nil {
		return
	}
	hopts := usb.DefaultHostOptions()
	hopts.CancelGrace = 100 * time.Millisecond
	h := newHostOpts(t, bed, hopts)
	ctx := ctxT(t)
	opts := usb.DefaultOptions()
	opts.Class = usb.ClassPrinter
	dev, err := h.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	bed.Wedge("printer", true)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	// The read times out, its cancel never completes: after the grace
	// period the caller gets ErrDisconnected instead of hanging.
	if _, err := dev.Read(short, make([]byte, 64)); !errors.Is(err, usbio.ErrDisconnected) {
		t.Fatalf("wedged read err = %v, want ErrDisconnected", err)
	}
	if !dev.Disconnected() {
		t.Error("device not marked disconnected")
	}
	if _, err := dev.Write(ctx, []byte{0x10, 0x04, 0x04}); !errors.Is(err, usbio.ErrDisconnected) {
		t.Errorf("write on wedged device err = %v", err)
	}
	// Close returns at once and releases the handle once the transfer ends.
	if err := dev.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	bed.Wedge("printer", false)
	// newHost's cleanup closes the host, which fails if the handle leaked.
}

// TestScannerThroughWatcherAcrossReplug is the wiring the kiosk uses: a
// Watcher as the scanner's transport, HID.Run delivering scans on a channel.
func TestScannerThroughWatcherAcrossReplug(t *testing.T) {
	bed := usbtest.Run(t, usbtest.Keyboard("scanner"))
	if bed == nil {
		return
	}
	h := newHost(t, bed)
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	opts := usb.DefaultOptions()
	opts.VID, opts.PID = 0x05F9, 0x2206
	wopts := usb.DefaultWatchOptions()
	wopts.Interval = 20 * time.Millisecond
	w := h.Watch(opts, wopts)
	go w.Run(ctx)
	defer w.Close()
	hopts := scanner.DefaultHIDOptions()
	hopts.RetryDelay = 20 * time.Millisecond
	hopts.PollTimeout = 200 * time.Millisecond
	scans := make(chan scanner.Scan)
	go scanner.NewHID(w, logrus.New(), hopts).Run(ctx, scans)

	waitPresent := func() {
		t.Helper()
		for {
			select {
			case ev := <-w.Events():
				if ev.State == usb.StatePresent {
					return
				}
			case <-ctx.Done():
				t.Fatal("scanner never present")
			}
		}
	}
	recv := func() string {
		t.Helper()
		select {
		case s := <-scans:
			return string(s.Text)
		case <-ctx.Done():
			t.Fatal("no scan")
		}
		return ""
	}
	waitPresent()
	bed.Type("scanner", "12345678\n")
	if got := recv(); got != "12345678" {
		t.Fatalf("scan %q", got)
	}
	bed.Unplug("scanner")
	bed.Replug("scanner")
	waitPresent()
	bed.Type("scanner", "LL87654321\n")
	if got := recv(); got != "LL87654321" {
		t.Fatalf("scan after replug %q", got)
	}
}
