// Package escpos encodes and decodes the subset of Epson ESC/POS that a
// library receipt needs: initialisation, code pages, text styles, alignment,
// feeds, cuts, CODE128 and QR codes, raster images and the real-time status
// requests (DLE EOT).
//
// The Builder is pure: it only accumulates bytes, and it remembers the first
// error so that a caller can chain many calls and check once at the end.
package escpos

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Control bytes used by ESC/POS.
const (
	NUL = 0x00
	HT  = 0x09
	LF  = 0x0A
	FF  = 0x0C
	CR  = 0x0D
	DLE = 0x10
	EOT = 0x04
	ESC = 0x1B
	GS  = 0x1D
	FS  = 0x1C
)

// Align is a justification for ESC a.
type Align byte

// Justifications.
const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

// CutMode selects GS V function B: feed to the cutting position plus n dots
// (or lines, depending on the model) and then cut.
type CutMode byte

// Cut modes of GS V 65/66 n.
const (
	CutFull    CutMode = 65
	CutPartial CutMode = 66
)

// HRI is the position of the human-readable text of a barcode (GS H).
type HRI byte

// HRI positions.
const (
	HRINone  HRI = 0
	HRIAbove HRI = 1
	HRIBelow HRI = 2
	HRIBoth  HRI = 3
)

// QRLevel is the error correction level of a QR code (GS ( k fn 69).
type QRLevel byte

// QR error correction levels.
const (
	QRLevelL QRLevel = 0x30
	QRLevelM QRLevel = 0x31
	QRLevelQ QRLevel = 0x32
	QRLevelH QRLevel = 0x33
)

// Errors returned by the Builder (wrapped with details).
var (
	ErrUnencodable = errors.New("escpos: character not printable in any enabled code page")
	ErrRange       = errors.New("escpos: parameter out of range")
	ErrBarcodeData = errors.New("escpos: invalid barcode data")
)

// Options are the encoder's knobs.
type Options struct {
	// CodePages are the code pages the printer supports, in order of
	// preference. Text switches to the first page that can print a character
	// the current page cannot. Default: WPC1252, WPC1250, WPC1251, WPC1254,
	// which Epson TM-T20/TM-T88 class printers all have, so Danish, Polish,
	// Ukrainian and Turkish labels print. A printer that only knows WPC1252
	// gets just that page.
	CodePages []CodePage
	// Strict makes an unprintable character an error instead of '?'.
	// Default false: a receipt with one odd character in a title still prints.
	Strict bool
}

// DefaultOptions returns the default encoder options.
func DefaultOptions() Options {
	return Options{CodePages: []CodePage{WPC1252, WPC1250, WPC1251, WPC1254}}
}

// Builder accumulates an ESC/POS byte stream. The zero value is not usable;
// use NewBuilder.
type Builder struct {
	buf  []byte
	err  error
	opts Options
	// page is the code page the printer is in now; after ESC @ that is PC437.
	page CodePage
}

// NewBuilder returns an empty builder.
func NewBuilder(opts Options) *Builder {
	if len(opts.CodePages) == 0 {
		opts.CodePages = []CodePage{WPC1252}
	}
	return &Builder{opts: opts, page: PC437}
}

// Bytes returns the stream built so far and the first error, if any.
func (b *Builder) Bytes() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	return append([]byte(nil), b.buf...), nil
}

// Err returns the first error recorded.
func (b *Builder) Err() error { return b.err }

// Len returns the number of bytes built so far.
func (b *Builder) Len() int { return len(b.buf) }

func (b *Builder) fail(err error) *Builder {
	if b.err == nil {
		b.err = err
	}
	return b
}

func (b *Builder) put(p ...byte) *Builder {
	if b.err == nil {
		b.buf = append(b.buf, p...)
	}
	return b
}

// Raw appends bytes unchanged. Use it only for commands the builder does not
// know; text must go through Text so that control bytes cannot slip in.
func (b *Builder) Raw(p []byte) *Builder { return b.put(p...) }

// Initialize sends ESC @, which clears the print modes and returns the
// printer to its power-up code page (PC437).
func (b *Builder) Initialize() *Builder {
	b.page = PC437
	return b.put(ESC, '@')
}

// SelectCodePage sends ESC t n.
func (b *Builder) SelectCodePage(cp CodePage) *Builder {
	b.page = cp
	return b.put(ESC, 't', cp.N)
}

// Text appends s encoded in the printer's code page. A newline becomes LF, a
// tab becomes a space and every other control character is dropped, so text
// from the library system can never smuggle in a printer command.
func (b *Builder) Text(s string) *Builder {
	if b.err != nil {
		return b
	}
	if !utf8.ValidString(s) {
		s = toValidUTF8(s)
	}
	for _, r := range s {
		switch {
		case r == '\n':
			b.buf = append(b.buf, LF)
			continue
		case r == '\t':
			r = ' '
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		}
		if r < 0x80 {
			b.buf = append(b.buf, byte(r))
			continue
		}
		if b.page.cm != nil {
			if c, ok := b.page.cm.EncodeRune(r); ok {
				b.buf = append(b.buf, c)
				continue
			}
		}
		if cp, c, ok := b.findPage(r); ok {
			b.page = cp
			b.buf = append(b.buf, ESC, 't', cp.N, c)
			continue
		}
		if b.opts.Strict {
			return b.fail(fmt.Errorf("%w: %q", ErrUnencodable, r))
		}
		b.buf = append(b.buf, '?')
	}
	return b
}

func toValidUTF8(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r != utf8.RuneError {
			out = append(out, r)
		} else {
			out = append(out, '?')
		}
	}
	return string(out)
}

func (b *Builder) findPage(r rune) (CodePage, byte, bool) {
	for _, cp := range b.opts.CodePages {
		if cp.cm == nil {
			continue
		}
		if c, ok := cp.cm.EncodeRune(r); ok {
			return cp, c, true
		}
	}
	return CodePage{}, 0, false
}

// Line appends s followed by LF.
func (b *Builder) Line(s string) *Builder { return b.Text(s).LF() }

// LF appends a line feed, which prints the line buffer.
func (b *Builder) LF() *Builder { return b.put(LF) }

// Feed prints the buffer and feeds n lines (ESC d n). Feed(1) matches the
// single LF that other libraries send.
func (b *Builder) Feed(n int) *Builder {
	if n < 1 || n > 255 {
		return b.fail(fmt.Errorf("%w: feed %d lines", ErrRange, n))
	}
	if n == 1 {
		return b.LF()
	}
	return b.put(ESC, 'd', byte(n))
}

// FeedDots prints the buffer and feeds n dots (ESC J n).
func (b *Builder) FeedDots(n int) *Builder {
	if n < 0 || n > 255 {
		return b.fail(fmt.Errorf("%w: feed %d dots", ErrRange, n))
	}
	return b.put(ESC, 'J', byte(n))
}

// Bold turns emphasis on or off (ESC E n).
func (b *Builder) Bold(on bool) *Builder { return b.put(ESC, 'E', boolByte(on)) }

// Underline sets the underline mode (ESC - n): 0 off, 1 thin, 2 thick.
func (b *Builder) Underline(n int) *Builder {
	if n < 0 || n > 2 {
		return b.fail(fmt.Errorf("%w: underline %d", ErrRange, n))
	}
	return b.put(ESC, '-', byte(n))
}

// DoubleStrike turns double-strike on or off (ESC G n).
func (b *Builder) DoubleStrike(on bool) *Builder { return b.put(ESC, 'G', boolByte(on)) }

// Font selects font A (0), B (1) or C (2) with ESC M n.
func (b *Builder) Font(n int) *Builder {
	if n < 0 || n > 2 {
		return b.fail(fmt.Errorf("%w: font %d", ErrRange, n))
	}
	return b.put(ESC, 'M', byte(n))
}

// PrintMode sends ESC ! n (bit0 font B, bit3 emphasised, bit4 double
// height, bit5 double width, bit7 underline).
func (b *Builder) PrintMode(n byte) *Builder { return b.put(ESC, '!', n) }

// Size sets the character magnification with GS ! (1..8 each way).
func (b *Builder) Size(width, height int) *Builder {
	if width < 1 || width > 8 || height < 1 || height > 8 {
		return b.fail(fmt.Errorf("%w: size %dx%d", ErrRange, width, height))
	}
	return b.put(GS, '!', byte((width-1)<<4|(height-1)))
}

// Align sets the justification (ESC a n). It takes effect only at the start
// of a line.
func (b *Builder) Align(a Align) *Builder {
	if a > AlignRight {
		return b.fail(fmt.Errorf("%w: align %d", ErrRange, a))
	}
	return b.put(ESC, 'a', byte(a))
}

// LineSpacing sets the line spacing to n dots (ESC 3 n).
func (b *Builder) LineSpacing(n int) *Builder {
	if n < 0 || n > 255 {
		return b.fail(fmt.Errorf("%w: line spacing %d", ErrRange, n))
	}
	return b.put(ESC, '3', byte(n))
}

// DefaultLineSpacing restores the default line spacing (ESC 2).
func (b *Builder) DefaultLineSpacing() *Builder { return b.put(ESC, '2') }

// Cut feeds the paper to the cutting position plus n and cuts (GS V m n).
func (b *Builder) Cut(mode CutMode, n int) *Builder {
	if mode != CutFull && mode != CutPartial {
		return b.fail(fmt.Errorf("%w: cut mode %d", ErrRange, mode))
	}
	if n < 0 || n > 255 {
		return b.fail(fmt.Errorf("%w: cut feed %d", ErrRange, n))
	}
	return b.put(GS, 'V', byte(mode), byte(n))
}

// BarcodeHeight sets the barcode height in dots (GS h n, 1..255).
func (b *Builder) BarcodeHeight(dots int) *Builder {
	if dots < 1 || dots > 255 {
		return b.fail(fmt.Errorf("%w: barcode height %d", ErrRange, dots))
	}
	return b.put(GS, 'h', byte(dots))
}

// BarcodeWidth sets the barcode module width (GS w n). Epson documents 2..6;
// 1 is accepted because some compatibles use it for very narrow paper.
func (b *Builder) BarcodeWidth(w int) *Builder {
	if w < 1 || w > 6 {
		return b.fail(fmt.Errorf("%w: barcode width %d", ErrRange, w))
	}
	return b.put(GS, 'w', byte(w))
}

// BarcodeHRI sets where the human-readable text goes (GS H n).
func (b *Builder) BarcodeHRI(p HRI) *Builder {
	if p > HRIBoth {
		return b.fail(fmt.Errorf("%w: HRI %d", ErrRange, p))
	}
	return b.put(GS, 'H', byte(p))
}

// Code128 prints data as CODE128 code set B (GS k 73 n {B data). Code set B
// covers printable ASCII, which is what transaction references use.
func (b *Builder) Code128(data string) *Builder { return b.Code128Set('B', data) }

// Code128Set prints a CODE128 barcode starting in code set A, B or C. For
// set C data must be an even number of digits; they are packed in pairs.
func (b *Builder) Code128Set(set byte, data string) *Builder {
	if data == "" {
		return b.fail(fmt.Errorf("%w: empty CODE128", ErrBarcodeData))
	}
	var payload []byte
	switch set {
	case 'A':
		for i := 0; i < len(data); i++ {
			if data[i] > 0x5F {
				return b.fail(fmt.Errorf("%w: %q not in code set A", ErrBarcodeData, data[i]))
			}
		}
		payload = []byte(data)
	case 'B':
		for i := 0; i < len(data); i++ {
			if data[i] < 0x20 || data[i] > 0x7E {
				return b.fail(fmt.Errorf("%w: %q not in code set B", ErrBarcodeData, data[i]))
			}
		}
		payload = []byte(data)
	case 'C':
		if len(data)%2 != 0 {
			return b.fail(fmt.Errorf("%w: code set C needs an even number of digits", ErrBarcodeData))
		}
		for i := 0; i < len(data); i += 2 {
			hi, lo := data[i]-'0', data[i+1]-'0'
			if hi > 9 || lo > 9 {
				return b.fail(fmt.Errorf("%w: code set C takes digits only", ErrBarcodeData))
			}
			payload = append(payload, hi*10+lo)
		}
	default:
		return b.fail(fmt.Errorf("%w: code set %q", ErrBarcodeData, set))
	}
	n := len(payload) + 2
	if n > 255 {
		return b.fail(fmt.Errorf("%w: CODE128 of %d bytes is too long", ErrBarcodeData, n))
	}
	b.put(GS, 'k', 73, byte(n), '{', set)
	return b.put(payload...)
}

// QROptions are the parameters of a QR code.
type QROptions struct {
	Model      int     // 1 or 2; default 2
	ModuleSize int     // dots per module, 1..16; default 3
	Level      QRLevel // default QRLevelL
}

// QR prints data as a QR code with GS ( k: model, module size, error
// correction, store and print. Empty data prints nothing, like escpos-php.
func (b *Builder) QR(data string, o QROptions) *Builder {
	if data == "" {
		return b
	}
	if o.Model == 0 {
		o.Model = 2
	}
	if o.ModuleSize == 0 {
		o.ModuleSize = 3
	}
	if o.Level == 0 {
		o.Level = QRLevelL
	}
	if o.Model < 1 || o.Model > 2 {
		return b.fail(fmt.Errorf("%w: QR model %d", ErrRange, o.Model))
	}
	if o.ModuleSize < 1 || o.ModuleSize > 16 {
		return b.fail(fmt.Errorf("%w: QR module size %d", ErrRange, o.ModuleSize))
	}
	if o.Level < QRLevelL || o.Level > QRLevelH {
		return b.fail(fmt.Errorf("%w: QR level %#x", ErrRange, byte(o.Level)))
	}
	if len(data) > 7089 {
		return b.fail(fmt.Errorf("%w: QR data of %d bytes is too long", ErrBarcodeData, len(data)))
	}
	b.put(GS, '(', 'k', 4, 0, 0x31, 0x41, byte(0x30+o.Model), 0)
	b.put(GS, '(', 'k', 3, 0, 0x31, 0x43, byte(o.ModuleSize))
	b.put(GS, '(', 'k', 3, 0, 0x31, 0x45, byte(o.Level))
	n := len(data) + 3
	b.put(GS, '(', 'k', byte(n), byte(n>>8), 0x31, 0x50, 0x30)
	b.put([]byte(data)...)
	return b.put(GS, '(', 'k', 3, 0, 0x31, 0x51, 0x30)
}

// RasterBits prints a raster image with GS v 0 m xL xH yL yH. rowBytes is
// the number of bytes per row, height the number of dots; bits are MSB
// first and 1 is black.
func (b *Builder) RasterBits(mode byte, rowBytes, height int, data []byte) *Builder {
	if mode >= 0x30 && mode <= 0x33 {
		mode -= 0x30
	}
	if mode > 3 {
		return b.fail(fmt.Errorf("%w: raster mode %d", ErrRange, mode))
	}
	if rowBytes < 1 || rowBytes > 0xFFFF || height < 1 || height > 0xFFFF {
		return b.fail(fmt.Errorf("%w: raster %d bytes × %d dots", ErrRange, rowBytes, height))
	}
	if len(data) != rowBytes*height {
		return b.fail(fmt.Errorf("%w: raster data is %d bytes, want %d", ErrRange, len(data), rowBytes*height))
	}
	b.put(GS, 'v', '0', mode, byte(rowBytes), byte(rowBytes>>8), byte(height), byte(height>>8))
	return b.put(data...)
}

// StatusRequest sends the real-time status request DLE EOT n (1 printer, 2
// offline cause, 3 error cause, 4 paper roll sensor).
func (b *Builder) StatusRequest(n byte) *Builder {
	if n < 1 || n > 4 {
		return b.fail(fmt.Errorf("%w: DLE EOT %d", ErrRange, n))
	}
	return b.put(DLE, EOT, n)
}

func boolByte(on bool) byte {
	if on {
		return 1
	}
	return 0
}

// Windows1252 is re-exported for callers that decode a stream for
// assertions.
var Windows1252 = charmap.Windows1252
