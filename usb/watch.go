package usb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/danbib/kiosk/usb/usbio"
	"github.com/sirupsen/logrus"
)

// State is whether a watched device is usable.
type State int

// States of a watched device.
const (
	StateAbsent  State = iota // not plugged in, or it failed to open
	StatePresent              // opened and claimed
)

func (s State) String() string {
	if s == StatePresent {
		return "present"
	}
	return "absent"
}

// Event is a state change of a watched device.
type Event struct {
	State State
	Info  DeviceInfo // the device that appeared or vanished (zero when none yet)
	Err   error      // why opening failed, when it did for another reason than "no device"
}

// WatchOptions configure a Watcher.
type WatchOptions struct {
	// Interval between enumerations (default 1 s). Opening a device that
	// appeared and noticing one that vanished both take up to one interval;
	// a transfer on a vanished device fails at once.
	Interval time.Duration
	// Events is the capacity of the events channel (default 16). When the
	// reader falls behind, the oldest state changes are dropped.
	Events int
}

// DefaultWatchOptions returns the defaults documented on WatchOptions.
func DefaultWatchOptions() WatchOptions {
	return WatchOptions{Interval: time.Second, Events: 16}
}

// Watcher keeps one device open across unplugging and replugging. It is a
// usbio.Transport and usbio.Controller that forwards to the device while it
// is present and fails at once with usbio.ErrDisconnected while it is not,
// so a driver can hold on to it for the kiosk's whole life.
type Watcher struct {
	host  *Host
	opts  Options
	wopts WatchOptions
	log   logrus.FieldLogger

	events chan Event
	wake   chan struct{}
	stop   chan struct{}

	mu        sync.Mutex
	dev       *Device
	lastErr   string
	reported  bool // lastErr was sent as an event
	announced bool // an initial absent event was sent
	closed    bool
	stopOnce  sync.Once

	sendMu   sync.Mutex // guards events against a send after close
	finished bool
}

var (
	_ usbio.Transport  = (*Watcher)(nil)
	_ usbio.Controller = (*Watcher)(nil)
)

// Watch returns a watcher for the device selected by opts. Call Run to start it.
func (h *Host) Watch(opts Options, wopts WatchOptions) *Watcher {
	if wopts.Interval <= 0 {
		wopts.Interval = DefaultWatchOptions().Interval
	}
	if wopts.Events <= 0 {
		wopts.Events = DefaultWatchOptions().Events
	}
	return &Watcher{
		host: h, opts: opts, wopts: wopts, log: h.log.WithField("watch", opts.String()),
		events: make(chan Event, wopts.Events),
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
}

// Events delivers state changes. It is closed when Run returns.
func (w *Watcher) Events() <-chan Event { return w.events }

// State returns the current state and, when present, the device's info.
func (w *Watcher) State() (State, DeviceInfo) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dev == nil {
		return StateAbsent, DeviceInfo{}
	}
	return StatePresent, w.dev.Info()
}

// Run opens the device and checks on it every interval until ctx ends or
// Close is called; it then closes the device and the events channel.
func (w *Watcher) Run(ctx context.Context) error {
	defer func() {
		w.sendMu.Lock()
		w.finished = true
		close(w.events)
		w.sendMu.Unlock()
	}()
	defer w.drop(nil, false)
	t := time.NewTicker(w.wopts.Interval)
	defer t.Stop()
	for {
		w.poll(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.stop:
			return nil
		case <-t.C:
		case <-w.wake:
		}
	}
}

// Poke makes Run check the device now instead of at the next tick, e.g.
// after a udev event.
func (w *Watcher) Poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Watcher) poll(ctx context.Context) {
	w.mu.Lock()
	dev := w.dev
	w.mu.Unlock()
	if dev != nil {
		if dev.Disconnected() {
			w.drop(dev, true)
			return
		}
		ok, err := w.host.present(dev.Info())
		if err == nil && !ok {
			w.drop(dev, true)
		}
		return
	}
	d, err := w.host.Open(ctx, w.opts)
	if err != nil {
		w.mu.Lock()
		first := !w.announced
		w.announced = true
		msg := err.Error()
		changed := msg != w.lastErr
		w.lastErr = msg
		w.mu.Unlock()
		if errors.Is(err, usbio.ErrNoDevice) {
			if first {
				w.send(Event{State: StateAbsent})
			}
			return
		}
		// Report an open error only when it repeats: right after a plug-in
		// (udev not done with permissions) or an unplug (libusb has not yet
		// seen the remove event) opening fails briefly for no lasting reason.
		if !changed && !w.reported {
			w.reported = true
			w.log.WithError(err).Warn("usb: device present but cannot be opened")
			w.send(Event{State: StateAbsent, Err: err})
		}
		if changed {
			w.reported = false
		}
		return
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		d.Close()
		return
	}
	w.dev = d
	w.announced = true
	w.lastErr = ""
	w.reported = false
	w.mu.Unlock()
	w.log.WithField("path", d.Info().Path).Info("usb: device present")
	w.send(Event{State: StatePresent, Info: d.Info()})
}

// drop closes dev if it is still the current device; with announce it
// reports the device absent.
func (w *Watcher) drop(dev *Device, announce bool) {
	w.mu.Lock()
	cur := w.dev
	if cur == nil || (dev != nil && cur != dev) {
		w.mu.Unlock()
		return
	}
	w.dev = nil
	w.mu.Unlock()
	if err := cur.Close(); err != nil {
		w.log.WithError(err).Debug("usb: close after disconnect")
	}
	if announce {
		w.log.WithField("path", cur.Info().Path).Warn("usb: device gone")
		w.send(Event{State: StateAbsent, Info: cur.Info()})
	}
}

func (w *Watcher) send(ev Event) {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	if w.finished {
		return
	}
	for {
		select {
		case w.events <- ev:
			return
		default:
		}
		// Full: drop the oldest so the newest state always arrives.
		select {
		case <-w.events:
		default:
		}
	}
}

func (w *Watcher) current() (*Device, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dev == nil {
		return nil, fmt.Errorf("usb: %s not connected: %w", w.opts, usbio.ErrDisconnected)
	}
	return w.dev, nil
}

// after handles a transfer's error: a vanished device is dropped at once
// and Run is woken to look for it again.
func (w *Watcher) after(dev *Device, err error) {
	if err != nil && errors.Is(err, usbio.ErrDisconnected) {
		w.drop(dev, true)
		w.Poke()
	}
}

// Read reads from the current device.
func (w *Watcher) Read(ctx context.Context, p []byte) (int, error) {
	dev, err := w.current()
	if err != nil {
		return 0, err
	}
	n, err := dev.Read(ctx, p)
	w.after(dev, err)
	return n, err
}

// Write writes to the current device.
func (w *Watcher) Write(ctx context.Context, p []byte) (int, error) {
	dev, err := w.current()
	if err != nil {
		return 0, err
	}
	n, err := dev.Write(ctx, p)
	w.after(dev, err)
	return n, err
}

// Control sends a control transfer to the current device.
func (w *Watcher) Control(ctx context.Context, requestType, request uint8, value, index uint16, data []byte) (int, error) {
	dev, err := w.current()
	if err != nil {
		return 0, err
	}
	n, err := dev.Control(ctx, requestType, request, value, index, data)
	w.after(dev, err)
	return n, err
}

// Close stops Run and closes the device.
func (w *Watcher) Close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.stopOnce.Do(func() { close(w.stop) })
	w.drop(nil, false)
	return nil
}
