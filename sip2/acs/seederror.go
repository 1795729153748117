package acs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// SeedError is a seed file the simulator cannot use, said the way a person
// editing the file needs it: where (file, line, JSON path), what was written
// and what is allowed, instead of encoding/json's Go types and byte offsets.
type SeedError struct {
	File string // set by LoadSeedFile
	Line int    // 1-based; 0 when not known (a Seed built in Go)
	Path string // JSON path such as "items[3].media"; empty for the whole file
	// Value is the bad value as written in JSON, Allowed what would be
	// accepted. Both are empty when Problem says what is wrong instead.
	Value, Allowed string
	Problem        string
}

func (e *SeedError) Error() string {
	where := "acs: seed"
	switch {
	case e.File != "" && e.Line > 0:
		where = fmt.Sprintf("acs: %s:%d", e.File, e.Line)
	case e.File != "":
		where = "acs: " + e.File
	case e.Line > 0:
		where = fmt.Sprintf("acs: seed line %d", e.Line)
	}
	path := e.Path
	if path == "" {
		path = "the seed"
	}
	if e.Problem != "" {
		return fmt.Sprintf("%s: %s: %s", where, path, e.Problem)
	}
	return fmt.Sprintf("%s: %s = %s is not valid: %s", where, path, e.Value, e.Allowed)
}

// badValue is a SeedError for one value of the wrong form.
func badValue(path, value, allowed string) *SeedError {
	return &SeedError{Path: path, Value: strconv.Quote(value), Allowed: allowed}
}

// problem is a SeedError that is not about the form of one value, such as
// a hold for a patron the seed does not have. It never repeats the value:
// that may be a patron's CPR number.
func problem(path, format string, args ...any) *SeedError {
	return &SeedError{Path: path, Problem: fmt.Sprintf(format, args...)}
}

// allowedDate is what a date field of a seed accepts.
const allowedDate = `a date YYYY-MM-DD, e.g. "1970-01-01"`

// oneOf lists names sorted, for an Allowed text.
func oneOf[V any](m map[string]V) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return "one of " + strings.Join(names, ", ")
}

// decodeSeed decodes data strictly (unknown fields are errors) and turns
// encoding/json's errors into *SeedError.
func decodeSeed(data []byte) (*Seed, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Seed
	err := dec.Decode(&s)
	if err == nil {
		return &s, nil
	}
	vals, open := jsonValues(data)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return nil, &SeedError{Problem: "the file is empty; a seed is one JSON object (see sip2/acs/README.md)"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, &SeedError{Line: lineAt(data, len(data)), Path: open,
			Problem: "the file ends before this is closed; a } or ] (or a closing quote) is missing"}
	case errors.As(err, &syn):
		return nil, &SeedError{Line: lineAt(data, int(syn.Offset)-1), Path: open, Problem: "JSON syntax: " + syn.Error()}
	case errors.As(err, &typ):
		return nil, typeError(data, vals, typ)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		if e := unknownField(data, vals); e != nil {
			return nil, e
		}
	}
	return nil, fmt.Errorf("acs: seed: %w", err)
}

// typeError says which value has the wrong JSON type and what it should be.
func typeError(data []byte, vals []jsonValue, e *json.UnmarshalTypeError) *SeedError {
	// The error's offset is just after the bad value (after the "{" or "["
	// of an object or array), so the bad value is the last one starting
	// before it.
	off := int(e.Offset)
	v := jsonValue{path: e.Field, start: off}
	for _, c := range vals {
		if c.start < off {
			v = c
		}
	}
	written := strings.TrimSpace(string(data[v.start:off]))
	switch e.Value {
	case "object":
		written = "{…}"
	case "array":
		written = "[…]"
	}
	return &SeedError{Line: lineAt(data, v.start), Path: v.path, Value: written, Allowed: describe(e.Type)}
}

// unknownField finds the first key that names no field of the seed format
// (encoding/json says only its name) and lists the fields allowed there.
func unknownField(data []byte, vals []jsonValue) *SeedError {
	seed := reflect.TypeFor[Seed]()
	for _, v := range vals {
		if _, ok := typeAt(seed, v.path); ok {
			continue
		}
		parent, name := splitLast(v.path)
		pt, ok := typeAt(seed, parent)
		if !ok || pt.Kind() != reflect.Struct {
			return &SeedError{Line: lineAt(data, v.start), Path: v.path, Problem: fmt.Sprintf("%q is not a field here (misspelt?)", name)}
		}
		var fields []string
		for i := range pt.NumField() {
			if n := jsonName(pt.Field(i)); n != "" {
				fields = append(fields, n)
			}
		}
		return &SeedError{Line: lineAt(data, v.start), Path: v.path,
			Problem: fmt.Sprintf("%q is not a field here (misspelt?); the fields are %s", name, strings.Join(fields, ", "))}
	}
	return nil
}

// describe says in words what JSON value decodes into t.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string in quotes"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list [ … ] of " + strings.TrimPrefix(describe(t.Elem()), "a ")
	case reflect.Map:
		return "an object whose values are " + plural(describe(t.Elem()))
	case reflect.Struct:
		var fields []string
		for i := range t.NumField() {
			if n := jsonName(t.Field(i)); n != "" {
				fields = append(fields, `"`+n+`"`)
			}
		}
		return "an object { … } with the fields " + strings.Join(fields, ", ")
	}
	return t.String()
}

func plural(s string) string {
	switch s {
	case "a whole number":
		return "whole numbers"
	case "a number":
		return "numbers"
	case "a string in quotes":
		return "strings in quotes"
	}
	return s
}

// jsonName is the name encoding/json gives field f; empty for none.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

// typeAt returns the Go type the JSON value at path decodes into, matching
// field names as encoding/json does (exactly, then without regard to case).
func typeAt(t reflect.Type, path string) (reflect.Type, bool) {
	for _, seg := range splitPath(path) {
		switch {
		case strings.HasPrefix(seg, "["):
			if t.Kind() != reflect.Slice {
				return nil, false
			}
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := jsonField(t, seg)
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

func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for _, exact := range []bool{true, false} {
		for i := range t.NumField() {
			f := t.Field(i)
			if n := jsonName(f); n == name || (!exact && strings.EqualFold(n, name)) {
				return f, true
			}
		}
	}
	return reflect.StructField{}, false
}

// splitPath splits "items[3].holds[0].patron" into "items", "[3", "holds",
// "[0", "patron".
func splitPath(path string) []string {
	var segs []string
	for _, part := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(part, "[")
		if name != "" {
			segs = append(segs, name)
		}
		for idx != "" {
			var i string
			i, idx, _ = strings.Cut(idx, "[")
			segs = append(segs, "["+strings.TrimSuffix(i, "]"))
		}
	}
	return segs
}

// splitLast splits the last field name or index off path.
func splitLast(path string) (parent, last string) {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i], strings.TrimPrefix(path[i:], ".")
	}
	return "", path
}

// jsonValue is where a value starts in a JSON text.
type jsonValue struct {
	path  string
	start int // byte offset of its first character
}

// jsonFrame is an object or array being read by jsonValues.
type jsonFrame struct {
	path    string
	array   bool
	index   int    // of the next element, in an array
	key     string // of the next value, in an object
	wantKey bool
}

func (f *jsonFrame) child() string {
	switch {
	case f.array:
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	case f.path == "":
		return f.key
	}
	return f.path + "." + f.key
}

func (f *jsonFrame) next() {
	if f.array {
		f.index++
	} else {
		f.wantKey = true
	}
}

// jsonValues lists every value of data in order with its path, as far as
// data is JSON, and returns the path of the innermost object or array still
// open where it stopped (at a syntax error or a truncated end).
func jsonValues(data []byte) (vals []jsonValue, open string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	root := &jsonFrame{}
	stack := []*jsonFrame{root}
	for {
		start := skipSeparators(data, int(dec.InputOffset()))
		tok, err := dec.Token()
		if err != nil {
			break
		}
		top := stack[len(stack)-1]
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			stack[len(stack)-1].next()
			continue
		}
		if !top.array && top.wantKey {
			top.key, top.wantKey = tok.(string), false
			continue
		}
		path := ""
		if top != root {
			path = top.child()
		}
		vals = append(vals, jsonValue{path, start})
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &jsonFrame{path: path, array: d == '[', wantKey: d == '{'})
			continue
		}
		top.next()
	}
	return vals, stack[len(stack)-1].path
}

// skipSeparators returns the offset of the next token at or after off.
func skipSeparators(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n:,", data[off]) >= 0 {
		off++
	}
	return off
}

// lineAt returns the 1-based line of the byte at off.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// lineOf returns the line where the value at path starts, or where its
// closest enclosing value does when the file leaves it out (an item without
// "media"); 0 when not found.
func lineOf(data []byte, path string) int {
	vals, _ := jsonValues(data)
	for {
		for _, v := range vals {
			if v.path == path {
				return lineAt(data, v.start)
			}
		}
		if path == "" {
			return 0
		}
		path, _ = splitLast(path)
	}
}
