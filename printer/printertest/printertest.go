// Package printertest is a virtual ESC/POS receipt printer for tests and the
// demo. It implements printer.Printer directly, and also a usbio.Transport
// (Open) that answers DLE EOT status requests, so the USB driver can be
// tested against it. Printed jobs are kept and can be read back as text or
// as PNG images of the paper.
//
// Knobs simulate paper near end, paper out, an open cover, an offline
// printer, an unplugged cable and a jam in the middle of a job. Every method
// is safe for concurrent use.
package printertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"sync"

	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/usb/usbio"
)

// ErrJam is the cause inside the ErrIncomplete a jammed job returns.
var ErrJam = errors.New("printertest: paper jam")

// Job is one printed job (or the part of it that printed before a jam).
type Job struct {
	Bytes    []byte
	Complete bool
}

// Printer is the virtual printer.
type Printer struct {
	mu        sync.Mutex
	width     int
	paper     escpos.Paper
	coverOpen bool
	offline   bool
	unplugged bool
	noReplies bool // a unidirectional printer: no DLE EOT replies
	jamAfter  int  // bytes of the next job that print before a jam; -1 none
	jammed    bool
	jobs      []Job
	// open is the job being received through the transport, until a cut.
	open     []byte
	statusRQ int // DLE EOT requests answered
	gen      int // incremented by each unplug
	onPrint  func(index int)
}

// SetOnPrint registers f to be called (in the printing goroutine, without
// the printer's lock held) with the index of each job that printed, whole or
// cut short by a jam. The demo uses it to show the new receipt.
func (p *Printer) SetOnPrint(f func(index int)) { p.mu.Lock(); p.onPrint = f; p.mu.Unlock() }

// notify calls the OnPrint hook for job index i; the caller must not hold
// the lock.
func (p *Printer) notify(f func(int), i int) {
	if f != nil && i >= 0 {
		f(i)
	}
}

// New returns a ready printer with paper widthDots wide (0 means 576).
func New(widthDots int) *Printer {
	if widthDots <= 0 {
		widthDots = 576
	}
	return &Printer{width: widthDots, jamAfter: -1}
}

// Width returns the paper width in dots.
func (p *Printer) Width() int { return p.width }

// SetPaper sets the paper sensor: escpos.PaperOK, PaperNearEnd or PaperOut.
func (p *Printer) SetPaper(s escpos.Paper) { p.mu.Lock(); p.paper = s; p.mu.Unlock() }

// SetCoverOpen opens or closes the cover.
func (p *Printer) SetCoverOpen(open bool) { p.mu.Lock(); p.coverOpen = open; p.mu.Unlock() }

// SetOffline takes the printer offline (without a cause) or back online.
func (p *Printer) SetOffline(off bool) { p.mu.Lock(); p.offline = off; p.mu.Unlock() }

// SetUnplugged simulates pulling the USB cable: transports fail with
// usbio.ErrDisconnected and Open with usbio.ErrNoDevice until plugged in.
// Print and Status of the direct interface report ErrNotConnected.
func (p *Printer) SetUnplugged(u bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u && !p.unplugged {
		p.gen++
	}
	p.unplugged = u
}

// SetStatusReplies turns DLE EOT replies on the IN endpoint on or off (off
// simulates a printer that only answers GET_PORT_STATUS).
func (p *Printer) SetStatusReplies(on bool) { p.mu.Lock(); p.noReplies = !on; p.mu.Unlock() }

// JamAfter makes the next job jam after n of its bytes have printed. The
// printer then stays in error until ClearJam.
func (p *Printer) JamAfter(n int) { p.mu.Lock(); p.jamAfter = n; p.mu.Unlock() }

// ClearJam clears a jam, as opening and closing the cover does.
func (p *Printer) ClearJam() { p.mu.Lock(); p.jammed = false; p.mu.Unlock() }

// Reset forgets every printed job (the knobs stay).
func (p *Printer) Reset() { p.mu.Lock(); p.jobs = nil; p.open = nil; p.mu.Unlock() }

func (p *Printer) statusLocked() printer.Status {
	st := printer.Status{Paper: p.paper, CoverOpen: p.coverOpen, Error: p.jammed}
	st.Offline = p.offline || p.coverOpen || p.jammed || p.paper == escpos.PaperOut
	st.Disconnected = p.unplugged
	return st
}

// Status implements printer.Printer.
func (p *Printer) Status(ctx context.Context) (printer.Status, error) {
	if err := ctx.Err(); err != nil {
		return printer.Status{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.statusLocked()
	if st.Disconnected {
		return st, printer.ErrNotConnected
	}
	return st, nil
}

// Print implements printer.Printer: the job prints when the printer can
// print, partly when a jam is armed, not at all otherwise.
func (p *Printer) Print(ctx context.Context, job []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	err := p.printLocked(job)
	f, i := p.onPrint, len(p.jobs)-1
	p.mu.Unlock()
	if errors.Is(err, errNotPrinted) {
		return errors.Unwrap(err)
	}
	p.notify(f, i)
	return err
}

// errNotPrinted marks refusals that printed nothing (no OnPrint call).
var errNotPrinted = errors.New("printertest: nothing printed")

type notPrinted struct{ err error }

func (n notPrinted) Error() string        { return n.err.Error() }
func (n notPrinted) Unwrap() error        { return n.err }
func (n notPrinted) Is(target error) bool { return target == errNotPrinted }

func (p *Printer) printLocked(job []byte) error {
	if err := p.statusLocked().Err(); err != nil {
		return notPrinted{fmt.Errorf("printertest: %w", err)}
	}
	if p.jamAfter >= 0 {
		n := min(p.jamAfter, len(job))
		p.jobs = append(p.jobs, Job{Bytes: append([]byte(nil), job[:n]...)})
		p.jamAfter = -1
		p.jammed = true
		return fmt.Errorf("%w after %d of %d bytes: %w", printer.ErrIncomplete, n, len(job), ErrJam)
	}
	p.jobs = append(p.jobs, Job{Bytes: append([]byte(nil), job...), Complete: true})
	return nil
}

// Jobs returns copies of the printed jobs, oldest first.
func (p *Printer) Jobs() []Job {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Job, len(p.jobs))
	for i, j := range p.jobs {
		out[i] = Job{Bytes: append([]byte(nil), j.Bytes...), Complete: j.Complete}
	}
	return out
}

// Count returns the number of printed jobs.
func (p *Printer) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.jobs)
}

func (p *Printer) job(i int) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < 0 {
		i += len(p.jobs)
	}
	if i < 0 || i >= len(p.jobs) {
		return nil, fmt.Errorf("printertest: no job %d of %d", i, len(p.jobs))
	}
	return append([]byte(nil), p.jobs[i].Bytes...), nil
}

// Text returns job i as text (see the package function Text). Negative i
// counts from the end: -1 is the last job.
func (p *Printer) Text(i int) (string, error) {
	j, err := p.job(i)
	if err != nil {
		return "", err
	}
	return Text(j), nil
}

// Image returns job i drawn on paper. Negative i counts from the end.
func (p *Printer) Image(i int) (*image.Gray, error) {
	j, err := p.job(i)
	if err != nil {
		return nil, err
	}
	return Render(j, p.width), nil
}

// PNG returns job i as a PNG image of the paper. Negative i counts from
// the end: PNG(-1) is the last receipt, which the demo shows.
func (p *Printer) PNG(i int) ([]byte, error) {
	img, err := p.Image(i)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("printertest: png: %w", err)
	}
	return buf.Bytes(), nil
}

// StatusRequests returns how many DLE EOT requests the transport answered.
func (p *Printer) StatusRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statusRQ
}

// Open is a printer.OpenFunc: it returns a fresh transport to the virtual
// printer, or usbio.ErrNoDevice while unplugged.
func (p *Printer) Open(ctx context.Context) (usbio.Transport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.unplugged {
		return nil, fmt.Errorf("printertest: open: %w", usbio.ErrNoDevice)
	}
	return &transport{p: p, gen: p.gen}, nil
}

// transport is the USB side of the virtual printer. Data written is
// collected into a job until a cut command ends it; a write that is exactly
// DLE EOT n queues the status reply for Read.
type transport struct {
	p       *Printer
	replies []byte
	closed  bool
	// gen detects a replug: a transport opened before an unplug stays dead.
	gen int
}

func (t *transport) check() error {
	if t.closed {
		return fmt.Errorf("printertest: transport closed: %w", usbio.ErrNoDevice)
	}
	if t.p.unplugged || t.gen != t.p.gen {
		return fmt.Errorf("printertest: %w", usbio.ErrDisconnected)
	}
	return nil
}

func (t *transport) Write(ctx context.Context, b []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("printertest: %w", usbio.ErrTimeout)
	}
	p := t.p
	p.mu.Lock()
	before := len(p.jobs)
	n, err := t.writeLocked(b)
	f, after := p.onPrint, len(p.jobs)
	p.mu.Unlock()
	for i := before; i < after; i++ {
		p.notify(f, i)
	}
	return n, err
}

func (t *transport) writeLocked(b []byte) (int, error) {
	p := t.p
	if err := t.check(); err != nil {
		return 0, err
	}
	if len(b) == 3 && b[0] == escpos.DLE && b[1] == escpos.EOT && b[2] >= 1 && b[2] <= 4 {
		p.statusRQ++
		if !p.noReplies {
			t.replies = append(t.replies, p.replyLocked(b[2]))
		}
		return 3, nil
	}
	if p.jammed || p.coverOpen || p.paper == escpos.PaperOut || p.offline {
		// The buffer fills and the host's write times out.
		return 0, fmt.Errorf("printertest: printer not accepting data: %w", usbio.ErrTimeout)
	}
	n := len(b)
	var err error
	if p.jamAfter >= 0 {
		if len(p.open)+n > p.jamAfter {
			n = max(0, p.jamAfter-len(p.open))
			p.jammed = true
			p.jamAfter = -1
			err = fmt.Errorf("printertest: %w", usbio.ErrTimeout)
		}
	}
	p.open = append(p.open, b[:n]...)
	if err != nil {
		p.jobs = append(p.jobs, Job{Bytes: p.open})
		p.open = nil
		return n, err
	}
	// A cut ends a job.
	if i := lastCut(p.open); i >= 0 {
		p.jobs = append(p.jobs, Job{Bytes: append([]byte(nil), p.open[:i]...), Complete: true})
		p.open = append([]byte(nil), p.open[i:]...)
	}
	return n, nil
}

// lastCut returns the end of the last GS V command in b, or -1.
func lastCut(b []byte) int {
	end := -1
	off := 0
	for _, c := range escpos.Decode(b) {
		off += len(c.Raw)
		if c.Op == escpos.OpCut {
			end = off
		}
	}
	return end
}

func (p *Printer) replyLocked(n byte) byte {
	st := p.statusLocked()
	switch n {
	case 1:
		return escpos.EncodePrinterStatus(escpos.PrinterStatus{Offline: st.Offline})
	case 2:
		return escpos.EncodeOfflineCause(escpos.OfflineCause{
			CoverOpen: p.coverOpen, PaperEnd: p.paper == escpos.PaperOut, Error: p.jammed,
		})
	case 3:
		return escpos.EncodeErrorCause(escpos.ErrorCause{Cutter: p.jammed})
	}
	return escpos.EncodePaperStatus(p.paper)
}

func (t *transport) Read(ctx context.Context, b []byte) (int, error) {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := t.check(); err != nil {
		return 0, err
	}
	if len(t.replies) == 0 {
		// Nothing to read: a real read would wait for the deadline.
		return 0, fmt.Errorf("printertest: read: %w", usbio.ErrTimeout)
	}
	n := copy(b, t.replies)
	t.replies = t.replies[n:]
	return n, nil
}

// Control answers the USB printer class request GET_PORT_STATUS.
func (t *transport) Control(ctx context.Context, requestType, request uint8, value, index uint16, data []byte) (int, error) {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := t.check(); err != nil {
		return 0, err
	}
	if requestType != 0xA1 || request != 1 || len(data) < 1 {
		return 0, fmt.Errorf("printertest: control %#x/%d: %w", requestType, request, usbio.ErrStall)
	}
	st := p.statusLocked()
	var b byte
	if st.Paper == escpos.PaperOut {
		b |= 0x20
	}
	if !st.Offline {
		b |= 0x10
	}
	if !st.Error {
		b |= 0x08
	}
	data[0] = b
	return 1, nil
}

func (t *transport) Close() error {
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	t.closed = true
	return nil
}
