package sip2

import "fmt"

// Checksum computes the AZ value for b, which must hold every byte of the
// message from the command code up to and including the letters "AZ": the
// unsigned byte sum, low 16 bits, two's complement, as 4 upper-case
// zero-padded hex digits (spec "Checksums and Sequence Numbers").
func Checksum(b []byte) string {
	return fmt.Sprintf("%04X", checksumValue(b))
}

func checksumValue(b []byte) uint16 {
	var sum uint16
	for _, c := range b {
		sum += uint16(c)
	}
	return -sum
}

// VerifyChecksum reports whether frame (without terminator) ends in
// "AZxxxx" and the checksum matches the bytes before it. Lower-case hex is
// accepted because some ACSes send it.
func VerifyChecksum(frame []byte) bool {
	n := len(frame)
	if n < 6 || frame[n-6] != 'A' || frame[n-5] != 'Z' {
		return false
	}
	v, ok := parseHex4(frame[n-4:])
	if !ok {
		return false
	}
	var sum uint16
	for _, c := range frame[:n-4] {
		sum += uint16(c)
	}
	return sum+v == 0
}

func parseHex4(b []byte) (uint16, bool) {
	if len(b) != 4 {
		return 0, false
	}
	var v uint16
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}
