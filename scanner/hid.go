package scanner

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/danbib/kiosk/usb/usbio"
	"github.com/sirupsen/logrus"
)

// Source tells where a scan came from.
type Source int

// Sources of scans.
const (
	SourceHID   Source = iota + 1 // a USB HID scanner read directly
	SourceWedge                   // keystrokes from the UI, told apart from typing
)

func (s Source) String() string {
	switch s {
	case SourceHID:
		return "usb scanner"
	case SourceWedge:
		return "keyboard wedge"
	}
	return "unknown"
}

// Scan is one complete scan or swipe, without the final Enter. Its String
// and Format never print Text (it may hold a CPR number); pass Text to
// IdentifyBytes, and zero it when done (the kiosk core does). It is bytes,
// never a string, since a string cannot be zeroed.
type Scan struct {
	Text   []byte
	Source Source
	At     time.Time
}

func (s Scan) String() string {
	return fmt.Sprintf("scan of %d characters from %s", utf8.RuneCount(s.Text), s.Source)
}

// Format keeps %v, %+v and %#v from printing the text.
func (s Scan) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }

// Boot-keyboard report layout: modifiers, reserved, six key usage codes.
const (
	reportLen     = 8
	modLeftShift  = 0x02
	modRightShift = 0x20
	usageEnter    = 0x28
	usageKPEnter  = 0x58
)

// usbKeys maps HID usage ids of the US layout (what scanners emulate by
// default) to the unshifted and shifted characters. A scanner set to the
// Danish layout sends the same codes for digits and letters, which is all
// patron ids contain; only some symbols differ.
var usbKeys = func() map[byte][2]rune {
	m := map[byte][2]rune{}
	for i := 0; i < 26; i++ {
		m[byte(0x04+i)] = [2]rune{rune('a' + i), rune('A' + i)}
	}
	digits, shifted := "1234567890", "!@#$%^&*()"
	for i := 0; i < 10; i++ {
		m[byte(0x1E+i)] = [2]rune{rune(digits[i]), rune(shifted[i])}
	}
	for code, pair := range map[byte]string{
		0x2B: "\t\t", 0x2C: "  ", 0x2D: "-_", 0x2E: "=+", 0x2F: "[{", 0x30: "]}", 0x31: `\|`,
		0x33: ";:", 0x34: `'"`, 0x35: "`~", 0x36: ",<", 0x37: ".>", 0x38: "/?",
	} {
		r := []rune(pair)
		m[code] = [2]rune{r[0], r[1]}
	}
	// Keypad digits, which some scanners send in "alt mode".
	kp := "1234567890"
	for i := 0; i < 10; i++ {
		m[byte(0x59+i)] = [2]rune{rune(kp[i]), rune(kp[i])}
	}
	m[0x54] = [2]rune{'/', '/'}
	m[0x55] = [2]rune{'*', '*'}
	m[0x56] = [2]rune{'-', '-'}
	m[0x57] = [2]rune{'+', '+'}
	m[0x63] = [2]rune{'.', '.'}
	return m
}()

// ReportDecoder turns boot-keyboard reports into scans. A key counts when
// it appears in a report and was not pressed in the previous one, so both
// "press, release" pairs and rollover reports work. Enter ends a scan.
type ReportDecoder struct {
	prev [6]byte
	buf  []rune
	// MaxLen drops a scan that grows beyond this many characters without
	// Enter (default 512 when zero), so a stuck key cannot eat memory.
	MaxLen int
}

// Feed decodes one report. It returns the scan text when the report
// pressed Enter and characters were collected: a new slice the caller owns
// (and zeroes); the decoder's own copy is zeroed.
func (d *ReportDecoder) Feed(report []byte) ([]byte, bool) {
	if len(report) < reportLen {
		return nil, false
	}
	shift := report[0]&(modLeftShift|modRightShift) != 0
	// Keys pressed with Ctrl, Alt or GUI are commands, not characters
	// (some scanners send Ctrl+letter for control codes).
	command := report[0]&^(modLeftShift|modRightShift) != 0
	var cur [6]byte
	copy(cur[:], report[2:8])
	defer func() { d.prev = cur }()
	// 0x01 in every slot is the "phantom" rollover-error state: no keys.
	if cur[0] == 0x01 {
		return nil, false
	}
	var text []byte
	var done bool
	for _, code := range cur {
		if code == 0 || pressed(d.prev, code) {
			continue
		}
		if code == usageEnter || code == usageKPEnter {
			if len(d.buf) > 0 {
				text, done = runesToBytes(d.buf), true
			}
			clear(d.buf)
			d.buf = d.buf[:0]
			continue
		}
		k, ok := usbKeys[code]
		if !ok || command {
			continue
		}
		r := k[0]
		if shift {
			r = k[1]
		}
		max := d.MaxLen
		if max <= 0 {
			max = 512
		}
		if len(d.buf) >= max {
			clear(d.buf)
			d.buf = d.buf[:0]
		}
		d.buf = appendRune(d.buf, r, max)
	}
	return text, done
}

// appendRune appends r to buf, allocated once at its final capacity
// (max), so that growing never leaves a partial copy of a scan behind.
func appendRune(buf []rune, r rune, max int) []rune {
	if cap(buf) < max {
		nb := make([]rune, len(buf), max)
		copy(nb, buf)
		clear(buf)
		buf = nb
	}
	return append(buf, r)
}

// runesToBytes returns the UTF-8 of rs in a slice of exactly that size.
func runesToBytes(rs []rune) []byte {
	n := 0
	for _, r := range rs {
		n += utf8.RuneLen(r)
	}
	out := make([]byte, 0, n)
	for _, r := range rs {
		out = utf8.AppendRune(out, r)
	}
	return out
}

// Reset forgets a partial scan and the pressed keys.
func (d *ReportDecoder) Reset() {
	clear(d.buf)
	d.buf = d.buf[:0]
	d.prev = [6]byte{}
}

func pressed(keys [6]byte, code byte) bool {
	for _, k := range keys {
		if k == code {
			return true
		}
	}
	return false
}

// HIDOptions configure a directly read HID scanner. The transport is opened
// by the caller (package usb, VID:PID from the configuration, with
// AutoDetach so usbhid lets go and scans never reach the screen).
type HIDOptions struct {
	// Interface is the HID interface number for SET_PROTOCOL (default 0).
	Interface uint16
	// PollTimeout bounds each read of the interrupt endpoint; a timeout just
	// means nobody scanned (default 1 s).
	PollTimeout time.Duration
	// RetryDelay is the pause after a disconnected or failing scanner
	// before reading again (default 1 s); the usb.Watcher reopens it meanwhile.
	RetryDelay time.Duration
	// MaxLen is the longest scan in characters (default 512).
	MaxLen int
}

// DefaultHIDOptions returns the defaults documented on HIDOptions.
func DefaultHIDOptions() HIDOptions {
	return HIDOptions{PollTimeout: time.Second, RetryDelay: time.Second, MaxLen: 512}
}

// HID reads a USB HID keyboard-wedge scanner through a transport.
type HID struct {
	tr   usbio.Transport
	log  logrus.FieldLogger
	opts HIDOptions
	dec  ReportDecoder
	now  func() time.Time
	// after is time.After; tests replace it to avoid sleeping.
	after func(time.Duration) <-chan time.Time
	setup bool
}

// NewHID returns a reader for the scanner behind tr.
func NewHID(tr usbio.Transport, log logrus.FieldLogger, opts HIDOptions) *HID {
	d := DefaultHIDOptions()
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = d.PollTimeout
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = d.RetryDelay
	}
	if opts.MaxLen <= 0 {
		opts.MaxLen = d.MaxLen
	}
	return &HID{tr: tr, log: log, opts: opts, dec: ReportDecoder{MaxLen: opts.MaxLen},
		now: time.Now, after: time.After}
}

// bootProtocol asks the scanner for boot reports and no idle repeats, when
// the transport can send control requests. Scanners usually default to
// this already, so failures are only logged.
func (h *HID) bootProtocol(ctx context.Context) {
	ctl, ok := h.tr.(usbio.Controller)
	if !ok {
		return
	}
	// SET_PROTOCOL(boot) and SET_IDLE(0): class requests to the interface.
	if _, err := ctl.Control(ctx, 0x21, 0x0B, 0, h.opts.Interface, nil); err != nil {
		h.log.WithError(err).Debug("scanner: SET_PROTOCOL failed")
	}
	if _, err := ctl.Control(ctx, 0x21, 0x0A, 0, h.opts.Interface, nil); err != nil {
		h.log.WithError(err).Debug("scanner: SET_IDLE failed")
	}
}

// ReadScan blocks until a whole scan (ended by Enter) arrives, ctx ends, or
// the transport fails with something other than a timeout.
func (h *HID) ReadScan(ctx context.Context) (Scan, error) {
	if !h.setup {
		h.setup = true
		h.bootProtocol(ctx)
	}
	buf := make([]byte, 64)
	// The reports are the key codes of the patron's number.
	defer clear(buf)
	for {
		if err := ctx.Err(); err != nil {
			return Scan{}, err
		}
		rctx, cancel := context.WithTimeout(ctx, h.opts.PollTimeout)
		n, err := h.tr.Read(rctx, buf)
		cancel()
		if err != nil {
			if errors.Is(err, usbio.ErrTimeout) && ctx.Err() == nil {
				continue
			}
			if ctx.Err() != nil {
				return Scan{}, ctx.Err()
			}
			// A half-read scan from before a disconnect is worthless.
			h.dec.Reset()
			h.setup = false
			return Scan{}, fmt.Errorf("scanner: read: %w", err)
		}
		// One transfer may carry several reports.
		for off := 0; off+reportLen <= n; off += reportLen {
			if text, ok := h.dec.Feed(buf[off : off+reportLen]); ok {
				return Scan{Text: text, Source: SourceHID, At: h.now()}, nil
			}
		}
	}
}

// Run sends every scan to out until ctx ends. Read errors (the scanner
// unplugged) are logged and retried after RetryDelay, so Run survives the
// scanner coming and going when tr is a usb.Watcher.
func (h *HID) Run(ctx context.Context, out chan<- Scan) error {
	lastErr := ""
	for {
		s, err := h.ReadScan(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if msg := err.Error(); msg != lastErr {
				lastErr = msg
				h.log.WithError(err).Warn("scanner: not readable; retrying")
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-h.after(h.opts.RetryDelay):
			}
			continue
		}
		lastErr = ""
		select {
		case out <- s:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
