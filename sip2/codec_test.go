package sip2

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestChecksumWorkedVectors(t *testing.T) {
	cases := []struct{ prefix, want string }{
		{"941AY3AZ", "FDFA"},
		{"9300CNLoginUserID|COLoginPassword|CPLocationCode|AY5AZ", "EC7B"},
		{"97AZ", "FEF5"},
		{"96AZ", "FEF6"},
		{"990401.00|AY1AZ", "FC59"},
		{"2300119960212    100239AOid_21|AA104000000105|AC|AD|AY2AZ", "F271"},
		{"6300119980723    091905Y         AOInstitutionID|AAPatronID|BP00001|BQ00005|AY1AZ", "EA83"},
		{"11YN19960212    10051419960212    100514AO|AA104000000105|AB000000000005792|AC|AY3AZ", "EDC2"},
		{"3519980723    094014AOCertification Institute ID|AAPatronID|AY3AZ", "EBF2"},
	}
	for _, c := range cases {
		if got := Checksum([]byte(c.prefix)); got != c.want {
			t.Errorf("Checksum(%q) = %s, want %s", c.prefix, got, c.want)
		}
		if !VerifyChecksum([]byte(c.prefix + c.want)) {
			t.Errorf("VerifyChecksum(%q) = false", c.prefix+c.want)
		}
	}
	// Zero padding: find a prefix whose checksum is below 0x1000 and check
	// that it still has 4 digits.
	if got := Checksum([]byte{0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}); len(got) != 4 {
		t.Errorf("checksum %q is not 4 digits", got)
	}
	if got := Checksum(nil); got != "0000" {
		t.Errorf("Checksum(nil) = %q, want 0000", got)
	}
}

func TestChecksumDependsOnCharset(t *testing.T) {
	m := NewMessage(MsgPatronStatusResponse)
	m.SetFixed(FPatronStatus, strings.Repeat(" ", 14)).SetFixed(FLanguage, "009").SetFixed(FTransactionDate, "20170619    125151")
	m.Add("AO", "DK-775100").Add("AA", "LN:3210519784").Add("AE", "Bjørn Ø").Add("BL", "Y").Add("CQ", "Y")
	m.HasSeq, m.Seq = true, 1
	sums := map[string]bool{}
	for _, cs := range []Charset{UTF8, Latin1, CP850} {
		b, err := Encode(m, EncodeOptions{Charset: cs, ErrorDetection: true})
		if err != nil {
			t.Fatal(err)
		}
		sums[string(b[len(b)-4:])] = true
		got, err := Decode(b, DecodeOptions{Charset: cs, Strict: true})
		if err != nil {
			t.Fatalf("%v: %v", cs, err)
		}
		if got.Get("AE") != "Bjørn Ø" {
			t.Errorf("%v: AE = %q", cs, got.Get("AE"))
		}
	}
	if len(sums) != 3 {
		t.Errorf("checksums over three charsets should differ, got %v", sums)
	}
}

type vector struct {
	line      int
	source    string
	dir, code string
	status    string
	msg       string
}

// loadVectors reads the public test-suite vectors and the production
// frames of issue 17, which share their columns.
func loadVectors(t *testing.T) []vector {
	t.Helper()
	out := readVectors(t, "testdata/sip2_vectors.tsv")
	if len(out) < 100 {
		t.Fatalf("only %d vectors", len(out))
	}
	return append(out, readVectors(t, "testdata/sip2_production.tsv")...)
}

func readVectors(t *testing.T, name string) []vector {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.SplitN(line, "\t", 5)
		if len(p) != 5 {
			t.Fatalf("%s line %d: %d columns", name, n, len(p))
		}
		out = append(out, vector{n, p[0], p[1], p[2], p[3], p[4]})
	}
	return out
}

func TestConformanceVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		m, err := Decode([]byte(v.msg), DecodeOptions{})
		if err != nil {
			t.Errorf("line %d: lenient decode: %v", v.line, err)
			continue
		}
		if string(m.Code) != v.code {
			t.Errorf("line %d: code %s, want %s", v.line, m.Code, v.code)
		}
		_, verr := Decode([]byte(v.msg), DecodeOptions{VerifyChecksum: true})
		switch {
		case strings.HasPrefix(v.status, "AZ-BAD"):
			if !errors.Is(verr, ErrChecksum) {
				t.Errorf("line %d: bad checksum accepted as response: %v", v.line, verr)
			}
			want := strings.TrimSuffix(strings.TrimPrefix(v.status, "AZ-BAD(expect "), ")")
			if got := Checksum([]byte(v.msg[:len(v.msg)-4])); got != want {
				t.Errorf("line %d: computed %s, vector says %s", v.line, got, want)
			}
		case v.status == "AZ-ok":
			if verr != nil || !m.ChecksumOK {
				t.Errorf("line %d: verify: %v ok=%v", v.line, verr, m.ChecksumOK)
			}
		case v.status == "no-AZ":
			if m.Checksum != "" {
				t.Errorf("line %d: found a checksum in a no-AZ vector", v.line)
			}
		default:
			t.Errorf("line %d: unknown status %q", v.line, v.status)
		}
	}
}

// TestConformanceReencode checks that every vector whose code the table
// knows re-encodes to the same fields when decoded leniently and that our
// encoding of it passes the strict decoder.
func TestConformanceReencode(t *testing.T) {
	for _, v := range loadVectors(t) {
		m, err := Decode([]byte(v.msg), DecodeOptions{})
		if err != nil || !fixedComplete(m) {
			continue
		}
		b, err := Encode(m, EncodeOptions{ErrorDetection: m.Checksum != "", Lax: true})
		if err != nil {
			t.Errorf("line %d: encode: %v", v.line, err)
			continue
		}
		m2, err := Decode(b, DecodeOptions{})
		if err != nil {
			t.Errorf("line %d: re-decode %q: %v", v.line, b, err)
			continue
		}
		if !reflect.DeepEqual(m.Fields, m2.Fields) || !reflect.DeepEqual(m.Fixed, m2.Fixed) {
			t.Errorf("line %d: re-encode changed the message\n in: %q\nout: %q", v.line, v.msg, b)
		}
	}
}

func TestLenientDeviations(t *testing.T) {
	cases := []struct {
		name  string
		frame string
		check func(t *testing.T, m *Message)
	}{
		{"CRLF", "941\r\n", func(t *testing.T, m *Message) {
			if m.FixedValue(FOK) != "1" {
				t.Errorf("ok = %q", m.FixedValue(FOK))
			}
		}},
		{"94100|", "94100|", func(t *testing.T, m *Message) {
			if m.FixedValue(FOK) != "1" {
				t.Errorf("ok = %q", m.FixedValue(FOK))
			}
		}},
		{"pipe after fixed part", "2300920170619    125151|AODK-775100|AA123|AC|AD1234|", func(t *testing.T, m *Message) {
			if m.Get("AO") != "DK-775100" || m.Get("AD") != "1234" || !m.Has("AC") {
				t.Errorf("fields %+v", m.Fields)
			}
		}},
		{"BibBox 63 with nine Y", "6300920170619    125152YYYYYYYYY|AODK-775100|AA1|AC|AD1234|", func(t *testing.T, m *Message) {
			if m.FixedValue(FSummary) != "YYYYYYYYY" || m.Get("AO") != "DK-775100" {
				t.Errorf("summary %q fields %+v", m.FixedValue(FSummary), m.Fields)
			}
		}},
		{"short date", "36Y20080228 145537AOinst|AApatron|", func(t *testing.T, m *Message) {
			if m.FixedValue(FEndSession) != "Y" || m.Get("AO") != "inst" || m.Get("AA") != "patron" {
				t.Errorf("%+v %+v", m.Fixed, m.Fields)
			}
			d, err := ParseDate(m.FixedValue(FTransactionDate), time.UTC)
			if err != nil || d != time.Date(2008, 2, 28, 14, 55, 37, 0, time.UTC) {
				t.Errorf("date %v %v", d, err)
			}
		}},
		{"no AY/AZ", "101YNN19980821    085721AOx|ABbook|AQshelf|", func(t *testing.T, m *Message) {
			if m.HasSeq || m.Checksum != "" || m.Get("AQ") != "shelf" {
				t.Errorf("%+v", m)
			}
		}},
		{"Koha pipe", "18030001" + "20200101    000000" + "ABx|AJa &#124; b|", func(t *testing.T, m *Message) {
			if m.Get("AJ") != "a | b" {
				t.Errorf("AJ = %q", m.Get("AJ"))
			}
		}},
		{"unknown field kept in order", "36Y20080228    145537AOi|XXfoo|AAp|XXbar|", func(t *testing.T, m *Message) {
			if got := m.All("XX"); !reflect.DeepEqual(got, []string{"foo", "bar"}) || m.Fields[1].ID != "XX" {
				t.Errorf("%+v", m.Fields)
			}
		}},
		{"last field without delimiter", "36Y20080228    145537AOi|AAp", func(t *testing.T, m *Message) {
			if m.Get("AA") != "p" {
				t.Errorf("%+v", m.Fields)
			}
		}},
		{"leading LF", "\n941", func(t *testing.T, m *Message) {
			if m.FixedValue(FOK) != "1" {
				t.Errorf("ok %q", m.FixedValue(FOK))
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode([]byte(c.frame), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, m)
			if _, err := Decode([]byte(c.frame), DecodeOptions{Strict: true}); err == nil && c.name != "no AY/AZ" && c.name != "unknown field kept in order" && c.name != "Koha pipe" {
				t.Errorf("strict decode accepted %q", c.frame)
			}
		})
	}
}

func TestStrictRejectsGarbage(t *testing.T) {
	for _, f := range []string{"", "9", "x1", "64FOOBAR|", "941AY1AZFFFF", "9300CNa|", "1720201012    123755AOi|ABx"} {
		if _, err := Decode([]byte(f), DecodeOptions{Strict: true}); err == nil {
			t.Errorf("strict accepted %q", f)
		}
	}
	if _, err := Decode([]byte("x1"), DecodeOptions{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("lenient accepted a frame without code: %v", err)
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	m := NewMessage(MsgLogin).SetFixed(FUIDAlgorithm, "0").SetFixed(FPWDAlgorithm, "0")
	m.Add("CN", "kiosk")
	if _, err := Encode(m, EncodeOptions{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("missing CO accepted: %v", err)
	}
	m.Add("CO", "kiosk")
	m.SetFixed(FUIDAlgorithm, "00")
	if _, err := Encode(m, EncodeOptions{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("wrong width accepted: %v", err)
	}
}

// golden messages: how our encoder writes each request the client sends.
func goldenMessages() map[string]*Message {
	date := "20260101    120000"
	out := map[string]*Message{}
	m := NewMessage(MsgLogin).SetFixed(FUIDAlgorithm, "0").SetFixed(FPWDAlgorithm, "0")
	m.Add("CN", "LoginUserID").Add("CO", "LoginPassword").Add("CP", "LocationCode")
	m.HasSeq, m.Seq = true, 5
	out["9300CNLoginUserID|COLoginPassword|CPLocationCode|AY5AZEC7B"] = m

	m = NewMessage(MsgSCStatus).SetFixed(FStatusCode, "0").SetFixed(FMaxPrintWidth, "080").SetFixed(FProtocolVersion, "2.00")
	m.HasSeq = true
	out["9900802.00AY0AZ"] = m

	m = NewMessage(MsgCheckout).SetFixed(FSCRenewalPolicy, "N").SetFixed(FNoBlock, "N").
		SetFixed(FTransactionDate, date).SetFixed(FNBDueDate, BlankDate)
	m.Add("AO", "DK-799000").Add("AA", "0101700000").Add("AB", "5000000001").Add("AC", "").Add("AD", "1234")
	m.HasSeq, m.Seq = true, 3
	out["11NN20260101    120000                  AODK-799000|AA0101700000|AB5000000001|AC|AD1234|AY3AZ"] = m

	m = NewMessage(MsgRequestACSResend)
	out["97AZFEF5"] = m
	return out
}

func TestEncodeGolden(t *testing.T) {
	for want, m := range goldenMessages() {
		b, err := Encode(m, EncodeOptions{ErrorDetection: true})
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(want, "AZ") {
			want += Checksum([]byte(want))
		}
		if string(b) != want {
			t.Errorf("Encode = %q, want %q", b, want)
		}
		got, err := Decode(b, DecodeOptions{Strict: true})
		if err != nil {
			t.Fatalf("strict decode of our output %q: %v", b, err)
		}
		if !sameMessage(got, m) {
			t.Errorf("round trip changed %q: %+v vs %+v", b, got, m)
		}
	}
}

// TestEncodeEveryMessage builds a message of every table code with all its
// fields and proves the strict decoder accepts our output.
func TestEncodeEveryMessage(t *testing.T) {
	for _, code := range Codes() {
		s, _ := Spec(code)
		m := NewMessage(code)
		for _, f := range s.Fixed {
			v := strings.Repeat("Y", f.Width)
			if f.Date {
				v = "20260102    030405"
			}
			m.SetFixed(f.Name, v)
		}
		for _, f := range s.Fields {
			m.Add(f.ID, "v-"+f.ID)
			if f.Repeatable {
				m.Add(f.ID, "second "+f.ID)
			}
		}
		m.HasSeq, m.Seq = code != MsgRequestACSResend && code != MsgRequestSCResend, 7
		for _, cs := range []Charset{UTF8, CP850, Latin1} {
			b, err := Encode(m, EncodeOptions{Charset: cs, ErrorDetection: true})
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			if bytes.ContainsAny(b, "\r\n") {
				t.Errorf("%s: terminator inside the frame", code)
			}
			got, err := Decode(b, DecodeOptions{Charset: cs, Strict: true})
			if err != nil {
				t.Fatalf("%s: strict decode of %q: %v", code, b, err)
			}
			if !sameMessage(got, m) {
				t.Errorf("%s: round trip differs", code)
			}
		}
	}
}

func sameMessage(a, b *Message) bool {
	return a.Code == b.Code && reflect.DeepEqual(a.Fixed, b.Fixed) && reflect.DeepEqual(a.Fields, b.Fields) &&
		a.HasSeq == b.HasSeq && (!a.HasSeq || a.Seq == b.Seq) && a.Unparsed == b.Unparsed
}

func TestMask(t *testing.T) {
	m := NewMessage(MsgPatronStatus).SetFixed(FLanguage, "009").SetFixed(FTransactionDate, "20260101    120000")
	// 0101701234: SYNTHETIC test id (01-01-1970, invented sequence), not a real CPR.
	m.Add("AO", "DK-1").Add("AA", "0101701234").Add("AC", "").Add("AD", "1234")
	s := m.String()
	if strings.Contains(s, "0101701234") || strings.Contains(s, "1234|") || !strings.Contains(s, "AA********34|") || !strings.Contains(s, "AD****|") {
		t.Errorf("String() = %q", s)
	}
	b, _ := Encode(m, EncodeOptions{})
	ms := MaskFrame(string(b))
	if strings.Contains(ms, "0101701234") || !strings.Contains(ms, "AD****|") {
		t.Errorf("MaskFrame = %q", ms)
	}
	if got := MaskFrame("9300CNkiosk|COsecret|"); strings.Contains(got, "secret") || strings.Contains(got, "et|") {
		t.Errorf("MaskFrame = %q", got)
	}
	// The checksum of a frame with a PIN is masked too: with the rest of
	// the frame visible it would give the PIN away.
	m.HasSeq = true
	b, _ = Encode(m, EncodeOptions{ErrorDetection: true})
	az := string(b[len(b)-4:])
	if got := MaskFrame(string(b)); strings.HasSuffix(got, az) || !strings.HasSuffix(got, "AZ****") {
		t.Errorf("MaskFrame kept the checksum: %q", got)
	}
	dm, _ := Decode(b, DecodeOptions{})
	if strings.Contains(dm.String(), az) {
		t.Errorf("String kept the checksum: %q", dm.String())
	}
}

func TestDates(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	want := time.Date(2017, 7, 20, 0, 0, 0, 0, loc)
	for _, s := range []string{"20170720    000000", "20170720", "2017-07-20", "20170720 000000", "7/20/2017,00:00"} {
		got, err := ParseDueDate(s, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDueDate(%q) = %v, %v", s, got, err)
		}
	}
	got, err := ParseDueDate("5/23/2008,23:59", loc)
	if err != nil || !got.Equal(time.Date(2008, 5, 23, 23, 59, 0, 0, loc)) {
		t.Errorf("php-sip2 form: %v %v", got, err)
	}
	if _, err := ParseDueDate("tomorrow", loc); err == nil {
		t.Error("nonsense due date accepted")
	}
	got, err = ParseDate("20170720   Z120000", loc)
	if err != nil || !got.Equal(time.Date(2017, 7, 20, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("UTC form: %v %v", got, err)
	}
	if got, err := ParseDate(ZeroDate, loc); err != nil || !got.IsZero() {
		t.Errorf("zero date: %v %v", got, err)
	}
	if s := FormatDate(time.Date(2026, 1, 2, 3, 4, 5, 0, loc)); s != "20260102    030405" {
		t.Errorf("FormatDate = %q", s)
	}
}

func TestCharsetDecodeNeverFails(t *testing.T) {
	bad := []byte{0xff, 0xfe, 'a', 0xc3}
	for _, cs := range []Charset{UTF8, CP850, Latin1} {
		_ = cs.Decode(bad)
		if got := cs.Decode(cs.Encode("æøå ÆØÅ")); got != "æøå ÆØÅ" {
			t.Errorf("%v round trip = %q", cs, got)
		}
	}
	if got := Latin1.Encode("€"); string(got) != "?" {
		t.Errorf("unencodable rune became %q", got)
	}
	for _, n := range []string{"UTF-8", "ibm850", "latin1"} {
		if _, err := ParseCharset(n); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseCharset("ebcdic"); err == nil {
		t.Error("ebcdic accepted")
	}
}

// fixedComplete reports whether every fixed field has its spec width; a
// vector with a truncated fixed part cannot re-encode to the same bytes.
func fixedComplete(m *Message) bool {
	s, ok := Spec(m.Code)
	if !ok {
		return true
	}
	for i, f := range s.Fixed {
		if i >= len(m.Fixed) || len(m.Fixed[i].Value) != f.Width {
			return false
		}
	}
	return true
}
