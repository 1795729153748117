package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// SyntaxError is a configuration file that is not TOML. Line and Column
// are counted here from the byte offset the TOML parser reports, since its
// own line number is off by one for some errors (a table header without its
// "]", a string broken by a CRLF line end).
type SyntaxError struct {
	File         string
	Line, Column int    // 1-based
	Msg          string // the parser's description
	LastKey      string // the last key read before the error, when known
	Err          error  // the toml.ParseError
}

// Error names file, line and column like a compiler, so editors jump there.
// It never quotes the line itself: it may hold the SIP2 password, and this
// message ends up in the journal.
func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("config: %s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	if e.LastKey != "" {
		s += fmt.Sprintf(" (after key %s)", e.LastKey)
	}
	return s
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// syntaxError turns the TOML parser's error into a *SyntaxError.
func syntaxError(path string, data []byte, err error) error {
	var perr toml.ParseError
	if !errors.As(err, &perr) {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	line, col := perr.Position.Line, perr.Position.Col
	if start := perr.Position.Start; start > 0 || line <= 1 {
		line, col = position(data, start)
	}
	return &SyntaxError{File: path, Line: line, Column: col, Msg: perr.Message, LastKey: perr.LastKey, Err: perr}
}

// position returns the 1-based line and column of the byte at off.
func position(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	before := data[:off]
	return bytes.Count(before, []byte("\n")) + 1, off - bytes.LastIndexByte(before, '\n')
}

var durationType = reflect.TypeFor[Duration]()

// checkKeys checks every key of the file, in file order, against the fields
// of Config: a key that names no field and a value of the wrong type (text
// where a number belongs) each give an error, and are removed from raw so
// that the rest of the file can still be decoded and validated.
func checkKeys(path string, md toml.MetaData, raw map[string]any, demo bool) []error {
	var errs []error
	var unknown []string
	var dropped []toml.Key
	for _, key := range md.Keys() {
		if under(key, dropped) {
			continue
		}
		t, ok := fieldType(reflect.TypeFor[Config](), key)
		if !ok {
			unknown = append(unknown, key.String())
			dropped = append(dropped, key)
			continue
		}
		if err := checkType(key.String(), t, valueAt(raw, key), demo); err != nil {
			errs = append(errs, err)
			dropped = append(dropped, key)
		}
	}
	for _, k := range dropped {
		deleteAt(raw, k)
	}
	if len(unknown) > 0 {
		err := fmt.Errorf("config: %s: unknown key %s (misspelt? see packaging/kiosk.toml)", path, strings.Join(unknown, ", "))
		errs = append([]error{err}, errs...)
	}
	return errs
}

// under reports whether key is one of keys or below one of them.
func under(key toml.Key, keys []toml.Key) bool {
	for _, k := range keys {
		if len(key) >= len(k) && slicesEqual(key[:len(k)], k) {
			return true
		}
	}
	return false
}

func slicesEqual(a, b toml.Key) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// fieldType returns the Go type that key decodes into, matching names as
// the TOML decoder does (the toml tag, then without regard to case).
func fieldType(t reflect.Type, key toml.Key) (reflect.Type, bool) {
	for _, name := range key {
		switch {
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct && t != durationType:
			f, ok := fieldByName(t, name)
			if !ok {
				return nil, false
			}
			t = f.Type
		default:
			return nil, false
		}
	}
	return t, true
}

// fieldByName finds the field of struct type t that the TOML key name
// decodes into.
func fieldByName(t reflect.Type, name string) (reflect.StructField, bool) {
	for _, exact := range []bool{true, false} {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if tag == name || (!exact && strings.EqualFold(tag, name)) {
				return f, true
			}
		}
	}
	return reflect.StructField{}, false
}

// valueAt returns the decoded value of key in raw.
func valueAt(raw map[string]any, key toml.Key) any {
	var v any = raw
	for _, name := range key {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[name]
	}
	return v
}

// deleteAt removes key from raw.
func deleteAt(raw map[string]any, key toml.Key) {
	m := raw
	for _, name := range key[:len(key)-1] {
		next, ok := m[name].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	delete(m, key[len(key)-1])
}

// checkType returns an *Error when v cannot be decoded into t. The elements
// of a table (kiosk, printer.footers, …) are keys of their own and checked
// one by one.
func checkType(key string, t reflect.Type, v any, demo bool) error {
	ok := false
	switch {
	case t == durationType:
		if s, isText := v.(string); isText {
			var d Duration
			ok = d.UnmarshalText([]byte(s)) == nil
		}
	case t == textType:
		// A plain string is the Danish text; a table's texts are keys of
		// their own.
		_, isText := v.(string)
		_, isTable := v.(map[string]any)
		ok = isText || isTable
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Map:
		_, ok = v.(map[string]any)
	case t.Kind() == reflect.String:
		_, ok = v.(string)
	case t.Kind() == reflect.Int:
		_, ok = v.(int64)
	case t.Kind() == reflect.Float64:
		// volume = 1 is a number too.
		_, isFloat := v.(float64)
		_, isInt := v.(int64)
		ok = isFloat || isInt
	case t.Kind() == reflect.Bool:
		_, ok = v.(bool)
	case t.Kind() == reflect.Slice:
		list, isList := v.([]any)
		ok = isList
		for _, e := range list {
			var isElem bool
			switch t.Elem().Kind() {
			case reflect.Int:
				_, isElem = e.(int64)
			case reflect.Float64:
				_, isInt := e.(int64)
				_, isFloat := e.(float64)
				isElem = isInt || isFloat
			default:
				_, isElem = e.(string)
			}
			if !isElem {
				ok = false
			}
		}
	}
	if ok {
		return nil
	}
	a := describe(t)
	if h := hint(key, t, demo); h != "" {
		a += ", " + h
	}
	return &Error{Key: key, Value: asWritten(v), Allowed: a}
}

// describe says in words what TOML value decodes into t.
func describe(t reflect.Type) string {
	switch {
	case t == durationType:
		return `a duration in quotes such as "30s" or "15m"`
	case t == textType:
		return `text in quotes, or texts by language, e.g. { da = "…", en = "…" }`
	case t.Kind() == reflect.Struct:
		return "a table"
	case t.Kind() == reflect.Map:
		return `a table of texts in quotes, e.g. { da = "…", en = "…" }`
	case t.Kind() == reflect.String:
		return "text in quotes"
	case t.Kind() == reflect.Int:
		return "a whole number"
	case t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Int:
		return "a list of whole numbers, e.g. [0, 1001]"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Float64:
		return "a list of numbers, e.g. [0, 1, 0, -1, 0, 1]"
	case t.Kind() == reflect.Slice:
		return `a list of texts in quotes, e.g. ["da", "en"]`
	}
	return t.String()
}

// hint returns what Validate allows for key, so that a value of the wrong
// type is answered with the same range or list as a wrong value of the
// right type ("4 to 8 digits"). It sets the field of a default Config to
// values that no check accepts and takes the Allowed of the error Validate
// gives for key; keys that every such value passes get no hint.
func hint(key string, t reflect.Type, demo bool) string {
	var probes []any
	switch {
	case t == durationType:
		probes = []any{Duration{}, Duration{-time.Hour}}
	case t.Kind() == reflect.String:
		probes = []any{"", "|"}
	case t.Kind() == reflect.Int:
		probes = []any{0, -1 << 40}
	case t.Kind() == reflect.Float64:
		probes = []any{-1e9}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		probes = []any{[]string{"|"}}
	}
	for _, p := range probes {
		c := Default()
		f, ok := fieldValue(reflect.ValueOf(&c).Elem(), strings.Split(key, "."))
		if !ok {
			return ""
		}
		f.Set(reflect.ValueOf(p))
		for _, err := range c.validate(demo) {
			if e, ok := err.(*Error); ok && e.Key == key {
				return e.Allowed
			}
		}
	}
	return ""
}

// fieldValue returns the settable field of the struct v that the dotted key
// names.
func fieldValue(v reflect.Value, key []string) (reflect.Value, bool) {
	for _, name := range key {
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, false
		}
		f, ok := fieldByName(v.Type(), name)
		if !ok {
			return reflect.Value{}, false
		}
		v = v.FieldByIndex(f.Index)
	}
	return v, true
}

// literal is a value shown as written, without the quotes Error puts
// around text.
type literal string

// asWritten returns v for an error message, close to how the file wrote it.
func asWritten(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return literal("{…}")
	case []map[string]any:
		return literal("[[…]]")
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = fmt.Sprint(quote(asWritten(e)))
		}
		return literal("[" + strings.Join(parts, ", ") + "]")
	}
	return v
}

// decodeChecked decodes raw, which checkKeys has rid of unknown keys and
// wrong types, over the defaults in c. It goes through TOML text once more
// because the TOML library decodes into structs only from text.
func decodeChecked(raw map[string]any, c *Config) error {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(raw); err != nil {
		return err
	}
	_, err := toml.Decode(buf.String(), c)
	return err
}
