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
	inflight  sync.WaitGroup
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
	return d.transfer(ctx, "control", data, in, func(ctx context.Context, buf []byte) (int, error) {
		timeout := d.opts.Timeout
		if dl, ok := ctx.Deadline(); ok {
			timeout = time.Until(dl)
			if timeout <= 0 {
				return 0, gousb.ErrorTimeout
			}
		}
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
	if d.closed.Load() {
		return 0, fmt.Errorf("usb: %s %s: device closed: %w", op, d.name, usbio.ErrDisconnected)
	}
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
	d.inflight.Add(1)
	go func() {
		defer d.inflight.Done()
		n, err := fn(ctx, buf)
		done <- result{n, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		grace := time.NewTimer(d.host.opts.CancelGrace)
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
		d.closed.Store(true)
		if !d.waitInflight(d.host.opts.CancelGrace) {
			// Closing the handle under a pending transfer would let libusb
			// write into freed memory: release it once the transfer is
			// over, in the background, so Close itself never hangs.
			d.log.Warn("usb: transfer still pending at close; releasing the device when it ends")
			d.host.bg.Add(1)
			go func() {
				defer d.host.bg.Done()
				d.inflight.Wait()
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

// waitInflight waits up to timeout for running transfers to return.
func (d *Device) waitInflight(timeout time.Duration) bool {
	idle := make(chan struct{})
	go func() {
		d.inflight.Wait()
		close(idle)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-idle:
		return true
	case <-t.C:
		return false
	}
}
