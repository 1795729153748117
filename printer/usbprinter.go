package printer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/logging"

	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/usb/usbio"
)

// OpenFunc opens the printer's USB interface (the lead wires it to the usb
// package: printer class 7 or a configured VID:PID, usblp detached). It is
// called again after an unplug.
type OpenFunc func(ctx context.Context) (usbio.Transport, error)

// USB printer class request GET_PORT_STATUS and its bits (Linux usblp).
const (
	portStatusRequestType = 0xA1
	portStatusRequest     = 1
	portPaperEmpty        = 0x20
	portSelected          = 0x10
	portNotError          = 0x08
)

// USBOptions are the knobs of the USB printer driver.
type USBOptions struct {
	// WriteTimeout bounds each chunk written to the bulk OUT endpoint.
	// Default 5 s (a receipt with a logo is about 20 kB at 12 kB/s+).
	WriteTimeout time.Duration
	// StatusTimeout bounds each DLE EOT reply. Default 500 ms.
	StatusTimeout time.Duration
	// ChunkSize is the size of each bulk write. Default 4096 bytes.
	ChunkSize int
	// Interface is the wIndex of GET_PORT_STATUS. Default 0.
	Interface uint16
	// CheckBeforePrint asks for the status before a job and refuses to
	// send it when the paper is out or the cover open, so that a receipt
	// never waits in the printer's buffer for the next patron. Default true.
	CheckBeforePrint bool
}

// DefaultUSBOptions returns the defaults documented on USBOptions.
func DefaultUSBOptions() USBOptions {
	return USBOptions{
		WriteTimeout:     5 * time.Second,
		StatusTimeout:    500 * time.Millisecond,
		ChunkSize:        4096,
		CheckBeforePrint: true,
	}
}

// USBPrinter is an ESC/POS printer on a usbio.Transport.
type USBPrinter struct {
	mu   sync.Mutex
	open OpenFunc
	t    usbio.Transport
	opts USBOptions
	log  logrus.FieldLogger
}

// NewUSBPrinter returns a printer that opens its transport with open on
// first use and again after a disconnect.
func NewUSBPrinter(open OpenFunc, opts USBOptions, log logrus.FieldLogger) *USBPrinter {
	d := DefaultUSBOptions()
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = d.WriteTimeout
	}
	if opts.StatusTimeout <= 0 {
		opts.StatusTimeout = d.StatusTimeout
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = d.ChunkSize
	}
	log = logging.OrDiscard(log)
	return &USBPrinter{open: open, opts: opts, log: log.WithField("component", "printer")}
}

func gone(err error) bool {
	return errors.Is(err, usbio.ErrDisconnected) || errors.Is(err, usbio.ErrNoDevice)
}

// transport returns the open transport, opening it when needed.
func (p *USBPrinter) transport(ctx context.Context) (usbio.Transport, error) {
	if p.t != nil {
		return p.t, nil
	}
	t, err := p.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotConnected, err)
	}
	p.t = t
	p.log.Info("printer opened")
	return t, nil
}

// drop closes a transport that failed so that the next call reopens it.
func (p *USBPrinter) drop() {
	if p.t != nil {
		_ = p.t.Close()
		p.t = nil
		p.log.Warn("printer connection dropped; will reopen")
	}
}

// Close releases the printer.
func (p *USBPrinter) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.t == nil {
		return nil
	}
	err := p.t.Close()
	p.t = nil
	return err
}

// Print sends one job. A failure before the first byte left (a stale handle
// after a replug) is retried once on a freshly opened transport; a failure
// after that returns ErrIncomplete and is never retried.
func (p *USBPrinter) Print(ctx context.Context, job []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for attempt := 0; ; attempt++ {
		sent, err := p.printOnce(ctx, job)
		if err == nil {
			return nil
		}
		if sent == 0 && gone(err) && attempt == 0 && ctx.Err() == nil {
			p.drop()
			continue
		}
		if gone(err) {
			p.drop()
		}
		if sent > 0 {
			return fmt.Errorf("%w after %d of %d bytes: %w", ErrIncomplete, sent, len(job), err)
		}
		return err
	}
}

func (p *USBPrinter) printOnce(ctx context.Context, job []byte) (int, error) {
	t, err := p.transport(ctx)
	if err != nil {
		return 0, err
	}
	if p.opts.CheckBeforePrint {
		st, err := p.statusLocked(ctx, t)
		if err != nil && gone(err) {
			return 0, err
		}
		if err == nil && !st.CanPrint() {
			return 0, fmt.Errorf("printer: not printing: %w", st.Err())
		}
	}
	sent := 0
	zero := 0
	for sent < len(job) {
		end := min(sent+p.opts.ChunkSize, len(job))
		cctx, cancel := context.WithTimeout(ctx, p.opts.WriteTimeout)
		n, err := t.Write(cctx, job[sent:end])
		cancel()
		sent += max(n, 0)
		if err != nil {
			return sent, fmt.Errorf("printer: write: %w", err)
		}
		if n == 0 {
			if zero++; zero > 3 {
				return sent, fmt.Errorf("printer: write: no progress: %w", usbio.ErrTimeout)
			}
		}
	}
	p.log.WithField("bytes", len(job)).Debug("printer job sent")
	return sent, nil
}

// Status asks the printer for its state: DLE EOT 4 for the paper, DLE EOT 1
// and 2 for offline and its cause, DLE EOT 3 for a cutter error. A printer
// that does not answer on its IN endpoint is asked with the USB printer
// class request GET_PORT_STATUS instead, when the transport can send
// control transfers.
func (p *USBPrinter) Status(ctx context.Context) (Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for attempt := 0; ; attempt++ {
		t, err := p.transport(ctx)
		if err != nil {
			return Status{Disconnected: true}, err
		}
		st, err := p.statusLocked(ctx, t)
		if err != nil && gone(err) {
			p.drop()
			if attempt == 0 && ctx.Err() == nil {
				continue
			}
			return Status{Disconnected: true}, fmt.Errorf("%w: %w", ErrNotConnected, err)
		}
		return st, err
	}
}

func (p *USBPrinter) statusLocked(ctx context.Context, t usbio.Transport) (Status, error) {
	b4, err := p.query(ctx, t, 4)
	if err != nil {
		if gone(err) {
			return Status{}, err
		}
		if st, perr := p.portStatus(ctx, t); perr == nil {
			return st, nil
		}
		return Status{}, err
	}
	var st Status
	st.Paper, _ = escpos.DecodePaperStatus(b4)
	b1, err := p.query(ctx, t, 1)
	if err != nil {
		// The paper state alone is still useful.
		return st, nil
	}
	ps, _ := escpos.DecodePrinterStatus(b1)
	st.Offline = ps.Offline
	if !ps.Offline {
		return st, nil
	}
	b2, err := p.query(ctx, t, 2)
	if err != nil {
		return st, nil
	}
	oc, _ := escpos.DecodeOfflineCause(b2)
	st.CoverOpen = oc.CoverOpen
	if oc.PaperEnd {
		st.Paper = escpos.PaperOut
	}
	if oc.Error {
		st.Error = true
	}
	return st, nil
}

// query sends DLE EOT n and reads its one-byte reply. Stray bytes (an
// automatic status back, a late reply) are skipped: the last byte with the
// fixed reply bits wins.
func (p *USBPrinter) query(ctx context.Context, t usbio.Transport, n byte) (byte, error) {
	cctx, cancel := context.WithTimeout(ctx, p.opts.StatusTimeout)
	defer cancel()
	if _, err := t.Write(cctx, []byte{escpos.DLE, escpos.EOT, n}); err != nil {
		return 0, fmt.Errorf("printer: DLE EOT %d: %w", n, err)
	}
	buf := make([]byte, 64)
	for tries := 0; tries < 3; tries++ {
		got, err := t.Read(cctx, buf)
		for i := got - 1; i >= 0; i-- {
			if escpos.ValidStatusByte(buf[i]) {
				return buf[i], nil
			}
		}
		if err != nil {
			return 0, fmt.Errorf("printer: DLE EOT %d reply: %w", n, err)
		}
	}
	return 0, fmt.Errorf("printer: DLE EOT %d: %w", n, escpos.ErrInvalidStatus)
}

// portStatus asks with GET_PORT_STATUS (class request 1).
func (p *USBPrinter) portStatus(ctx context.Context, t usbio.Transport) (Status, error) {
	c, ok := t.(usbio.Controller)
	if !ok {
		return Status{}, errors.New("printer: transport has no control transfers")
	}
	cctx, cancel := context.WithTimeout(ctx, p.opts.StatusTimeout)
	defer cancel()
	buf := make([]byte, 1)
	n, err := c.Control(cctx, portStatusRequestType, portStatusRequest, 0, p.opts.Interface, buf)
	if err != nil {
		return Status{}, fmt.Errorf("printer: GET_PORT_STATUS: %w", err)
	}
	if n < 1 {
		return Status{}, errors.New("printer: GET_PORT_STATUS: empty reply")
	}
	return DecodePortStatus(buf[0]), nil
}

// DecodePortStatus decodes the USB printer class port status byte: 0x20
// paper empty, 0x10 selected (online), 0x08 not error.
func DecodePortStatus(b byte) Status {
	st := Status{Paper: escpos.PaperOK}
	if b&portPaperEmpty != 0 {
		st.Paper = escpos.PaperOut
	}
	st.Offline = b&portSelected == 0
	st.Error = b&portNotError == 0 && b&portPaperEmpty == 0
	return st
}
