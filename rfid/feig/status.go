package feig

import (
	"errors"
	"fmt"
)

// Status is the STATUS byte of a reader response.
type Status byte

// Status values (FEIG manual H20800-16e-ID-B, Annex C).
const (
	StatusOK             Status = 0x00
	StatusNoTransponder  Status = 0x01
	StatusCRCError       Status = 0x02
	StatusWriteError     Status = 0x03
	StatusAddressError   Status = 0x04
	StatusWrongType      Status = 0x05
	StatusGeneralError   Status = 0x0E
	StatusEEPROMFailure  Status = 0x10
	StatusParameterRange Status = 0x11
	StatusUnknownCommand Status = 0x80
	StatusLengthError    Status = 0x81
	StatusNotAvailable   Status = 0x82
	StatusRFCommError    Status = 0x83
	StatusRFWarning      Status = 0x84
	StatusBufferOverflow Status = 0x93
	StatusMoreData       Status = 0x94
	StatusISOError       Status = 0x95
)

var statusNames = map[Status]string{
	StatusOK:             "ok",
	StatusNoTransponder:  "no transponder",
	StatusCRCError:       "CRC or framing error on the air",
	StatusWriteError:     "write error",
	StatusAddressError:   "address error",
	StatusWrongType:      "wrong transponder type",
	StatusGeneralError:   "general error",
	StatusEEPROMFailure:  "EEPROM failure",
	StatusParameterRange: "parameter out of range",
	StatusUnknownCommand: "unknown command",
	StatusLengthError:    "length error",
	StatusNotAvailable:   "command not available",
	StatusRFCommError:    "RF communication error",
	StatusRFWarning:      "RF warning",
	StatusBufferOverflow: "data buffer overflow",
	StatusMoreData:       "more data",
	StatusISOError:       "ISO 15693 error",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("status %#02x", byte(s))
}

// ISO 15693 error codes that follow status 0x95.
const (
	ISOErrNotSupported    = 0x01
	ISOErrNotRecognized   = 0x02
	ISOErrOptionUnsupp    = 0x03
	ISOErrUnknown         = 0x0F
	ISOErrBlockNotAvail   = 0x10
	ISOErrBlockLocked     = 0x11
	ISOErrBlockLockedPerm = 0x12
	ISOErrProgramFailed   = 0x13
	ISOErrLockFailed      = 0x14
)

// StatusError is a response whose status is not OK. Use errors.Is with the
// Err… values below, which compare by status (and by ISO code when the target
// has one).
type StatusError struct {
	Cmd     byte // the command (for 0xB0 commands, the ISO sub-command)
	Status  Status
	ISOCode byte // set for StatusISOError
}

func (e *StatusError) Error() string {
	if e.Status == StatusISOError {
		return fmt.Sprintf("feig: command %#02x: %v %#02x", e.Cmd, e.Status, e.ISOCode)
	}
	return fmt.Sprintf("feig: command %#02x: %v", e.Cmd, e.Status)
}

// Is matches another *StatusError with the same status and, when the target
// names one, the same ISO code.
func (e *StatusError) Is(target error) bool {
	var t *StatusError
	if !errors.As(target, &t) {
		return false
	}
	return t.Status == e.Status && (t.ISOCode == 0 || t.ISOCode == e.ISOCode)
}

// Sentinels for errors.Is, one per status byte.
var (
	ErrNoTransponder    = &StatusError{Status: StatusNoTransponder}
	ErrAirCRC           = &StatusError{Status: StatusCRCError}
	ErrWrite            = &StatusError{Status: StatusWriteError}
	ErrAddress          = &StatusError{Status: StatusAddressError}
	ErrWrongType        = &StatusError{Status: StatusWrongType}
	ErrGeneral          = &StatusError{Status: StatusGeneralError}
	ErrEEPROM           = &StatusError{Status: StatusEEPROMFailure}
	ErrParameterRange   = &StatusError{Status: StatusParameterRange}
	ErrUnknownCommand   = &StatusError{Status: StatusUnknownCommand}
	ErrLength           = &StatusError{Status: StatusLengthError}
	ErrNotAvailable     = &StatusError{Status: StatusNotAvailable}
	ErrRFComm           = &StatusError{Status: StatusRFCommError}
	ErrRFWarning        = &StatusError{Status: StatusRFWarning}
	ErrBufferOverflow   = &StatusError{Status: StatusBufferOverflow}
	ErrMoreData         = &StatusError{Status: StatusMoreData}
	ErrISO              = &StatusError{Status: StatusISOError}
	ErrISOProgramFail   = &StatusError{Status: StatusISOError, ISOCode: ISOErrProgramFailed}
	ErrISOBlockNotAvail = &StatusError{Status: StatusISOError, ISOCode: ISOErrBlockNotAvail}
)

// statusErr returns nil for OK and a *StatusError otherwise.
func statusErr(cmd byte, f Frame) error {
	if f.Status == StatusOK {
		return nil
	}
	e := &StatusError{Cmd: cmd, Status: f.Status}
	if f.Status == StatusISOError && len(f.Data) > 0 {
		e.ISOCode = f.Data[0]
	}
	return e
}
