package printer

import (
	"context"
	"errors"
	"fmt"

	"github.com/danbib/kiosk/printer/escpos"
)

// Printer is a receipt printer as the kiosk core sees it. Print sends one
// complete ESC/POS job; Status asks the printer for its state. Both honour
// ctx. Implementations are safe for concurrent use.
type Printer interface {
	Print(ctx context.Context, job []byte) error
	Status(ctx context.Context) (Status, error)
}

// Errors of printers. Print wraps them, so callers test with errors.Is.
var (
	// ErrNotConnected means no printer could be opened.
	ErrNotConnected = errors.New("printer: not connected")
	// ErrPaperOut means the printer reports no paper.
	ErrPaperOut = errors.New("printer: paper out")
	// ErrCoverOpen means the printer's cover is open.
	ErrCoverOpen = errors.New("printer: cover open")
	// ErrOffline means the printer is offline for another reason.
	ErrOffline = errors.New("printer: offline")
	// ErrIncomplete means a job was cut short (a jam, an unplug): part of
	// the receipt may have printed. Such a job is never retried, so the
	// kiosk shows the receipt on screen instead.
	ErrIncomplete = errors.New("printer: job incomplete")
)

// State is the one word the kiosk shows for a printer.
type State int

// Printer states, from good to bad.
const (
	StateReady State = iota
	StatePaperNearEnd
	StatePaperOut
	StateCoverOpen
	StateOffline
	StateError
	StateDisconnected
)

func (s State) String() string {
	switch s {
	case StateReady:
		return "ready"
	case StatePaperNearEnd:
		return "paper-near-end"
	case StatePaperOut:
		return "paper-out"
	case StateCoverOpen:
		return "cover-open"
	case StateOffline:
		return "offline"
	case StateError:
		return "error"
	case StateDisconnected:
		return "disconnected"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is what a printer reported.
type Status struct {
	Paper     escpos.Paper
	CoverOpen bool
	Offline   bool // the printer is offline (for any reason)
	Error     bool // cutter jam or another error
	// Disconnected means the printer could not be reached at all.
	Disconnected bool
}

// State returns the most important condition of the status.
func (s Status) State() State {
	switch {
	case s.Disconnected:
		return StateDisconnected
	case s.CoverOpen:
		return StateCoverOpen
	case s.Paper == escpos.PaperOut:
		return StatePaperOut
	case s.Error:
		return StateError
	case s.Offline:
		return StateOffline
	case s.Paper == escpos.PaperNearEnd:
		return StatePaperNearEnd
	}
	return StateReady
}

// CanPrint reports whether a receipt can be printed now (near end still
// prints).
func (s Status) CanPrint() bool {
	st := s.State()
	return st == StateReady || st == StatePaperNearEnd
}

// PaperWord returns the paper vocabulary of the kiosk core: "ok",
// "near-end", "out" or "offline".
func (s Status) PaperWord() string {
	switch s.State() {
	case StateReady:
		return "ok"
	case StatePaperNearEnd:
		return "near-end"
	case StatePaperOut:
		return "out"
	}
	return "offline"
}

// Err returns the error that matches a status that cannot print, or nil.
func (s Status) Err() error {
	switch s.State() {
	case StateDisconnected:
		return ErrNotConnected
	case StateCoverOpen:
		return ErrCoverOpen
	case StatePaperOut:
		return ErrPaperOut
	case StateError, StateOffline:
		return ErrOffline
	}
	return nil
}

func (s Status) String() string { return s.State().String() }
