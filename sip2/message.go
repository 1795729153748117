package sip2

import (
	"strings"
	"unicode/utf8"
)

// Field is one variable field: a two-character identifier and its value.
type Field struct {
	ID    string
	Value string
	// Secret holds the value instead of Value for a patron id, PIN or
	// name that must never become a Go string (which cannot be zeroed):
	// fields added with AddSecret, and the secret fields of a message
	// decoded with DecodeOptions.Private. Message.Wipe zeroes it.
	Secret []byte
}

// FixedValue is one fixed-length field of a message, named as in the spec
// table (see the F… constants).
type FixedValue struct {
	Name  string
	Value string
}

// Message is one SIP2 message in either direction.
//
// Fixed holds the fixed fields in spec order. Fields holds the variable
// fields in wire order; repeated ids and ids the spec does not know are kept,
// so a decoded message re-encodes to the same fields. AY and AZ never appear
// in Fields: they live in Seq/HasSeq and Checksum.
type Message struct {
	Code   Code
	Fixed  []FixedValue
	Fields []Field

	// Seq is the AY sequence number (0–9), meaningful only when HasSeq.
	Seq    int
	HasSeq bool

	// Checksum is the AZ value as received (decode only); ChecksumOK tells
	// whether it verified over the received bytes.
	Checksum   string
	ChecksumOK bool

	// Unparsed keeps the body of a message whose code the table does not
	// know, so that it can still be shown and re-encoded.
	Unparsed string
}

// NewMessage returns a message of the given code with every fixed field of
// the spec table present and filled with spaces of the field's width, so
// the caller only sets the fields it means (SetFixed).
func NewMessage(code Code) *Message {
	m := &Message{Code: code}
	if s, ok := specs[code]; ok && len(s.Fixed) > 0 {
		m.Fixed = make([]FixedValue, len(s.Fixed))
		for i, f := range s.Fixed {
			m.Fixed[i] = FixedValue{Name: f.Name, Value: strings.Repeat(" ", f.Width)}
		}
	}
	return m
}

// FixedValue returns the value of the fixed field called name, or "".
func (m *Message) FixedValue(name string) string {
	for _, f := range m.Fixed {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// SetFixed sets the fixed field called name, adding it when the message has
// no such field yet. It returns m so calls can be chained.
func (m *Message) SetFixed(name, value string) *Message {
	for i := range m.Fixed {
		if m.Fixed[i].Name == name {
			m.Fixed[i].Value = value
			return m
		}
	}
	m.Fixed = append(m.Fixed, FixedValue{Name: name, Value: value})
	return m
}

// Get returns the value of the first field with the given id, or "".
func (m *Message) Get(id string) string {
	v, _ := m.Lookup(id)
	return v
}

// Lookup returns the value of the first field with the given id and whether
// it is present at all (an empty `AC|` is present).
func (m *Message) Lookup(id string) (string, bool) {
	for _, f := range m.Fields {
		if f.ID == id {
			return f.Value, true
		}
	}
	return "", false
}

// Has reports whether a field with the given id is present.
func (m *Message) Has(id string) bool {
	_, ok := m.Lookup(id)
	return ok
}

// All returns the values of every field with the given id, in wire order.
func (m *Message) All(id string) []string {
	var out []string
	for _, f := range m.Fields {
		if f.ID == id {
			out = append(out, f.Value)
		}
	}
	return out
}

// Add appends a field (repeats allowed) and returns m.
func (m *Message) Add(id, value string) *Message {
	m.Fields = append(m.Fields, Field{ID: id, Value: value})
	return m
}

// AddSecret appends a field whose value is kept as bytes (Field.Secret): a
// copy of v that the message owns, so the caller can zero its own buffer
// and the message's Wipe zeroes this one. It returns m.
func (m *Message) AddSecret(id string, v []byte) *Message {
	m.Fields = append(m.Fields, Field{ID: id, Secret: append(make([]byte, 0, len(v)), v...)})
	return m
}

// Bytes returns the value of the first field with the given id as bytes: its
// Secret when it has one, otherwise a copy of Value. The caller owns the
// slice and should Zero it when the value is personal.
func (m *Message) Bytes(id string) []byte {
	for _, f := range m.Fields {
		if f.ID == id {
			if f.Secret != nil {
				return append([]byte(nil), f.Secret...)
			}
			return []byte(f.Value)
		}
	}
	return nil
}

// secretOrValue returns the value of the first field with the given id
// without copying a Secret (the result aliases it: never keep it), or
// Value's bytes. ok says whether the field is present.
func (m *Message) secretOrValue(id string) (v []byte, ok bool) {
	for _, f := range m.Fields {
		if f.ID == id {
			if f.Secret != nil {
				return f.Secret, true
			}
			return []byte(f.Value), true
		}
	}
	return nil, false
}

// Wipe zeroes every Secret value of m and drops it; the other fields stay,
// so a wiped response still shows its item and status fields.
func (m *Message) Wipe() {
	if m == nil {
		return
	}
	for i := range m.Fields {
		Zero(m.Fields[i].Secret)
		m.Fields[i].Secret = nil
	}
}

// Set replaces the value of the first field with the given id, or appends
// the field when it is absent, and returns m.
func (m *Message) Set(id, value string) *Message {
	for i := range m.Fields {
		if m.Fields[i].ID == id {
			m.Fields[i].Value = value
			return m
		}
	}
	return m.Add(id, value)
}

// Clone returns a deep copy of m.
func (m *Message) Clone() *Message {
	c := *m
	c.Fixed = append([]FixedValue(nil), m.Fixed...)
	c.Fields = append([]Field(nil), m.Fields...)
	for i := range c.Fields {
		// A secret is copied too, so the clone and the original can each
		// be wiped without the other.
		if c.Fields[i].Secret != nil {
			c.Fields[i].Secret = append(make([]byte, 0, len(c.Fields[i].Secret)), c.Fields[i].Secret...)
		}
	}
	return &c
}

// secretIDs are the fields masked whenever a message is shown: passwords
// and PINs (AC, AD, CO) completely, patron ids and personal data (AA, CY,
// AE, DA, BD, BE, BF, PB) except their last two characters.
var secretIDs = map[string]bool{
	"AD": true, "CO": true, "AC": true,
	"AA": true, "CY": true, "AE": true, "DA": true, "BD": true, "BE": true, "BF": true, "PB": true,
}

var passwordIDs = map[string]bool{"AD": true, "CO": true, "AC": true}

// MaskValue masks a patron id or personal value for display: everything but
// the last two characters becomes '*', and values of up to four characters
// are masked completely, so a 4-digit PIN never shows a digit.
func MaskValue(v string) string {
	r := []rune(v)
	keep := 2
	if len(r) <= 4 {
		keep = 0
	}
	for i := 0; i < len(r)-keep; i++ {
		r[i] = '*'
	}
	return string(r)
}

// maskSecret masks a Secret value as MaskField masks a string, without ever
// turning the whole value into a string: only the characters that stay
// visible (the last two of a long non-password value) are copied.
func maskSecret(id string, v []byte) string {
	n := utf8.RuneCount(v)
	keep := 2
	if n <= 4 || passwordIDs[id] || !secretIDs[id] {
		// A Secret field the table does not call secret is masked
		// completely: whoever made it a Secret meant it.
		keep = 0
	}
	tail := len(v)
	for i := 0; i < keep; i++ {
		_, size := utf8.DecodeLastRune(v[:tail])
		tail -= size
	}
	return strings.Repeat("*", n-keep) + string(v[tail:])
}

// MaskField masks the value of field id as String and MaskFrame do:
// passwords fully, other secret ids with MaskValue, the rest unchanged.
func MaskField(id, v string) string {
	switch {
	case passwordIDs[id]:
		return strings.Repeat("*", len([]rune(v)))
	case secretIDs[id]:
		return MaskValue(v)
	}
	return v
}

// String renders the message for logs and the probe with the secret
// fields masked by MaskField. It is not the wire form: use Encode for that.
func (m *Message) String() string {
	var b strings.Builder
	b.WriteString(string(m.Code))
	for _, f := range m.Fixed {
		b.WriteString(f.Value)
	}
	b.WriteString(m.Unparsed)
	for _, f := range m.Fields {
		b.WriteString(f.ID)
		if f.Secret != nil {
			b.WriteString(maskSecret(f.ID, f.Secret))
		} else {
			b.WriteString(MaskField(f.ID, f.Value))
		}
		b.WriteByte('|')
	}
	if m.HasSeq {
		b.WriteString("AY")
		b.WriteByte(byte('0' + m.Seq%10))
	}
	if m.Checksum != "" {
		b.WriteString("AZ")
		if m.hasSecret() {
			// The checksum of a message with a 4-digit PIN would let a
			// reader of the log recover the PIN by trying all 10 000,
			// and would narrow down a masked CPR number.
			b.WriteString("****")
		} else {
			b.WriteString(m.Checksum)
		}
	}
	return b.String()
}

func (m *Message) hasSecret() bool {
	for _, f := range m.Fields {
		if secretIDs[f.ID] && (f.Value != "" || len(f.Secret) > 0) {
			return true
		}
	}
	return false
}

// MaskFrame masks the secrets in a raw frame for display. It works on text
// that does not decode too, by masking every `|`-delimited chunk whose id
// is secret.
func MaskFrame(frame string) string {
	parts := strings.Split(frame, "|")
	masked := false
	for i, p := range parts {
		if i == 0 {
			// The first chunk holds the code and fixed part and possibly
			// the first variable field; find a secret id at its end only
			// when the message has a known fixed width.
			if len(p) >= 2 {
				if s, ok := specs[Code(p[:2])]; ok {
					w := 2 + s.FixedWidth()
					if len(p) > w+2 && secretIDs[p[w:w+2]] {
						parts[i] = p[:w+2] + MaskField(p[w:w+2], p[w+2:])
						masked = true
					}
				}
			}
			continue
		}
		if len(p) >= 2 && secretIDs[p[:2]] {
			parts[i] = p[:2] + MaskField(p[:2], p[2:])
			masked = masked || len(p) > 2
		}
	}
	out := strings.Join(parts, "|")
	if masked && len(out) >= 6 && out[len(out)-6:len(out)-4] == "AZ" {
		// See Message.String: the checksum would reveal a short PIN
		// and narrow down a masked patron id.
		out = out[:len(out)-4] + "****"
	}
	return out
}
