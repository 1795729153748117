package sip2

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Charset is the character set of one connection. The AZ checksum is
// computed over the bytes in this charset, so both ends must agree.
type Charset int

// The supported character sets. UTF8 is the zero value because FBS and most
// modern ACSes use it; the spec's own default is CP850.
const (
	UTF8 Charset = iota
	CP850
	Latin1
)

// String returns the canonical name used in configuration.
func (c Charset) String() string {
	switch c {
	case UTF8:
		return "utf-8"
	case CP850:
		return "cp850"
	case Latin1:
		return "iso-8859-1"
	}
	return fmt.Sprintf("charset(%d)", int(c))
}

// ParseCharset accepts the usual spellings: utf-8/utf8, cp850/ibm850/850,
// iso-8859-1/latin1.
func ParseCharset(s string) (Charset, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "utf-8", "utf8":
		return UTF8, nil
	case "cp850", "ibm850", "850", "ibm-850", "cp-850":
		return CP850, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "iso_8859-1":
		return Latin1, nil
	}
	return UTF8, fmt.Errorf("sip2: unknown charset %q (allowed: utf-8, cp850, iso-8859-1)", s)
}

func (c Charset) charmap() *charmap.Charmap {
	switch c {
	case CP850:
		return charmap.CodePage850
	case Latin1:
		return charmap.ISO8859_1
	}
	return nil
}

// Encode converts s to bytes in c. Characters c cannot represent become
// '?' rather than failing, because a title with an unusual letter must not
// stop a checkout.
func (c Charset) Encode(s string) []byte { return c.encodeBytes([]byte(s), 0) }

// Decode converts bytes in c to a string; invalid sequences become U+FFFD
// and never cause an error.
func (c Charset) Decode(b []byte) string {
	cm := c.charmap()
	if cm == nil {
		if utf8.Valid(b) {
			return string(b)
		}
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for _, x := range b {
		sb.WriteRune(cm.DecodeByte(x))
	}
	return sb.String()
}

// encodeBytes converts UTF-8 text to bytes in c like Encode, into a new
// slice sized up front (with extra bytes of spare capacity) so that no
// partial copy is left behind by growing. src may hold a PIN; the caller
// zeroes it.
func (c Charset) encodeBytes(src []byte, extra int) []byte {
	cm := c.charmap()
	if cm == nil {
		if utf8.Valid(src) {
			return append(make([]byte, 0, len(src)+extra), src...)
		}
		// Each invalid run becomes one U+FFFD, as strings.ToValidUTF8.
		out := make([]byte, 0, 3*len(src)+extra)
		invalid := false
		for i := 0; i < len(src); {
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size == 1 {
				if !invalid {
					out = utf8.AppendRune(out, utf8.RuneError)
				}
				invalid = true
				i++
				continue
			}
			invalid = false
			out = append(out, src[i:i+size]...)
			i += size
		}
		return out
	}
	out := make([]byte, 0, len(src)+extra)
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		i += size
		if r < 0x80 {
			out = append(out, byte(r))
			continue
		}
		b, ok := cm.EncodeRune(r)
		if !ok {
			b = '?'
		}
		out = append(out, b)
	}
	return out
}

// decodeBytes converts bytes in c to valid UTF-8 like Decode, but into a
// slice the caller owns and can zero: a response frame holds the patron's
// id and name.
func (c Charset) decodeBytes(b []byte) []byte {
	cm := c.charmap()
	if cm == nil {
		if utf8.Valid(b) {
			return append(make([]byte, 0, len(b)), b...)
		}
		return UTF8.encodeBytes(b, 0)
	}
	out := make([]byte, 0, 3*len(b))
	for _, x := range b {
		out = utf8.AppendRune(out, cm.DecodeByte(x))
	}
	return out
}
