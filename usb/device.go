package usb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danbib/kiosk/usb/usbio"
	"github.com/google/gousb"
	"github.com/sirupsen/logrus"
)

// Device is an opened device with one claimed interface. It implements
// usbio.Transport and usbio.Controller. Read and Write may be used from
// different goroutines at the same time.
type Device struct {
	host  *Host
	log   logrus.FieldLogger
	name  string
	opts  Options
	info  DeviceInfo
	iface int

	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
	in   *gousb.InEndpoint
	out  *gousb.OutEndpoint

	ctlMu     sync.Mutex // ControlTimeout is a field of gousb.Device
	closeOnce sync.Once
	closed    atomic.Bool
	gone      atomic.Bool // the device vanished or stopped answering

	inflightMu sync.Mutex // guards the three fields below and closing
	inflightN  int
	idle       chan struct{} // closed when inflightN drops to zero
}

var (
	_ usbio.Transport  = (*Device)(nil)
	_ usbio.Controller = (*Device)(nil)
)

// Info describes the device as it was when opened.
func (d *Device) Info() DeviceInfo { return d.info }

// String names the device as VID:PID@bus-path.
func (d *Device) String() string { return d.name }

// Disconnected reports whether a transfer found the device gone.
func (d *Device) Disconnected() bool { return d.gone.Load() }

// Read reads at most one transfer from the IN endpoint into p.
func (d *Device) Read(ctx context.Context, p []byte) (int, error) {
	if d.in == nil {
		return 0, fmt.Errorf("usb: read %s: no IN endpoint", d.name)
	}
	in := d.in
	return d.transfer(ctx, "read", p, true, func(ctx context.Context, buf []byte) (int, error) {
		return in.ReadContext(ctx, buf)
	})
}

// Write sends p on the OUT endpoint.
func (d *Device) Write(ctx context.Context, p []byte) (int, error) {
	if d.out == nil {
		return 0, fmt.Errorf("usb: write %s: no OUT endpoint", d.name)
	}
	out := d.out
	return d.transfer(ctx, "write", p, false, func(ctx context.Context, buf []byte) (int, error) {
		return out.WriteContext(ctx, buf)
	})
}

// Control sends a control transfer on endpoint zero. For device-to-host
// requests (requestType bit 7 set) data receives the answer.
func (d *Device) Control(ctx context.Context, requestType, request uint8, value, index uint16, data []byte) (int, error) {
	in := requestType&0x80 != 0
	// libusb's synchronous control transfer cannot be cancelled, only timed
	// out, so its timeout is the context's deadline capped at
	// Options.Timeout, and the cancel guard waits that long on top.
	return d.transferGrace(ctx, "control", data, in, d.opts.Timeout, func(ctx context.Context, buf []byte) (int, error) {
		timeout := d.opts.Timeout
		if dl, ok := ctx.Deadline(); ok {
			timeout = min(timeout, time.Until(dl))
			if timeout <= 0 {
				return 0, gousb.ErrorTimeout
			}
		}
		// libusb takes milliseconds and reads 0 as "wait forever".
		timeout = max(timeout, time.Millisecond)
		d.ctlMu.Lock()
		defer d.ctlMu.Unlock()
		d.dev.ControlTimeout = timeout
		return d.dev.Control(requestType, request, value, index, buf)
	})
}

// transfer runs fn on a private buffer in its own goroutine, so that the
// caller gets an answer when the context ends even if libusb never completes
// the cancelled transfer (a wedged or vanished device): after
// HostOptions.CancelGrace the device counts as disconnected.
func (d *Device) transfer(ctx context.Context, op string, p []byte, in bool,
	fn func(context.Context, []byte) (int, error)) (int, error) {
	return d.transferGrace(ctx, op, p, in, 0, fn)
}

// transferGrace is transfer with extra time allowed after the context ends,
// for operations that finish on their own timeout rather than on cancel.
func (d *Device) transferGrace(ctx context.Context, op string, p []byte, in bool, extra time.Duration,
	fn func(context.Context, []byte) (int, error)) (int, error) {
	if !d.begin() {
		return 0, fmt.Errorf("usb: %s %s: device closed: %w", op, d.name, usbio.ErrDisconnected)
	}
	defer d.end()
	if d.gone.Load() {
		return 0, fmt.Errorf("usb: %s %s: %w", op, d.name, usbio.ErrDisconnected)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.opts.Timeout)
		defer cancel()
	}
	buf := make([]byte, len(p))
	if !in {
		copy(buf, p)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	// The goroutine may outlive this call, so it holds its own count.
	d.inflightMu.Lock()
	d.inflightN++
	d.inflightMu.Unlock()
	go func() {
		defer d.end()
		n, err := fn(ctx, buf)
		done <- result{n, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		grace := time.NewTimer(d.host.opts.CancelGrace + extra)
		select {
		case r = <-done:
			grace.Stop()
		case <-grace.C:
			d.gone.Store(true)
			d.log.Warn("usb: transfer did not finish after cancel; treating device as disconnected")
			return 0, fmt.Errorf("usb: %s %s: cancel did not complete: %w", op, d.name, usbio.ErrDisconnected)
		}
	}
	if in && r.n > 0 {
		copy(p, buf[:min(r.n, len(buf))])
	}
	if r.err == nil {
		return r.n, nil
	}
	err := mapError(r.err)
	if errors.Is(err, usbio.ErrDisconnected) {
		d.gone.Store(true)
	}
	if errors.Is(r.err, gousb.TransferCancelled) || errors.Is(r.err, context.DeadlineExceeded) || errors.Is(r.err, context.Canceled) {
		switch {
		case d.gone.Load():
			err = fmt.Errorf("%w: %w", usbio.ErrDisconnected, r.err)
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = fmt.Errorf("%w: %w", usbio.ErrTimeout, context.DeadlineExceeded)
		case ctx.Err() != nil:
			err = ctx.Err()
		}
	}
	return r.n, fmt.Errorf("usb: %s %s: %w", op, d.name, err)
}

// Close releases the interface (reattaching the kernel driver when
// AutoDetach is set) and the device. It is safe to call more than once.
func (d *Device) Close() error {
	var err error
	d.closeOnce.Do(func() {
		d.inflightMu.Lock()
		d.closed.Store(true)
		d.inflightMu.Unlock()
		if !d.waitInflight(d.host.opts.CancelGrace) {
			// Closing the handle under a pending transfer would let libusb
			// write into freed memory: release it once the transfer is
			// over, in the background, so Close itself never hangs.
			d.log.Warn("usb: transfer still pending at close; releasing the device when it ends")
			d.host.bg.Add(1)
			go func() {
				defer d.host.bg.Done()
				d.waitInflight(-1)
				if err := d.release(); err != nil {
					d.log.WithError(err).Debug("usb: late close")
				}
			}()
			return
		}
		err = d.release()
	})
	return err
}

func (d *Device) release() error {
	var err error
	if d.intf != nil {
		d.intf.Close()
	}
	if d.cfg != nil {
		if e := d.cfg.Close(); e != nil {
			err = e
		}
	}
	if e := d.dev.Close(); e != nil && err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("usb: close %s: %w", d.name, err)
	}
	return nil
}

// begin counts a running transfer; it fails once the device is closed.
func (d *Device) begin() bool {
	d.inflightMu.Lock()
	defer d.inflightMu.Unlock()
	if d.closed.Load() {
		return false
	}
	d.inflightN++
	return true
}

func (d *Device) end() {
	d.inflightMu.Lock()
	defer d.inflightMu.Unlock()
	d.inflightN--
	if d.inflightN == 0 && d.idle != nil {
		close(d.idle)
		d.idle = nil
	}
}

// waitInflight waits up to timeout (forever when negative) for running
// transfers to return, and reports whether they did.
func (d *Device) waitInflight(timeout time.Duration) bool {
	d.inflightMu.Lock()
	if d.inflightN == 0 {
		d.inflightMu.Unlock()
		return true
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.inflightMu.Unlock()
	if timeout < 0 {
		<-idle
		return true
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-idle:
		return true
	case <-t.C:
		return false
	}
}
