package escpos

import (
	"errors"
	"fmt"
)

// ErrInvalidStatus means a byte is not a real-time status reply: every DLE
// EOT reply has bits 1 and 4 set and bits 0 and 7 clear.
var ErrInvalidStatus = errors.New("escpos: invalid status reply")

// ValidStatusByte reports whether b has the fixed bits of a DLE EOT reply.
func ValidStatusByte(b byte) bool { return b&0x93 == 0x12 }

// Paper is the state of the paper roll sensor.
type Paper int

// Paper states, from DLE EOT 4.
const (
	PaperOK Paper = iota
	PaperNearEnd
	PaperOut
)

func (p Paper) String() string {
	switch p {
	case PaperOK:
		return "ok"
	case PaperNearEnd:
		return "near-end"
	case PaperOut:
		return "out"
	}
	return fmt.Sprintf("Paper(%d)", int(p))
}

// DecodePaperStatus decodes the reply to DLE EOT 4: bits 2–3 near end,
// bits 5–6 paper end. Paper end wins when both are set (0x7E).
func DecodePaperStatus(b byte) (Paper, error) {
	if !ValidStatusByte(b) {
		return PaperOK, fmt.Errorf("%w: %#02x", ErrInvalidStatus, b)
	}
	switch {
	case b&0x60 != 0:
		return PaperOut, nil
	case b&0x0C != 0:
		return PaperNearEnd, nil
	}
	return PaperOK, nil
}

// PrinterStatus is the reply to DLE EOT 1.
type PrinterStatus struct {
	DrawerHigh     bool // bit 2: drawer kick-out connector pin 3 is high
	Offline        bool // bit 3
	WaitingRecover bool // bit 5: waiting for online recovery
	FeedButton     bool // bit 6: paper feed button pressed
}

// DecodePrinterStatus decodes the reply to DLE EOT 1.
func DecodePrinterStatus(b byte) (PrinterStatus, error) {
	if !ValidStatusByte(b) {
		return PrinterStatus{}, fmt.Errorf("%w: %#02x", ErrInvalidStatus, b)
	}
	return PrinterStatus{
		DrawerHigh:     b&0x04 != 0,
		Offline:        b&0x08 != 0,
		WaitingRecover: b&0x20 != 0,
		FeedButton:     b&0x40 != 0,
	}, nil
}

// OfflineCause is the reply to DLE EOT 2.
type OfflineCause struct {
	CoverOpen  bool // bit 2
	FeedButton bool // bit 3: paper is being fed by the feed button
	PaperEnd   bool // bit 5: printing stopped because the paper ran out
	Error      bool // bit 6: an error occurred
}

// DecodeOfflineCause decodes the reply to DLE EOT 2.
func DecodeOfflineCause(b byte) (OfflineCause, error) {
	if !ValidStatusByte(b) {
		return OfflineCause{}, fmt.Errorf("%w: %#02x", ErrInvalidStatus, b)
	}
	return OfflineCause{
		CoverOpen:  b&0x04 != 0,
		FeedButton: b&0x08 != 0,
		PaperEnd:   b&0x20 != 0,
		Error:      b&0x40 != 0,
	}, nil
}

// ErrorCause is the reply to DLE EOT 3.
type ErrorCause struct {
	Cutter          bool // bit 3: autocutter error (often a jam)
	Unrecoverable   bool // bit 5
	AutoRecoverable bool // bit 6: e.g. head overheated
}

// DecodeErrorCause decodes the reply to DLE EOT 3.
func DecodeErrorCause(b byte) (ErrorCause, error) {
	if !ValidStatusByte(b) {
		return ErrorCause{}, fmt.Errorf("%w: %#02x", ErrInvalidStatus, b)
	}
	return ErrorCause{
		Cutter:          b&0x08 != 0,
		Unrecoverable:   b&0x20 != 0,
		AutoRecoverable: b&0x40 != 0,
	}, nil
}

// EncodePaperStatus returns the DLE EOT 4 reply a printer in state p sends,
// for simulators.
func EncodePaperStatus(p Paper) byte {
	switch p {
	case PaperNearEnd:
		return 0x1E
	case PaperOut:
		return 0x7E
	}
	return 0x12
}

// EncodePrinterStatus returns the DLE EOT 1 reply, for simulators.
func EncodePrinterStatus(s PrinterStatus) byte {
	b := byte(0x12)
	if s.DrawerHigh {
		b |= 0x04
	}
	if s.Offline {
		b |= 0x08
	}
	if s.WaitingRecover {
		b |= 0x20
	}
	if s.FeedButton {
		b |= 0x40
	}
	return b
}

// EncodeOfflineCause returns the DLE EOT 2 reply, for simulators.
func EncodeOfflineCause(c OfflineCause) byte {
	b := byte(0x12)
	if c.CoverOpen {
		b |= 0x04
	}
	if c.FeedButton {
		b |= 0x08
	}
	if c.PaperEnd {
		b |= 0x20
	}
	if c.Error {
		b |= 0x40
	}
	return b
}

// EncodeErrorCause returns the DLE EOT 3 reply, for simulators.
func EncodeErrorCause(c ErrorCause) byte {
	b := byte(0x12)
	if c.Cutter {
		b |= 0x08
	}
	if c.Unrecoverable {
		b |= 0x20
	}
	if c.AutoRecoverable {
		b |= 0x40
	}
	return b
}
