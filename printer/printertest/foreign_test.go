package printertest

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/danbib/kiosk/printer/escpos"
)

// Streams of mike42/escpos-php v1.5.1 (test/unit/EscposTest.php, as in
// printer/escpos/testdata/escpos_vectors.tsv): ESC @, a GS ( L store of a
// 1×1 black dot or a 2×2 image with a black top row, and GS ( L print.
const (
	phpGraphicsBlack = "1b401d284c0b0030703001013101000100801d284c02003032"
	phpGraphicsWhite = "1b401d284c0b0030703001013101000100001d284c02003032"
	phpGraphicsBoth  = "1b401d284c0c0030703001013102000200c0001d284c02003032"
	phpPulse         = "1b401b70303c78"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRenderGSParenLGraphics(t *testing.T) {
	for _, c := range []struct {
		name, stream string
		ink          int
	}{
		{"black", phpGraphicsBlack, 1},
		{"white", phpGraphicsWhite, 0},
		{"both", phpGraphicsBoth, 2},
	} {
		p := unhex(t, c.stream)
		img := Render(p, 576)
		if n := countInk(img); n != c.ink {
			t.Errorf("%s: %d black dots, want %d", c.name, n, c.ink)
		}
		if c.ink > 0 && img.GrayAt(0, marginTop).Y != 0 {
			t.Errorf("%s: the top left dot is not black", c.name)
		}
		if got := Text(p); got != map[string]string{"black": "[IMAGE 1x1]\n", "white": "[IMAGE 1x1]\n", "both": "[IMAGE 2x2]\n"}[c.name] {
			t.Errorf("%s: Text = %q", c.name, got)
		}
	}

	// Our own case: a 12×2 image (rows padded to 2 bytes) scaled 2×2,
	// centred, printed once: the print function empties the buffer.
	store := []byte{escpos.GS, '(', 'L', 14, 0, 0x30, 0x70, 0x30, 2, 2, 0x31, 12, 0, 2, 0,
		0xff, 0xf0, // row 0: 12 black dots, then 4 padding bits
		0x80, 0x10} // row 1: the first and the twelfth dot
	print := []byte{escpos.GS, '(', 'L', 2, 0, 0x30, 2}
	p := append(append([]byte{escpos.ESC, 'a', 1}, store...), append(print, print...)...)
	img := Render(p, 576)
	if n := countInk(img); n != (12+2)*4 {
		t.Errorf("%d black dots, want %d", n, (12+2)*4)
	}
	box := inkBox(img, 0, img.Bounds().Dy())
	if box.Dx() != 24 || box.Dy() != 4 || box.Min.X != (576-24)/2 {
		t.Errorf("ink box %v, want 24×4 centred", box)
	}
	if got := Text(p); got != "[IMAGE 12x2]\n" {
		t.Errorf("Text = %q", got)
	}
}

func TestRenderOtherEncodersText(t *testing.T) {
	cases := []struct {
		name   string
		stream []byte
		want   string
	}{
		{"CR LF", []byte("a\r\nb\r\n"), "a\nb\n"},
		{"HT to the next 8th column", []byte("ab\tc\t\td\n"), "ab      c               d\n"},
		{"ESC t 15 is ISO 8859-7", []byte{escpos.ESC, 't', 15, 0xe1, 0xe2, '\n'}, "αβ\n"},
		{"ESC t 3 is PC860", []byte{escpos.ESC, 't', 3, 0x84, '\n'}, "ã\n"},
		{"drawer pulse prints nothing", unhex(t, phpPulse), ""},
	}
	for _, c := range cases {
		if got := Text(c.stream); got != c.want {
			t.Errorf("%s: Text = %q, want %q", c.name, got, c.want)
		}
	}
	// A tab stops at the end of the line (48 cells of font A) instead
	// of wrapping; the next character then wraps.
	long := append(bytes.Repeat([]byte{'x'}, 47), '\t', '\t', 'y', '\n')
	if got := Text(long); got != strings.Repeat("x", 47)+"\ny\n" {
		t.Errorf("tab at the end of a line: %q", got)
	}
}
