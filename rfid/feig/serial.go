package feig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"go.bug.st/serial"

	"github.com/danbib/kiosk/usb/usbio"
)

// SerialOptions configure a serial line to a reader (RS-232, or the FTDI/CDC
// bridge inside "-USB" readers that show up as /dev/ttyUSB*).
type SerialOptions struct {
	// Baud is the line speed. Default 38400, the FEIG factory setting.
	Baud int
	// Parity is "even", "none" or "odd". Default "even" (FEIG's 8E1).
	Parity string
	// ReadTimeout bounds a read when the context has no deadline. Default 1 s.
	ReadTimeout time.Duration
}

// DefaultSerialOptions returns 38400 baud, 8E1.
func DefaultSerialOptions() SerialOptions {
	return SerialOptions{Baud: 38400, Parity: "even", ReadTimeout: time.Second}
}

// Serial is a Transport over a serial port.
type Serial struct {
	name string
	port serial.Port
	opts SerialOptions
}

var _ Transport = (*Serial)(nil)

// OpenSerial opens the named port with 8 data bits and one stop bit.
func OpenSerial(name string, opts SerialOptions) (*Serial, error) {
	def := DefaultSerialOptions()
	if opts.Baud == 0 {
		opts.Baud = def.Baud
	}
	if opts.Parity == "" {
		opts.Parity = def.Parity
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = def.ReadTimeout
	}
	mode := &serial.Mode{BaudRate: opts.Baud, DataBits: 8, StopBits: serial.OneStopBit}
	switch opts.Parity {
	case "even":
		mode.Parity = serial.EvenParity
	case "odd":
		mode.Parity = serial.OddParity
	case "none":
		mode.Parity = serial.NoParity
	default:
		return nil, fmt.Errorf("feig: parity %q is not even, odd or none", opts.Parity)
	}
	p, err := serial.Open(name, mode)
	if err != nil {
		var pe *serial.PortError
		if errors.Is(err, fs.ErrNotExist) || errors.As(err, &pe) && pe.Code() == serial.PortNotFound {
			return nil, fmt.Errorf("feig: open %s: %w (%v)", name, usbio.ErrNoDevice, err)
		}
		return nil, fmt.Errorf("feig: open %s: %w", name, err)
	}
	return &Serial{name: name, port: p, opts: opts}, nil
}

func (s *Serial) String() string { return "serial " + s.name }

// Write sends p and drops anything unread from an earlier exchange.
func (s *Serial) Write(ctx context.Context, p []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("feig: %s: %w", s.name, usbio.ErrTimeout)
	}
	_ = s.port.ResetInputBuffer()
	n, err := s.port.Write(p)
	if err != nil {
		return n, s.mapErr(err)
	}
	return n, nil
}

// Read returns the bytes that arrive before the context's deadline; no byte at
// all is usbio.ErrTimeout.
func (s *Serial) Read(ctx context.Context, p []byte) (int, error) {
	timeout := s.opts.ReadTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if timeout <= 0 {
		return 0, fmt.Errorf("feig: %s: %w", s.name, usbio.ErrTimeout)
	}
	if err := s.port.SetReadTimeout(timeout); err != nil {
		return 0, s.mapErr(err)
	}
	n, err := s.port.Read(p)
	if err != nil {
		return n, s.mapErr(err)
	}
	if n == 0 {
		return 0, fmt.Errorf("feig: %s: %w", s.name, usbio.ErrTimeout)
	}
	return n, nil
}

// Close closes the port.
func (s *Serial) Close() error { return s.port.Close() }

// mapErr turns the errors of a vanished USB-serial bridge into ErrDisconnected.
func (s *Serial) mapErr(err error) error {
	return fmt.Errorf("feig: %s: %w (%v)", s.name, usbio.ErrDisconnected, err)
}
