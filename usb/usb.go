// Package usb is the kiosk's only user of gousb (and so of cgo and libusb).
// It opens a device by VID:PID (and serial number), or by interface class,
// claims an interface with the kernel driver detached, and hands drivers a
// usbio.Transport; it also lists the devices for diagnostics and watches a
// device so that unplugging and replugging become state changes instead of
// hung transfers.
//
// Drivers (printer, rfid, scanner) depend only on usb/usbio. The wiring code
// opens the device here and passes the transport on:
//
//	host, err := usb.NewHost(log, usb.DefaultHostOptions())
//	defer host.Close() // after the watchers
//
//	opts := usb.DefaultOptions()
//	opts.Class = usb.ClassPrinter // or opts.VID, opts.PID = 0x04b8, 0x0e03
//	w := host.Watch(opts, usb.DefaultWatchOptions())
//	go w.Run(ctx)     // opens the printer, and reopens it whenever it comes back
//	defer w.Close()
//	var tr usbio.Transport = w // also a usbio.Controller (GET_PORT_STATUS)
//	for ev := range w.Events() { ... } // StatePresent / StateAbsent
//
// A one-shot user (kioskctl) calls host.Open(ctx, opts) instead, which
// returns a *Device (also a usbio.Transport and usbio.Controller) or an
// error wrapping usbio.ErrNoDevice.
//
// Every transfer honours its context's deadline (Options.Timeout when it has
// none) and fails with an error wrapping usbio.ErrTimeout, ErrStall or
// ErrDisconnected; a transfer on a vanished device never hangs.
package usb

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/danbib/kiosk/usb/usbio"
	"github.com/google/gousb"
	"github.com/sirupsen/logrus"
)

// USB interface classes the kiosk looks for.
const (
	ClassHID     = 3
	ClassPrinter = 7
	ClassVendor  = 0xFF
)

// Options select a device and the interface to claim. The lead maps them
// from the TOML configuration; each field documents its default.
type Options struct {
	// VID and PID of the device; 0 matches any (default 0, so set them or Class).
	VID, PID uint16
	// Serial picks one of several identical devices; "" takes the first
	// one found (default "").
	Serial string
	// Class matches devices that have an interface of this class (7 printer,
	// 3 HID); 0 matches any (default 0).
	Class int
	// Interface is the interface number to claim; -1 takes the first
	// interface of Class, or interface 0 when Class is 0 (default -1).
	Interface int
	// Alt is the alternate setting (default 0).
	Alt int
	// EndpointIn and EndpointOut are endpoint addresses (e.g. 0x82, 0x01); 0
	// takes the first bulk or interrupt endpoint of that direction (default 0).
	// A device without an OUT endpoint (a HID scanner) is fine; Write fails.
	EndpointIn, EndpointOut uint8
	// AutoDetach detaches a kernel driver (usblp, usbhid) while the interface
	// is claimed and reattaches it on Close (default true). A HID scanner
	// must be detached, or its scans also reach the screen as keystrokes.
	AutoDetach bool
	// Timeout bounds a transfer whose context has no deadline (default 2 s).
	Timeout time.Duration
}

// DefaultOptions returns the defaults documented on Options.
func DefaultOptions() Options {
	return Options{Interface: -1, AutoDetach: true, Timeout: 2 * time.Second}
}

// String describes the selection for logs and errors.
func (o Options) String() string {
	var parts []string
	if o.VID != 0 || o.PID != 0 {
		parts = append(parts, fmt.Sprintf("%04x:%04x", o.VID, o.PID))
	}
	if o.Serial != "" {
		parts = append(parts, "serial "+o.Serial)
	}
	if o.Class != 0 {
		parts = append(parts, fmt.Sprintf("class %d", o.Class))
	}
	if len(parts) == 0 {
		return "any device"
	}
	return strings.Join(parts, " ")
}

// HostOptions configure the USB host.
type HostOptions struct {
	// SysfsRoot is where the kernel's sysfs is mounted (default "/sys"). The
	// inventory reads driver bindings and strings there. Tests under umockdev
	// point it at the emulated tree, since Go's file access bypasses libc.
	SysfsRoot string
	// Debug is libusb's log level, 0 (default) to 4.
	Debug int
	// CancelGrace is how long a transfer may take to finish after its
	// context ended before the device is declared disconnected (default 2 s).
	// It keeps callers from hanging on a device that never completes a cancel.
	CancelGrace time.Duration
}

// DefaultHostOptions returns the defaults documented on HostOptions.
func DefaultHostOptions() HostOptions {
	return HostOptions{SysfsRoot: "/sys", CancelGrace: 2 * time.Second}
}

// Host is a libusb context. It is safe for concurrent use.
type Host struct {
	log  logrus.FieldLogger
	opts HostOptions

	mu  sync.Mutex // serialises enumeration and open
	ctx *gousb.Context
	bg  sync.WaitGroup // devices closed late, after a wedged transfer ended
}

// NewHost initialises libusb. Close it when done.
func NewHost(log logrus.FieldLogger, opts HostOptions) (h *Host, err error) {
	if opts.SysfsRoot == "" {
		opts.SysfsRoot = "/sys"
	}
	if opts.CancelGrace <= 0 {
		opts.CancelGrace = 2 * time.Second
	}
	defer func() {
		// gousb panics when libusb_init fails.
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("usb: libusb init: %v", r)
		}
	}()
	c := gousb.NewContext()
	if opts.Debug > 0 {
		c.Debug(opts.Debug)
	}
	return &Host{log: log, opts: opts, ctx: c}, nil
}

// Close releases libusb. Devices opened from the host must be closed first.
// It waits up to CancelGrace for devices whose release waits on a wedged
// transfer.
func (h *Host) Close() error {
	idle := make(chan struct{})
	go func() {
		h.bg.Wait()
		close(idle)
	}()
	select {
	case <-idle:
	case <-time.After(h.opts.CancelGrace):
		return fmt.Errorf("usb: close: a device is still busy with a transfer that never ended")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx == nil {
		return nil
	}
	err := h.ctx.Close()
	if err != nil {
		return fmt.Errorf("usb: close: %w", err)
	}
	h.ctx = nil
	return nil
}

// matches reports whether the descriptor fits the selection, and which
// interface to claim.
func (o Options) matches(desc *gousb.DeviceDesc) (iface int, ok bool) {
	if o.VID != 0 && uint16(desc.Vendor) != o.VID {
		return 0, false
	}
	if o.PID != 0 && uint16(desc.Product) != o.PID {
		return 0, false
	}
	if o.Class == 0 {
		if o.Interface < 0 {
			return 0, true
		}
		return o.Interface, true
	}
	if int(desc.Class) == o.Class {
		if o.Interface < 0 {
			return 0, true
		}
		return o.Interface, true
	}
	for _, cfgNum := range sortedConfigs(desc) {
		cfg := desc.Configs[cfgNum]
		for _, in := range cfg.Interfaces {
			if o.Interface >= 0 && in.Number != o.Interface {
				continue
			}
			for _, alt := range in.AltSettings {
				if int(alt.Class) == o.Class {
					return in.Number, true
				}
			}
		}
	}
	return 0, false
}

func sortedConfigs(desc *gousb.DeviceDesc) []int {
	var nums []int
	for n := range desc.Configs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

// Open opens the first device that fits opts, claims its interface and
// returns it as a transport. It returns an error wrapping usbio.ErrNoDevice
// when nothing fits.
func (h *Host) Open(ctx context.Context, opts Options) (*Device, error) {
	if opts.VID == 0 && opts.PID == 0 && opts.Class == 0 {
		return nil, fmt.Errorf("usb: open: no VID:PID or class given")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultOptions().Timeout
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx == nil {
		return nil, fmt.Errorf("usb: open %s: host closed", opts)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("usb: open %s: %w", opts, err)
	}
	ifaces := map[*gousb.DeviceDesc]int{}
	devs, enumErr := h.ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		n, ok := opts.matches(desc)
		if ok {
			ifaces[desc] = n
		}
		return ok
	})
	// gousb returns (nil, nil) when nothing matched.
	if len(devs) == 0 {
		if errors.Is(enumErr, gousb.ErrorAccess) {
			// The device is there; udev rules do not let this user open it.
			return nil, fmt.Errorf("usb: open %s: permission denied (check the udev rule for /dev/bus/usb): %w", opts, enumErr)
		}
		if enumErr != nil {
			return nil, fmt.Errorf("usb: open %s: %w: %w", opts, usbio.ErrNoDevice, mapError(enumErr))
		}
		return nil, fmt.Errorf("usb: open %s: %w", opts, usbio.ErrNoDevice)
	}
	if enumErr != nil {
		h.log.WithError(enumErr).WithField("device", opts.String()).Debug("usb: some devices could not be opened")
	}
	sort.Slice(devs, func(i, j int) bool {
		a, b := devs[i].Desc, devs[j].Desc
		if a.Bus != b.Bus {
			return a.Bus < b.Bus
		}
		return a.Address < b.Address
	})
	var chosen *gousb.Device
	var serial string
	for _, d := range devs {
		if chosen != nil {
			d.Close()
			continue
		}
		d.ControlTimeout = opts.Timeout
		s, _ := d.SerialNumber()
		if s == "" {
			// Without permission for control transfers sysfs still knows it.
			s = h.describe(d.Desc).Serial
		}
		if opts.Serial != "" && s != opts.Serial {
			d.Close()
			continue
		}
		chosen, serial = d, s
	}
	if chosen == nil {
		return nil, fmt.Errorf("usb: open %s: %w", opts, usbio.ErrNoDevice)
	}
	if len(devs) > 1 && opts.Serial == "" {
		h.log.WithField("device", opts.String()).WithField("count", len(devs)).
			Warn("usb: several devices match; set a serial number to choose one")
	}
	d, err := h.claim(chosen, opts, ifaces[chosen.Desc], serial)
	if err != nil {
		chosen.Close()
		return nil, err
	}
	return d, nil
}

func (h *Host) claim(dev *gousb.Device, opts Options, ifNum int, serial string) (*Device, error) {
	info := h.describe(dev.Desc)
	if serial != "" {
		info.Serial = serial
	}
	if info.Manufacturer == "" {
		info.Manufacturer, _ = dev.Manufacturer()
	}
	if info.Product == "" {
		info.Product, _ = dev.Product()
	}
	name := fmt.Sprintf("%04x:%04x@%s", info.VID, info.PID, info.Path)
	if err := dev.SetAutoDetach(opts.AutoDetach); err != nil && opts.AutoDetach {
		return nil, fmt.Errorf("usb: %s: auto-detach: %w", name, mapError(err))
	}
	cfgNum, err := dev.ActiveConfigNum()
	if err != nil || cfgNum == 0 {
		cfgs := sortedConfigs(dev.Desc)
		if len(cfgs) == 0 {
			return nil, fmt.Errorf("usb: %s: no configuration", name)
		}
		cfgNum = cfgs[0]
	}
	cfg, err := dev.Config(cfgNum)
	if err != nil {
		return nil, fmt.Errorf("usb: %s: config %d: %w", name, cfgNum, mapError(err))
	}
	intf, err := cfg.Interface(ifNum, opts.Alt)
	if err != nil {
		cfg.Close()
		return nil, fmt.Errorf("usb: %s: claim interface %d: %w", name, ifNum, mapError(err))
	}
	d := &Device{host: h, log: h.log.WithField("device", name), name: name, opts: opts, info: info,
		dev: dev, cfg: cfg, intf: intf, iface: ifNum}
	inAddr, outAddr := pickEndpoints(intf.Setting, opts)
	if inAddr != 0 {
		if d.in, err = intf.InEndpoint(int(inAddr & 0x0F)); err != nil {
			d.Close()
			return nil, fmt.Errorf("usb: %s: IN endpoint %#02x: %w", name, inAddr, err)
		}
	}
	if outAddr != 0 {
		if d.out, err = intf.OutEndpoint(int(outAddr & 0x0F)); err != nil {
			d.Close()
			return nil, fmt.Errorf("usb: %s: OUT endpoint %#02x: %w", name, outAddr, err)
		}
	}
	d.log.WithField("interface", ifNum).Debug("usb: opened")
	return d, nil
}

// pickEndpoints returns the configured endpoints, or the first bulk or
// interrupt endpoint of each direction.
func pickEndpoints(s gousb.InterfaceSetting, opts Options) (in, out uint8) {
	var addrs []int
	for a := range s.Endpoints {
		addrs = append(addrs, int(a))
	}
	sort.Ints(addrs)
	for _, a := range addrs {
		ep := s.Endpoints[gousb.EndpointAddress(a)]
		if ep.TransferType != gousb.TransferTypeBulk && ep.TransferType != gousb.TransferTypeInterrupt {
			continue
		}
		if ep.Direction == gousb.EndpointDirectionIn && in == 0 {
			in = uint8(a)
		}
		if ep.Direction == gousb.EndpointDirectionOut && out == 0 {
			out = uint8(a)
		}
	}
	if opts.EndpointIn != 0 {
		in = opts.EndpointIn
	}
	if opts.EndpointOut != 0 {
		out = opts.EndpointOut
	}
	return in, out
}

// mapError turns gousb and libusb errors into the usbio errors, keeping the
// original in the chain.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var ts gousb.TransferStatus
	if errors.As(err, &ts) {
		switch ts {
		case gousb.TransferTimedOut:
			return fmt.Errorf("%w: %w", usbio.ErrTimeout, err)
		case gousb.TransferStall:
			return fmt.Errorf("%w: %w", usbio.ErrStall, err)
		case gousb.TransferNoDevice:
			return fmt.Errorf("%w: %w", usbio.ErrDisconnected, err)
		}
		return err
	}
	var ue gousb.Error
	if errors.As(err, &ue) {
		switch ue {
		case gousb.ErrorTimeout:
			return fmt.Errorf("%w: %w", usbio.ErrTimeout, err)
		case gousb.ErrorPipe:
			return fmt.Errorf("%w: %w", usbio.ErrStall, err)
		case gousb.ErrorNoDevice:
			return fmt.Errorf("%w: %w", usbio.ErrDisconnected, err)
		case gousb.ErrorNotFound:
			return fmt.Errorf("%w: %w", usbio.ErrNoDevice, err)
		}
	}
	return err
}

// Opener returns a function that opens the device selected by opts, for
// drivers that reopen their transport themselves after a disconnect, such
// as printer.OpenFunc. It returns a nil interface (not a nil *Device) on
// failure.
func (h *Host) Opener(opts Options) func(context.Context) (usbio.Transport, error) {
	return func(ctx context.Context) (usbio.Transport, error) {
		d, err := h.Open(ctx, opts)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
}
