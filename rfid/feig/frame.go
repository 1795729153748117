// Package feig speaks FEIG's "ISO Host" protocol, the host protocol of the
// OBID desktop readers used in Scandinavian libraries (ID ISC.MR101/MR102,
// ID CPR.M02, ID ISC.PRH…). Source: FEIG manual H20800-16e-ID-B §3, §7 and
// Annex C; see docs/protocols.md §3.1 for the verified frames.
//
// A standard frame is LEN COM-ADR CMD [DATA…] CRC_lo CRC_hi, where LEN counts
// the whole frame; an advanced frame is 0x02 LEN_hi LEN_lo COM-ADR CMD [DATA…]
// CRC_lo CRC_hi. Responses carry a STATUS byte after CMD. The CRC is
// CRC-16/MCRF4XX over every byte before it, sent low byte first.
package feig

import (
	"errors"
	"fmt"
)

// BroadcastAddr is the bus address every reader answers to.
const BroadcastAddr = 0xFF

// Limits of the two frame formats.
const (
	maxStandardLen = 255
	maxAdvancedLen = 65535
	minStandardLen = 5 // LEN ADR CMD CRC CRC, a request without data
)

// CRC computes CRC-16/MCRF4XX: the polynomial x¹⁶+x¹²+x⁵+1 in reflected form
// 0x8408, preset 0xFFFF, LSB first, no final XOR. "123456789" → 0x6F91.
func CRC(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// Frame is one protocol frame without its length and CRC.
type Frame struct {
	Advanced bool
	Addr     byte
	Cmd      byte
	// Status is present in responses only (HasStatus).
	Status    Status
	HasStatus bool
	Data      []byte
}

// Errors about frames. Callers test them with errors.Is.
var (
	ErrFrameCRC    = errors.New("feig: frame CRC mismatch")
	ErrFrameLength = errors.New("feig: bad frame length")
	ErrFrameShort  = errors.New("feig: frame incomplete")
)

// Encode returns the frame's bytes (a request unless HasStatus is set).
func (f Frame) Encode() ([]byte, error) {
	body := []byte{f.Addr, f.Cmd}
	if f.HasStatus {
		body = append(body, byte(f.Status))
	}
	body = append(body, f.Data...)
	var out []byte
	if f.Advanced {
		n := 3 + len(body) + 2
		if n > maxAdvancedLen {
			return nil, fmt.Errorf("%w: %d bytes", ErrFrameLength, n)
		}
		out = append([]byte{0x02, byte(n >> 8), byte(n)}, body...)
	} else {
		n := 1 + len(body) + 2
		if n > maxStandardLen {
			return nil, fmt.Errorf("%w: %d bytes in a standard frame", ErrFrameLength, n)
		}
		out = append([]byte{byte(n)}, body...)
	}
	crc := CRC(out)
	return append(out, byte(crc), byte(crc>>8)), nil
}

// EncodeRequest builds a request frame for addr.
func EncodeRequest(advanced bool, addr, cmd byte, data []byte) ([]byte, error) {
	return Frame{Advanced: advanced, Addr: addr, Cmd: cmd, Data: data}.Encode()
}

// FrameLen tells how long the frame starting in b is. It returns 0 while b is
// too short to know, and an error when the length field is impossible.
func FrameLen(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if b[0] == 0x02 {
		if len(b) < 3 {
			return 0, nil
		}
		n := int(b[1])<<8 | int(b[2])
		if n < 7 {
			return 0, fmt.Errorf("%w: advanced length %d", ErrFrameLength, n)
		}
		return n, nil
	}
	if int(b[0]) < minStandardLen {
		return 0, fmt.Errorf("%w: standard length %d", ErrFrameLength, b[0])
	}
	return int(b[0]), nil
}

// Decode parses one whole frame. withStatus tells whether the frame is a
// response (which carries a STATUS byte) or a request.
func Decode(b []byte, withStatus bool) (Frame, error) {
	n, err := FrameLen(b)
	if err != nil {
		return Frame{}, err
	}
	if n == 0 || len(b) < n {
		return Frame{}, fmt.Errorf("%w: have %d bytes", ErrFrameShort, len(b))
	}
	if len(b) != n {
		return Frame{}, fmt.Errorf("%w: length field %d, got %d bytes", ErrFrameLength, n, len(b))
	}
	if got, want := uint16(b[n-2])|uint16(b[n-1])<<8, CRC(b[:n-2]); got != want {
		return Frame{}, fmt.Errorf("%w: got %#04x, computed %#04x", ErrFrameCRC, got, want)
	}
	f := Frame{Advanced: b[0] == 0x02, HasStatus: withStatus}
	body := b[1 : n-2]
	if f.Advanced {
		body = b[3 : n-2]
	}
	need := 2
	if withStatus {
		need = 3
	}
	if len(body) < need {
		return Frame{}, fmt.Errorf("%w: %d body bytes", ErrFrameLength, len(body))
	}
	f.Addr, f.Cmd = body[0], body[1]
	rest := body[2:]
	if withStatus {
		f.Status = Status(body[2])
		rest = body[3:]
	}
	f.Data = append([]byte(nil), rest...)
	return f, nil
}
