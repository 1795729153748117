package sip2

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Errors of the codec. They are wrapped with detail; test with errors.Is.
var (
	// ErrMalformed: the frame cannot be a SIP2 message (or, in strict mode,
	// it deviates from the spec).
	ErrMalformed = errors.New("sip2: malformed message")
	// ErrChecksum: the AZ checksum does not match the received bytes.
	ErrChecksum = errors.New("sip2: bad checksum")
	// ErrSequence: the AY sequence number is not the one of the request.
	ErrSequence = errors.New("sip2: wrong sequence number")
	// ErrInvalid: Encode refused a message that would not be spec output.
	ErrInvalid = errors.New("sip2: invalid message")
)

// Delimiter is the spec's default field delimiter.
const Delimiter = '|'

// kohaPipe is how Koha escapes a '|' inside a value; the decoder turns it
// back into '|' and the encoder writes it, so values round-trip.
const kohaPipe = "&#124;"

// EncodeOptions control Encode. The zero value gives UTF-8 without error
// detection.
type EncodeOptions struct {
	Charset Charset
	// ErrorDetection appends AY (when the message HasSeq) and AZ with the
	// checksum over the encoded bytes. 96 and 97 get AZ only.
	ErrorDetection bool
	// Lax skips the checks of fixed widths and required fields. Only fault
	// injection and tests of the decoder need it.
	Lax bool
}

// Encode returns the wire form of m without the terminator (a stream
// transport appends CR; FBS sends none). Values are written as given except
// that '|' becomes "&#124;" (as Koha does) and CR, LF and NUL, which the spec
// forbids inside a message, become spaces.
//
// Unless opts.Lax, it fails with ErrInvalid when a fixed field has the
// wrong width or contains a delimiter, when a required field is missing, or
// when a field id is not two characters.
func Encode(m *Message, opts EncodeOptions) ([]byte, error) {
	if len(m.Code) != 2 || !allDigits(string(m.Code)) {
		return nil, fmt.Errorf("%w: code %q", ErrInvalid, m.Code)
	}
	spec, known := specs[m.Code]
	// The frame may carry a patron id and PIN (Field.Secret): it is built
	// in a buffer that is zeroed when it grows and once converted, so no
	// copy of it is left behind.
	b := newWbuf(256)
	defer b.wipe()
	b.writeString(string(m.Code))
	if known {
		for i, f := range spec.Fixed {
			v := ""
			if i < len(m.Fixed) && m.Fixed[i].Name == f.Name {
				v = m.Fixed[i].Value
			} else {
				v = m.FixedValue(f.Name)
			}
			if !opts.Lax {
				if utf8.RuneCountInString(v) != f.Width {
					return nil, fmt.Errorf("%w: %s fixed field %q is %q, want width %d", ErrInvalid, m.Code, f.Name, v, f.Width)
				}
				if strings.ContainsAny(v, "|\r\n\x00") {
					return nil, fmt.Errorf("%w: %s fixed field %q contains a delimiter", ErrInvalid, m.Code, f.Name)
				}
			}
			b.writeString(v)
		}
		if !opts.Lax {
			for _, fs := range spec.Fields {
				if fs.Required && !m.Has(fs.ID) {
					return nil, fmt.Errorf("%w: %s is missing required field %s (%s)", ErrInvalid, m.Code, fs.ID, FieldName(fs.ID))
				}
			}
		}
	} else {
		if !opts.Lax && m.Unparsed == "" && len(m.Fields) == 0 {
			return nil, fmt.Errorf("%w: unknown code %q", ErrInvalid, m.Code)
		}
		b.writeString(m.Unparsed)
	}
	for _, f := range m.Fields {
		if !opts.Lax && (len(f.ID) != 2 || f.ID == FieldSequence || f.ID == FieldChecksum) {
			return nil, fmt.Errorf("%w: field id %q", ErrInvalid, f.ID)
		}
		b.writeString(f.ID)
		if f.Secret != nil {
			writeEscaped(b, f.Secret)
		} else {
			writeEscaped(b, f.Value)
		}
		b.writeByte(Delimiter)
	}
	resend := m.Code == MsgRequestACSResend || m.Code == MsgRequestSCResend
	if m.HasSeq && !resend {
		if m.Seq < 0 || m.Seq > 9 {
			return nil, fmt.Errorf("%w: sequence number %d", ErrInvalid, m.Seq)
		}
		b.writeString("AY")
		b.writeByte(byte('0' + m.Seq))
	}
	// Room for the AZ trailer, so appending it does not reallocate.
	out := opts.Charset.encodeBytes(b.b, 6)
	if opts.ErrorDetection {
		out = append(out, 'A', 'Z')
		out = append(out, Checksum(out)...)
	}
	return out, nil
}

// writeEscaped writes a value as Encode does: '|' becomes "&#124;" (as Koha
// does), and CR, LF and NUL, which the spec forbids inside a message, become
// spaces. It works on the bytes, so a Secret is never made a string.
func writeEscaped[T string | []byte](b *wbuf, v T) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '|':
			b.writeString(kohaPipe)
		case '\r', '\n', 0:
			b.writeByte(' ')
		default:
			b.writeByte(c)
		}
	}
}

// DecodeOptions control Decode. The zero value decodes UTF-8 leniently
// without checking the checksum.
type DecodeOptions struct {
	Charset Charset
	// Strict rejects every deviation from the spec: stray terminators,
	// short or non-conforming fixed fields, a delimiter right after the
	// fixed part, unterminated fields, missing required fields, a bad
	// checksum, unknown message codes. Tests use it to prove our own
	// output conforms.
	Strict bool
	// VerifyChecksum makes a present but wrong AZ an ErrChecksum (the
	// message is still returned for logging). Clients set it when reading
	// responses. A missing AZ is accepted: many ACSes never send one.
	VerifyChecksum bool
	// ErrorDetection says the connection uses AY/AZ. Only then is a
	// trailing AY<digit> without an AZ after it read as a sequence number;
	// otherwise it is the end of the last value (a location "BAY1").
	ErrorDetection bool
	// Delimiter overrides '|' for ACSes configured otherwise.
	Delimiter byte
	// Private is how the client reads responses: the personal fields the
	// kiosk never uses (droppedIDs: address, e-mail, phone, birth date, and
	// the id and name of the patron a returned item is held for) are
	// dropped before they are stored anywhere, and the other secret fields
	// (patron id, name, passwords) are kept only as bytes in Field.Secret,
	// never as a string, so that Message.Wipe can zero them. The decoded
	// text of the frame is zeroed before Decode returns.
	Private bool
}

// droppedIDs are the personal fields a Private decode drops.
var droppedIDs = map[string]bool{"BD": true, "BE": true, "BF": true, "PB": true, "CY": true, "DA": true}

// Decode parses one frame (terminator optional). In lenient mode it only
// fails when the frame does not start with a two-digit code (ErrMalformed)
// or, with VerifyChecksum, when AZ is wrong (ErrChecksum, message returned
// too). Short fixed parts leave the missing fixed values empty, a '|' right
// after the fixed part is skipped, and a last field without delimiter is
// kept. A fixed date may be short or carry a digit zone; its width is the
// one after which the message continues with a field. AY and AZ are taken
// off the end only where a field can start (see splitTrailer).
func Decode(frame []byte, opts DecodeOptions) (*Message, error) {
	delim := opts.Delimiter
	if delim == 0 {
		delim = Delimiter
	}
	raw := frame
	if opts.Strict {
		if i := indexAny(raw, "\r\n\x00"); i >= 0 {
			return nil, fmt.Errorf("%w: control byte 0x%02X at %d", ErrMalformed, raw[i], i)
		}
	} else {
		for len(raw) > 0 && (raw[0] == '\n' || raw[0] == '\r') {
			raw = raw[1:]
		}
		for len(raw) > 0 && (raw[len(raw)-1] == '\n' || raw[len(raw)-1] == '\r') {
			raw = raw[:len(raw)-1]
		}
	}
	if len(raw) < 2 || !isDigit(raw[0]) || !isDigit(raw[1]) {
		return nil, fmt.Errorf("%w: no message code in %d bytes", ErrMalformed, len(raw))
	}
	m := &Message{Code: Code(raw[:2])}
	err := decodeBody(m, raw, delim, opts)
	if m.Checksum != "" && !m.ChecksumOK && (opts.VerifyChecksum || opts.Strict) {
		// The rest is decoded anyway so callers can log the message.
		return m, fmt.Errorf("%w: %s has AZ%s, want %s", ErrChecksum, m.Code, m.Checksum, Checksum(raw[:len(raw)-4]))
	}
	if err != nil {
		return nil, err
	}
	if opts.Strict && m.Checksum != "" && strings.ToUpper(m.Checksum) != m.Checksum {
		return nil, fmt.Errorf("%w: lower-case checksum %q", ErrMalformed, m.Checksum)
	}
	return m, nil
}

// splitTrailer takes the error-detection trailer (AY<digit> and AZ<4 hex>)
// off the end of the variable part rest and records it in m. Both are
// fields, so they count only where a field can start: at the start of rest
// (right after the fixed part) or after a delimiter; otherwise the letters
// belong to the value before them, as in fsip2's "|ANBAY1" (location BAY1).
// An AZ whose checksum verifies is taken wherever it stands, since a
// matching sum over the bytes before it cannot be chance. Without an AZ, a
// trailing AY<digit> is a sequence number only on a connection that uses
// error detection (opts.ErrorDetection; Strict too, which checks our own
// output). raw is the whole frame, for the checksum.
func splitTrailer(m *Message, rest string, raw []byte, delim byte, opts DecodeOptions) string {
	fieldStart := func(i int) bool { return i == 0 || rest[i-1] == delim }
	n := len(rest)
	hasAZ := false
	if n >= 6 && rest[n-6] == 'A' && rest[n-5] == 'Z' {
		if _, ok := parseHex4([]byte(rest[n-4:])); ok {
			ok := VerifyChecksum(raw)
			afterSeq := n >= 9 && rest[n-9] == 'A' && rest[n-8] == 'Y' && isDigit(rest[n-7]) && fieldStart(n-9)
			if ok || fieldStart(n-6) || afterSeq {
				m.Checksum = rest[n-4:]
				m.ChecksumOK = ok
				rest = rest[:n-6]
				hasAZ = true
			}
		}
	}
	n = len(rest)
	if n >= 3 && rest[n-3] == 'A' && rest[n-2] == 'Y' && isDigit(rest[n-1]) && fieldStart(n-3) &&
		(hasAZ || opts.ErrorDetection || opts.Strict) {
		m.Seq = int(rest[n-1] - '0')
		m.HasSeq = true
		rest = rest[:n-3]
	}
	return rest
}

// decodeBody decodes everything after the message code of raw into m,
// including the AY/AZ trailer, which can only be told apart from the last
// value once the end of the fixed part is known.
func decodeBody(m *Message, raw []byte, delim byte, opts DecodeOptions) error {
	// The charsets are ASCII-compatible, so the trailer, which is ASCII,
	// is found in the decoded text just as in the bytes.
	var text string
	if opts.Private {
		// The text is a view of a buffer we own, zeroed when decoding is
		// over; every string kept in m is first copied out of it (detach),
		// and secret values only ever as bytes.
		tb := opts.Charset.decodeBytes(raw[2:])
		defer func() {
			m.detach()
			Zero(tb)
		}()
		text = unsafe.String(unsafe.SliceData(tb), len(tb))
	} else {
		text = opts.Charset.Decode(raw[2:])
	}
	spec, known := specs[m.Code]
	if !known {
		// Without a table row the fixed width is unknown; any position
		// may start a field.
		m.Unparsed = splitTrailer(m, text, raw, delim, opts)
		if opts.Strict {
			return fmt.Errorf("%w: unknown message code %q", ErrMalformed, m.Code)
		}
		return nil
	}
	pos := 0
	if len(spec.Fixed) > 0 {
		m.Fixed = make([]FixedValue, len(spec.Fixed))
	}
	for i, f := range spec.Fixed {
		m.Fixed[i].Name = f.Name
		rest := text[pos:]
		if opts.Strict {
			if len(rest) < f.Width {
				return fmt.Errorf("%w: %s fixed field %q truncated", ErrMalformed, m.Code, f.Name)
			}
			v := rest[:f.Width]
			if strings.IndexByte(v, delim) >= 0 {
				return fmt.Errorf("%w: %s fixed field %q contains the delimiter", ErrMalformed, m.Code, f.Name)
			}
			for k := 0; k < len(v); k++ {
				if v[k] < 0x20 || v[k] > 0x7e {
					return fmt.Errorf("%w: %s fixed field %q holds a non-ASCII byte", ErrMalformed, m.Code, f.Name)
				}
			}
			if f.Date && !strictDate(v) {
				return fmt.Errorf("%w: %s date field %q is %q", ErrMalformed, m.Code, f.Name, v)
			}
			m.Fixed[i].Value = v
			pos += f.Width
			continue
		}
		w := f.Width
		if f.Date {
			w = pickDateWidth(text, pos, spec, i, delim)
		}
		if w > len(rest) {
			w = len(rest)
		}
		if j := strings.IndexByte(rest[:w], delim); j >= 0 {
			w = j
		}
		m.Fixed[i].Value = strings.ToValidUTF8(rest[:w], "\uFFFD")
		pos += w
	}
	rest := splitTrailer(m, text[pos:], raw, delim, opts)
	if len(rest) > 0 && rest[0] == delim {
		if opts.Strict {
			return fmt.Errorf("%w: %s has a delimiter right after the fixed part", ErrMalformed, m.Code)
		}
		rest = rest[1:]
	}
	for len(rest) > 0 {
		j := strings.IndexByte(rest, delim)
		chunk := rest
		if j >= 0 {
			chunk, rest = rest[:j], rest[j+1:]
		} else {
			if opts.Strict {
				return fmt.Errorf("%w: %s field %.2q has no delimiter", ErrMalformed, m.Code, chunk)
			}
			rest = ""
		}
		if len(chunk) < 2 {
			if opts.Strict {
				return fmt.Errorf("%w: %s has an empty or one-character field %q", ErrMalformed, m.Code, chunk)
			}
			if chunk == "" {
				continue
			}
			m.Fields = append(m.Fields, Field{ID: strings.ToValidUTF8(chunk, "\uFFFD")})
			continue
		}
		id := strings.ToValidUTF8(chunk[:2], "\uFFFD")
		val := strings.ToValidUTF8(chunk[2:], "\uFFFD")
		secret := opts.Private && secretIDs[id]
		if !secret && strings.Contains(val, kohaPipe) {
			val = strings.ReplaceAll(val, kohaPipe, "|")
		}
		if opts.Strict {
			if !isFieldID(id) {
				return fmt.Errorf("%w: %s field id %q", ErrMalformed, m.Code, id)
			}
			if id == FieldSequence || id == FieldChecksum {
				return fmt.Errorf("%w: %s has %s before the end", ErrMalformed, m.Code, id)
			}
			if utf8.RuneCountInString(val) > 255 {
				return fmt.Errorf("%w: %s field %s longer than 255 characters", ErrMalformed, m.Code, id)
			}
		}
		switch {
		case opts.Private && droppedIDs[id]:
		case secret:
			m.Fields = append(m.Fields, Field{ID: id, Secret: unescapeSecret(val)})
		default:
			m.Fields = append(m.Fields, Field{ID: id, Value: val})
		}
	}
	if opts.Strict {
		for _, fs := range spec.Fields {
			if fs.Required && !m.Has(fs.ID) {
				return fmt.Errorf("%w: %s is missing required field %s", ErrMalformed, m.Code, fs.ID)
			}
		}
	}
	return nil
}

// unescapeSecret copies a secret value out of the decoded text into a new
// slice, turning Koha's "&#124;" back into '|' as Decode does for other
// values.
func unescapeSecret(v string) []byte {
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '&' && strings.HasPrefix(v[i:], kohaPipe) {
			out = append(out, '|')
			i += len(kohaPipe) - 1
			continue
		}
		out = append(out, v[i])
	}
	return out
}

// detach copies every string of m out of the buffer a Private decode
// parsed, which is zeroed next.
func (m *Message) detach() {
	for i := range m.Fixed {
		m.Fixed[i].Value = strings.Clone(m.Fixed[i].Value)
	}
	for i := range m.Fields {
		m.Fields[i].ID = strings.Clone(m.Fields[i].ID)
		m.Fields[i].Value = strings.Clone(m.Fields[i].Value)
	}
	m.Checksum = strings.Clone(m.Checksum)
	m.Unparsed = strings.Clone(m.Unparsed)
}

// CheckSeq returns ErrSequence when m carries an AY that differs from want.
// A response without AY is accepted, as many ACSes omit it.
func CheckSeq(m *Message, want int) error {
	if m.HasSeq && m.Seq != want {
		return fmt.Errorf("%w: got AY%d, want AY%d", ErrSequence, m.Seq, want)
	}
	return nil
}

// strictDate accepts the spec forms: 8 digits, 4 zone characters (spaces or
// right-aligned letters), 6 digits; or all spaces; or all zeros.
func strictDate(v string) bool {
	if len(v) != 18 {
		return false
	}
	if v == BlankDate || v == ZeroDate {
		return true
	}
	if !allDigits(v[:8]) || !allDigits(v[12:]) {
		return false
	}
	for i := 8; i < 12; i++ {
		c := v[i]
		if c != ' ' && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// lenientDates returns the widths a fixed date at the start of s may
// occupy, the likelier first: 18 for the full form, whose zone may also be
// four digits (Sierra, and Polaris in 36, fill it with "0000"), and the
// width of a short form such as "20080228 145537" or "20080228145537"
// (8 digits, up to 4 non-digits, 6 digits). A digit zone makes the two
// ambiguous: "201610050000114837" is both 2016-10-05 11:48:37 with zone
// 0000 and a 14-digit date followed by "4837"; pickDateWidth settles it by
// what follows.
func lenientDates(s string) []int {
	var out []int
	if len(s) >= 18 && fullDate(s[:18]) {
		out = append(out, 18)
	}
	if len(s) >= 14 && allDigits(s[:8]) {
		j := 8
		for j < 12 && j < len(s) && !isDigit(s[j]) {
			j++
		}
		if j+6 <= len(s) && allDigits(s[j:j+6]) && (len(out) == 0 || j+6 != 18) {
			out = append(out, j+6)
		}
	}
	if len(out) == 0 {
		out = append(out, 18)
	}
	return out
}

// fullDate accepts an 18-character date whose zone is spaces or letters
// (the spec forms) or four digits (seen in production).
func fullDate(v string) bool {
	if strictDate(v) {
		return true
	}
	return len(v) == 18 && allDigits(v)
}

// pickDateWidth chooses among the lenient widths of the date fixed field i
// that starts at text[pos:] the first after which the remaining fixed
// fields end where a field can start: at the end of the frame, at a
// delimiter, or at the id of a field the message carries (or AY/AZ). If
// none does, the likeliest width wins.
func pickDateWidth(text string, pos int, spec MessageSpec, i int, delim byte) int {
	ws := lenientDates(text[pos:])
	if len(ws) == 1 {
		return ws[0]
	}
	after := 0
	for _, f := range spec.Fixed[i+1:] {
		after += f.Width
	}
	for _, w := range ws {
		end := pos + w + after
		if end > len(text) {
			continue
		}
		rest := text[end:]
		if rest == "" || rest[0] == delim {
			return w
		}
		if len(rest) >= 2 {
			id := rest[:2]
			if _, ok := spec.Field(id); ok || id == FieldSequence || id == FieldChecksum {
				return w
			}
		}
	}
	return ws[0]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isFieldID(id string) bool {
	if len(id) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := id[i]
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func indexAny(b []byte, chars string) int {
	for i, c := range b {
		if strings.IndexByte(chars, c) >= 0 {
			return i
		}
	}
	return -1
}
