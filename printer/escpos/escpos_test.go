package escpos

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/golden/name (hex dump, 16 bytes a line).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	var sb strings.Builder
	for i := 0; i < len(got); i += 16 {
		sb.WriteString(hex.EncodeToString(got[i:min(i+16, len(got))]))
		sb.WriteByte('\n')
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create)", err)
	}
	if string(want) != sb.String() {
		t.Errorf("%s differs from golden:\ngot:\n%s\nwant:\n%s", name, sb.String(), want)
	}
}

func TestDanishTextWPC1252(t *testing.T) {
	b := NewBuilder(DefaultOptions())
	b.Initialize().SelectCodePage(WPC1252).Text("æøå ÆØÅ €")
	got, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x1b, 0x40, 0x1b, 0x74, 16, 0xE6, 0xF8, 0xE5, ' ', 0xC6, 0xD8, 0xC5, ' ', 0x80}
	if !bytes.Equal(got, want) {
		t.Errorf("got % x, want % x", got, want)
	}
	if txt := PlainText(got); txt != "æøå ÆØÅ €" {
		t.Errorf("decoded %q", txt)
	}
}

func TestAutomaticCodePageSwitch(t *testing.T) {
	b := NewBuilder(DefaultOptions())
	b.Initialize().SelectCodePage(WPC1252).Text("Lån: Книга ł ş ø")
	got, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if txt := PlainText(got); txt != "Lån: Книга ł ş ø" {
		t.Errorf("round trip gave %q (% x)", txt, got)
	}
	if !bytes.Contains(got, []byte{ESC, 't', WPC1251.N}) {
		t.Errorf("no switch to WPC1251 in % x", got)
	}
}

func TestUnencodable(t *testing.T) {
	only1252 := Options{CodePages: []CodePage{WPC1252}}
	b := NewBuilder(only1252)
	b.SelectCodePage(WPC1252).Text("a→b")
	got, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte{ESC, 't', 16, 'a', '?', 'b'}) {
		t.Errorf("got % x", got)
	}
	only1252.Strict = true
	b = NewBuilder(only1252)
	b.Text("Книга").Text("more")
	if _, err := b.Bytes(); !errors.Is(err, ErrUnencodable) {
		t.Errorf("strict: err = %v, want ErrUnencodable", err)
	}
}

func TestTextDropsControlBytes(t *testing.T) {
	b := NewBuilder(DefaultOptions())
	// A title from the library system that tries to cut the paper and
	// kick the drawer must print as harmless text.
	b.Text("Bog\x1dV\x00\x1bp\x00\x19\x19\tslut\r\n\xff")
	got, _ := b.Bytes()
	for _, c := range got {
		if c < 0x20 && c != LF {
			t.Fatalf("control byte %#x left in % x", c, got)
		}
	}
	if s := PlainText(got); s != "BogVp slut\n?" {
		t.Errorf("got %q", s)
	}
}

func TestBuilderErrorsStick(t *testing.T) {
	cases := map[string]func(b *Builder){
		"size":       func(b *Builder) { b.Size(9, 1) },
		"align":      func(b *Builder) { b.Align(7) },
		"feed":       func(b *Builder) { b.Feed(0) },
		"cut":        func(b *Builder) { b.Cut(3, 1) },
		"code128 B":  func(b *Builder) { b.Code128("bad\x01") },
		"code128 C":  func(b *Builder) { b.Code128Set('C', "123") },
		"code128 0":  func(b *Builder) { b.Code128("") },
		"code128 XL": func(b *Builder) { b.Code128(strings.Repeat("x", 254)) },
		"qr size":    func(b *Builder) { b.QR("x", QROptions{ModuleSize: 17}) },
		"qr long":    func(b *Builder) { b.QR(strings.Repeat("x", 8000), QROptions{}) },
		"raster":     func(b *Builder) { b.RasterBits(0, 2, 2, []byte{1}) },
		"status":     func(b *Builder) { b.StatusRequest(5) },
		"width":      func(b *Builder) { b.Raster(image.NewGray(image.Rect(0, 0, 600, 1)), RasterOptions{MaxWidth: 576}) },
	}
	for name, call := range cases {
		b := NewBuilder(DefaultOptions())
		b.Text("before")
		call(b)
		b.Text("after")
		if _, err := b.Bytes(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRasterDither(t *testing.T) {
	// A 50% grey 8×8 block: thresholding at 128 prints white (grey 128 is
	// not below 128), dithering prints about half the dots.
	m := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range m.Pix {
		m.Pix[i] = 128
	}
	_, _, data, err := RasterData(m, RasterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := ones(data); c != 0 {
		t.Errorf("threshold: %d black dots, want 0", c)
	}
	_, _, data, err = RasterData(m, RasterOptions{Dither: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := ones(data); c < 24 || c > 40 {
		t.Errorf("dither: %d black dots of 64, want about half", c)
	}
	img := RasterImage(1, 8, data)
	if img.Bounds().Dx() != 8 {
		t.Errorf("raster image width %d", img.Bounds().Dx())
	}
}

func ones(p []byte) int {
	n := 0
	for _, b := range p {
		for ; b != 0; b &= b - 1 {
			n++
		}
	}
	return n
}

func TestStatusReplies(t *testing.T) {
	cases := []struct {
		b    byte
		want Paper
		ok   bool
	}{
		{0x12, PaperOK, true},
		{0x1E, PaperNearEnd, true},
		{0x16, PaperNearEnd, true},
		{0x72, PaperOut, true},
		{0x7E, PaperOut, true},
		{0x32, PaperOut, true},
		{0x00, 0, false},
		{0xFF, 0, false},
		{0x13, 0, false},
		{0x92, 0, false},
		{0x10, 0, false},
	}
	for _, c := range cases {
		got, err := DecodePaperStatus(c.b)
		if c.ok != (err == nil) {
			t.Errorf("%#02x: err = %v", c.b, err)
			continue
		}
		if c.ok && got != c.want {
			t.Errorf("%#02x: got %v, want %v", c.b, got, c.want)
		}
		if !c.ok && !errors.Is(err, ErrInvalidStatus) {
			t.Errorf("%#02x: err %v is not ErrInvalidStatus", c.b, err)
		}
	}
	for _, p := range []Paper{PaperOK, PaperNearEnd, PaperOut} {
		if got, err := DecodePaperStatus(EncodePaperStatus(p)); err != nil || got != p {
			t.Errorf("paper %v round trip: %v %v", p, got, err)
		}
	}
	st, err := DecodePrinterStatus(0x1A)
	if err != nil || !st.Offline {
		t.Errorf("DLE EOT 1 0x1A: %+v %v", st, err)
	}
	oc, err := DecodeOfflineCause(0x16)
	if err != nil || !oc.CoverOpen || oc.PaperEnd {
		t.Errorf("DLE EOT 2 0x16: %+v %v", oc, err)
	}
	oc, err = DecodeOfflineCause(EncodeOfflineCause(OfflineCause{PaperEnd: true, Error: true}))
	if err != nil || !oc.PaperEnd || !oc.Error || oc.CoverOpen {
		t.Errorf("DLE EOT 2 round trip: %+v %v", oc, err)
	}
	ec, err := DecodeErrorCause(EncodeErrorCause(ErrorCause{Cutter: true}))
	if err != nil || !ec.Cutter || ec.Unrecoverable {
		t.Errorf("DLE EOT 3 round trip: %+v %v", ec, err)
	}
	b := NewBuilder(DefaultOptions())
	b.StatusRequest(4)
	got, _ := b.Bytes()
	if !bytes.Equal(got, []byte{0x10, 0x04, 0x04}) {
		t.Errorf("DLE EOT 4 = % x", got)
	}
}

// sample builds a stream that uses every command of the package once.
func sample() *Builder {
	logo := image.NewGray(image.Rect(0, 0, 16, 4))
	for i := range logo.Pix {
		logo.Pix[i] = 0xff
	}
	for x := 0; x < 16; x++ {
		logo.SetGray(x, x%4, color.Gray{0})
	}
	b := NewBuilder(DefaultOptions())
	b.Initialize().SelectCodePage(WPC1252).
		Align(AlignCenter).Raster(logo, RasterOptions{}).
		Bold(true).Size(2, 2).Line("Københavns Bibliotek").Size(1, 1).Bold(false).
		Align(AlignLeft).Line("Gebyr: 25,00 kr. (€3,35)").
		Underline(1).Line("Åbningstider").Underline(0).
		FeedDots(12).Feed(2).
		Align(AlignCenter).BarcodeHeight(60).BarcodeWidth(2).BarcodeHRI(HRIBelow).
		Code128("TX-000123").
		QR("https://bib.example/k/TX-000123", QROptions{ModuleSize: 4, Level: QRLevelM}).
		LineSpacing(30).DefaultLineSpacing().
		Cut(CutPartial, 3).StatusRequest(4)
	return b
}

func TestGoldenSample(t *testing.T) {
	got, err := sample().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sample.hex", got)
	// The decoder reads the sample back into the same commands.
	var ops []string
	for _, c := range Decode(got) {
		if c.Op == OpUnknown {
			t.Errorf("unknown command % x", c.Raw)
		}
		ops = append(ops, c.Op.String())
	}
	want := "init codepage align raster bold size text lf size bold align text lf underline text lf underline " +
		"feeddots feedlines align barcodeheight barcodewidth barcodehri barcode qrmodel qrsize qrlevel qrstore qrprint " +
		"linespacing defaultlinespacing cut status"
	if strings.Join(ops, " ") != want {
		t.Errorf("ops:\n%s\nwant:\n%s", strings.Join(ops, " "), want)
	}
	if !strings.Contains(PlainText(got), "Københavns Bibliotek\nGebyr: 25,00 kr. (€3,35)\nÅbningstider") {
		t.Errorf("text: %q", PlainText(got))
	}
}

func TestDecodeFields(t *testing.T) {
	b := NewBuilder(DefaultOptions())
	b.Code128Set('C', "0123").QR("hej", QROptions{}).RasterBits(0, 1, 2, []byte{0x80, 0x01}).Cut(CutFull, 5).Size(2, 3)
	p, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	cmds := Decode(p)
	var got []string
	for _, c := range cmds {
		got = append(got, c.String())
	}
	want := []string{
		`barcode 73 "{C\x01\x17"`, "qrmodel 50", "qrsize 3", "qrlevel 48", `qrstore 48 "hej"`, "qrprint",
		"raster m=0 8x2", "cut 65 5", "size 18",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestDecodeSkipsUnknownSafely(t *testing.T) {
	stream := []byte("A")
	stream = append(stream, ESC, 'p', 0, 25, 250)           // drawer kick: 3 params
	stream = append(stream, GS, '(', 'L', 2, 0, 0x30, 0x32) // graphics print, length-prefixed
	stream = append(stream, ESC, '*', 0, 2, 0, 0xAA, 0x55)  // column bit image
	stream = append(stream, ESC, 'D', 8, 16, 0)             // tab stops
	stream = append(stream, GS, 'k', 4, '1', '2', 0)        // CODE39 function A
	stream = append(stream, ESC, 0xF0, 'B')                 // unknown ESC: skip 2
	stream = append(stream, GS, '(', 'k', 0xFF, 0xFF, 1)    // truncated: swallow rest
	var text string
	var total int
	for _, c := range Decode(stream) {
		total += len(c.Raw)
		if c.Op == OpText {
			text += c.Text
		}
	}
	if text != "AB" {
		t.Errorf("text %q, want AB (parameters leaked as text)", text)
	}
	if total != len(stream) {
		t.Errorf("commands cover %d of %d bytes", total, len(stream))
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := sample().Bytes()
	f.Add(s)
	f.Add([]byte{ESC})
	f.Add([]byte{GS, 'v', '0', 0, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{GS, '8', 'L', 0xFF, 0xFF, 0xFF, 0x7F})
	f.Add([]byte{GS, 'k', 73, 200, '{', 'B'})
	f.Add([]byte{DLE, EOT, 4, ESC, 't', 46, 0xC0, 0xC1})
	f.Fuzz(func(t *testing.T, p []byte) {
		cmds := Decode(p)
		var joined []byte
		for _, c := range cmds {
			if len(c.Raw) == 0 {
				t.Fatalf("command %v consumed no bytes", c)
			}
			joined = append(joined, c.Raw...)
			if c.Op == OpRaster && len(c.Data) != c.Width*c.Height {
				t.Fatalf("raster data %d for %dx%d", len(c.Data), c.Width, c.Height)
			}
		}
		if !bytes.Equal(joined, p) {
			t.Fatalf("commands do not cover the input")
		}
	})
}

func FuzzTextRoundTrip(f *testing.F) {
	f.Add("Københavns Hovedbibliotek €")
	f.Add("Книга ł ş")
	f.Add("\x1b@\x00")
	f.Fuzz(func(t *testing.T, s string) {
		b := NewBuilder(DefaultOptions())
		b.Initialize().SelectCodePage(WPC1252).Text(s)
		p, err := b.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range Decode(p) {
			if c.Op != OpText && c.Op != OpLF && c.Op != OpInit && c.Op != OpCodePage {
				t.Fatalf("text produced command %v from %q", c, s)
			}
		}
	})
}
