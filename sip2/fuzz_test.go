package sip2

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// vectorSeeds returns the messages of testdata/sip2_vectors.tsv as seeds.
func vectorSeeds(f *testing.F) [][]byte {
	file, err := os.Open("testdata/sip2_vectors.tsv")
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	var out [][]byte
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if p := strings.SplitN(line, "\t", 5); len(p) == 5 {
			out = append(out, []byte(p[4]))
		}
	}
	return out
}

// FuzzFrameReader: no panic, frames never contain a terminator, never
// exceed the limit, and the reader always makes progress.
func FuzzFrameReader(f *testing.F) {
	f.Add([]byte("941\r98YYY\r\n\n24x"), 16)
	f.Add(bytes.Repeat([]byte("A"), 5000), 64)
	f.Add([]byte("\r\r\r\n\n"), 1)
	for _, v := range vectorSeeds(f) {
		f.Add(append(v, '\r'), 256)
	}
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max <= 0 || max > 1<<16 {
			max = 1 << 16
		}
		fr := NewFrameReader(bytes.NewReader(in), max)
		total := 0
		for i := 0; i <= len(in)+1; i++ {
			fr0, err := fr.ReadFrame()
			if len(fr0) > max {
				t.Fatalf("frame of %d bytes over limit %d", len(fr0), max)
			}
			if bytes.ContainsAny(fr0, "\r\n") {
				t.Fatalf("frame %q contains a terminator", fr0)
			}
			total += len(fr0)
			if err != nil {
				if errors.Is(err, ErrFrameTooLong) {
					continue
				}
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("unexpected error %v", err)
				}
				if total > len(in) {
					t.Fatalf("returned more bytes than read")
				}
				return
			}
		}
		t.Fatalf("reader did not reach the end of %d bytes", len(in))
	})
}

// FuzzDecode: the decoder never panics on any bytes in any charset; what the
// strict decoder accepts re-encodes to the same message; lenient output
// re-encodes (Lax) without panicking.
func FuzzDecode(f *testing.F) {
	for _, v := range vectorSeeds(f) {
		f.Add(v, uint8(0))
	}
	f.Add([]byte(fbs64), uint8(0))
	f.Add([]byte(fbs10), uint8(1))
	f.Add([]byte("94100|"), uint8(2))
	f.Add([]byte("64"+strings.Repeat("|AU1", 3000)), uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, cs uint8) {
		charset := Charset(cs % 3)
		m, err := Decode(in, DecodeOptions{Charset: charset})
		if err == nil {
			if _, err := Encode(m, EncodeOptions{Charset: charset, Lax: true}); err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("lax encode: %v", err)
			}
			_ = m.String()
		}
		_, _ = Decode(in, DecodeOptions{Charset: charset, VerifyChecksum: true})
		_ = MaskFrame(string(in))
		sm, err := Decode(in, DecodeOptions{Charset: charset, Strict: true})
		if err != nil {
			return
		}
		out, err := Encode(sm, EncodeOptions{Charset: charset, ErrorDetection: sm.Checksum != ""})
		if err != nil {
			// Strict input may still hold values we escape (e.g. a
			// decoded "&#124;"); anything else is a bug.
			t.Fatalf("strictly valid %q does not re-encode: %v", in, err)
		}
		back, err := Decode(out, DecodeOptions{Charset: charset, Strict: true})
		if err != nil {
			t.Fatalf("our encoding %q of %q fails strict decode: %v", out, in, err)
		}
		if !sameMessage(sm, back) {
			t.Fatalf("round trip changed %q → %q", in, out)
		}
	})
}

// FuzzEncodeDecode builds a valid message from fuzz input and checks
// decode(encode(m)) == m in every charset.
func FuzzEncodeDecode(f *testing.F) {
	f.Add(uint8(3), "YN", "AOinst\x1fAApatron\x1fABitem\x1fACpw", uint8(5), true)
	f.Add(uint8(10), "0", "AOæøå\x1fAF[CODE]", uint8(0), false)
	f.Fuzz(func(t *testing.T, codeIdx uint8, fixedSeed, fieldSeed string, seq uint8, ed bool) {
		codes := Codes()
		code := codes[int(codeIdx)%len(codes)]
		spec, _ := Spec(code)
		m := NewMessage(code)
		seed := []rune(fixedSeed)
		k := 0
		for _, fx := range spec.Fixed {
			if fx.Date {
				m.SetFixed(fx.Name, "20260102    030405")
				continue
			}
			var b strings.Builder
			for i := 0; i < fx.Width; i++ {
				c := 'N'
				if k < len(seed) {
					r := seed[k]
					if r >= 0x20 && r < 0x7f && r != '|' {
						c = r
					}
					k++
				}
				b.WriteRune(c)
			}
			m.SetFixed(fx.Name, b.String())
		}
		for _, part := range strings.Split(fieldSeed, "\x1f") {
			if len(part) < 2 {
				continue
			}
			id := strings.ToUpper(part[:2])
			val := part[2:]
			if !isFieldID(id) || id == "AY" || id == "AZ" || !utf8.ValidString(val) ||
				strings.ContainsAny(val, "|\r\n\x00\uFFFD") || strings.Contains(val, "&#124;") || utf8.RuneCountInString(val) > 255 {
				continue
			}
			m.Add(id, val)
		}
		for _, fs := range spec.Fields {
			if fs.Required && !m.Has(fs.ID) {
				m.Add(fs.ID, "")
			}
		}
		if code != MsgRequestACSResend && code != MsgRequestSCResend {
			m.HasSeq, m.Seq = true, int(seq%10)
		}
		for _, cs := range []Charset{UTF8, CP850, Latin1} {
			b, err := Encode(m, EncodeOptions{Charset: cs, ErrorDetection: ed})
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			back, err := Decode(b, DecodeOptions{Charset: cs, Strict: true})
			if err != nil {
				t.Fatalf("%v: strict decode of %q: %v", cs, b, err)
			}
			want := m
			if cs != UTF8 {
				// Runes the charset lacks become '?'; compare after the
				// same mapping.
				want = m.Clone()
				for i := range want.Fields {
					want.Fields[i].Value = cs.Decode(cs.Encode(want.Fields[i].Value))
				}
			}
			if !reflect.DeepEqual(back.Fields, want.Fields) || !reflect.DeepEqual(back.Fixed, want.Fixed) || back.Seq != want.Seq || back.HasSeq != want.HasSeq {
				t.Fatalf("%v: round trip of %q differs:\n got %+v\nwant %+v", cs, b, back, want)
			}
		}
	})
}

// FuzzFBSEnvelope: the XML parser never panics, and a marshalled envelope
// always parses back to its message.
func FuzzFBSEnvelope(f *testing.F) {
	f.Add([]byte(`<ns2:sip xmlns:ns2="http://axiell.com/Schema/sip.xsd"><response>941</response></ns2:sip>`), 200)
	f.Add(MarshalFBSRESTError("E", "c", "m"), 500)
	f.Add(MarshalFBSError("x"), 200)
	f.Add([]byte(strings.Repeat("<a>", 100)), 200)
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><sip><response>&#124;&amp;</response></sip>`), 200)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		_, _ = ParseFBSResponse(body, status)
		_, _ = ParseFBSRequest(body)
		if !utf8.Valid(body) || bytes.ContainsAny(body, "\r\n") {
			return
		}
		// A SIP2 message with any valid XML characters round-trips.
		if strings.ContainsFunc(string(body), func(r rune) bool { return r < 0x20 || r == 0xFFFD || r == 0xFFFE || r == 0xFFFF }) {
			return
		}
		env, err := MarshalFBSRequest("u", "p", body)
		if err != nil {
			return
		}
		req, err := ParseFBSRequest(env)
		if err != nil || !bytes.Equal(req.Message, body) {
			t.Fatalf("request %q round trip: %q %v", body, req.Message, err)
		}
		got, err := ParseFBSResponse(MarshalFBSResponse(body), 200)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("response %q round trip: %q %v", body, got, err)
		}
	})
}

func TestThousandsOfRepeatedFields(t *testing.T) {
	var b strings.Builder
	b.WriteString("64              00920170619    125152000000000006000000000000AODK-1|AA1|AEx|")
	for i := 0; i < 5000; i++ {
		b.WriteString("AU5000%20260101%T%A%a%xx%86|")
	}
	m, err := Decode([]byte(b.String()), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.All("AU")) != 5000 {
		t.Errorf("%d AU fields", len(m.All("AU")))
	}
	pi := parsePatronInformation(m, nil)
	if len(pi.Loans) != 5000 {
		t.Errorf("%d loans", len(pi.Loans))
	}
}

func TestDecodeHugeInputs(t *testing.T) {
	// A 1 MiB line given straight to the decoder (transports never pass
	// more than their frame limit, but the decoder must cope anyway).
	huge := append([]byte("64"), bytes.Repeat([]byte("x"), 1<<20)...)
	m, err := Decode(huge, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Fields) > 1 {
		t.Errorf("%d fields from one unterminated run", len(m.Fields))
	}
	if _, err := Decode(huge, DecodeOptions{Strict: true}); err == nil {
		t.Error("strict accepted a 1 MiB field")
	}
	if _, err := ParseFBSResponse(append([]byte("<response>"), huge...), 200); err == nil {
		t.Error("FBS body over the limit accepted")
	}
	// Many empty fields: memory stays proportional to the input.
	many := append([]byte("09"), bytes.Repeat([]byte("|"), 1<<20)...)
	if m, err := Decode(many, DecodeOptions{}); err != nil || len(m.Fields) != 0 {
		t.Errorf("%v %d", err, len(m.Fields))
	}
}
