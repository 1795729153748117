package escpos

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Op is the kind of a decoded command.
type Op int

// Decoded operations. The comment gives the command and which Command fields
// carry its parameters.
const (
	OpUnknown            Op = iota // anything else; Raw holds the skipped bytes
	OpText                         // printable bytes; Text holds them decoded
	OpLF                           // LF
	OpFF                           // FF
	OpInit                         // ESC @
	OpCodePage                     // ESC t n: N
	OpIntlSet                      // ESC R n: N
	OpBold                         // ESC E n: N (bit 0)
	OpUnderline                    // ESC - n: N
	OpDoubleStrike                 // ESC G n: N
	OpFont                         // ESC M n: N
	OpPrintMode                    // ESC ! n: N
	OpSize                         // GS ! n: N
	OpAlign                        // ESC a n: N
	OpFeedLines                    // ESC d n: N
	OpFeedDots                     // ESC J n: N
	OpLineSpacing                  // ESC 3 n: N
	OpDefaultLineSpacing           // ESC 2
	OpCut                          // GS V m [n]: N = m, N2 = n
	OpBarcodeHeight                // GS h n: N
	OpBarcodeWidth                 // GS w n: N
	OpBarcodeHRI                   // GS H n: N
	OpBarcodeHRIFont               // GS f n: N
	OpBarcode                      // GS k m ...: N = m, Data = content
	OpQRModel                      // GS ( k … 31 41 n1 n2: N = n1
	OpQRSize                       // GS ( k … 31 43 n: N
	OpQRLevel                      // GS ( k … 31 45 n: N
	OpQRStore                      // GS ( k … 31 50 30 d…: Data
	OpQRPrint                      // GS ( k … 31 51 30
	OpRaster                       // GS v 0 m xL xH yL yH d…: N = m, Width = bytes per row, Height = dots, Data
	OpStatusRequest                // DLE EOT n: N
	OpCR                           // CR
	OpTab                          // HT
	OpGraphicsStore                // GS ( L … 30 70 a bx by c xL xH yL yH d…: N = bx, N2 = by, Width and Height in dots, Data (rows of ceil(Width/8) bytes)
	OpGraphicsPrint                // GS ( L 02 00 30 02|32
	OpPulse                        // ESC p m t1 t2: N = m, N2 = t1 (on time, 2 ms units); t2 only in Raw
)

var opNames = [...]string{
	"unknown", "text", "lf", "ff", "init", "codepage", "intlset", "bold", "underline",
	"doublestrike", "font", "printmode", "size", "align", "feedlines", "feeddots",
	"linespacing", "defaultlinespacing", "cut", "barcodeheight", "barcodewidth",
	"barcodehri", "barcodehrifont", "barcode", "qrmodel", "qrsize", "qrlevel",
	"qrstore", "qrprint", "raster", "status", "cr", "tab", "graphicsstore", "graphicsprint",
	"pulse",
}

func (o Op) String() string {
	if o >= 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Command is one decoded command or text run.
type Command struct {
	Op     Op
	N, N2  int
	Text   string
	Data   []byte
	Width  int // raster: bytes per row
	Height int // raster: dots
	Raw    []byte
}

func (c Command) String() string {
	switch c.Op {
	case OpText:
		return fmt.Sprintf("text %q", c.Text)
	case OpLF, OpFF, OpInit, OpDefaultLineSpacing, OpQRPrint, OpCR, OpTab, OpGraphicsPrint:
		return c.Op.String()
	case OpGraphicsStore:
		return fmt.Sprintf("graphics %dx%d scale %dx%d", c.Width, c.Height, c.N, c.N2)
	case OpPulse:
		return fmt.Sprintf("pulse pin %d on %d", c.N, c.N2)
	case OpBarcode, OpQRStore:
		return fmt.Sprintf("%s %d %q", c.Op, c.N, c.Data)
	case OpRaster:
		return fmt.Sprintf("raster m=%d %dx%d", c.N, c.Width*8, c.Height)
	case OpCut:
		return fmt.Sprintf("cut %d %d", c.N, c.N2)
	case OpUnknown:
		return fmt.Sprintf("unknown % x", c.Raw)
	}
	return fmt.Sprintf("%s %d", c.Op, c.N)
}

// maxNulTerminated bounds the search for the NUL that ends a GS k function A
// barcode or an ESC D tab list, so garbage cannot swallow the whole stream.
const maxNulTerminated = 255

// fixedParams lists how many parameter bytes follow ESC x and GS x for the
// commands the decoder skips without interpreting, so that their parameters
// are not printed as text.
var escParams = map[byte]int{
	' ': 1, '%': 1, '<': 0, '=': 1, '?': 1, 'S': 0, 'T': 1, 'U': 1, 'V': 1,
	'c': 2, 'e': 1, 'r': 1, '{': 1, '$': 2, '\\': 2, 'i': 0, 'm': 0,
	'L': 0, 'W': 8, 'K': 1,
}

var gsParams = map[byte]int{
	'B': 1, 'I': 1, 'a': 1, 'b': 1, 'r': 1, 'E': 1, 'L': 2, 'W': 2, '$': 2,
	'\\': 2, 'P': 2, '/': 1, ':': 0, '^': 3, 'T': 1, 'c': 0, 'j': 1, 'z': 2,
}

// Decoder turns a byte stream into commands. It keeps the code page across
// calls, so a stream may be fed in pieces that end on command boundaries.
type Decoder struct {
	page CodePage
}

// NewDecoder returns a decoder in the power-up state (PC437).
func NewDecoder() *Decoder { return &Decoder{page: PC437} }

// Decode is a convenience for NewDecoder().Decode(p).
func Decode(p []byte) []Command { return NewDecoder().Decode(p) }

// Decode decodes p. It never fails: unknown or truncated commands come back
// as OpUnknown with the bytes skipped, and every command consumes at least
// one byte, so decoding always ends.
func (d *Decoder) Decode(p []byte) []Command {
	var out []Command
	i := 0
	for i < len(p) {
		c, n := d.next(p[i:])
		if n <= 0 { // defensive: never loop forever
			n = 1
			c = Command{Op: OpUnknown}
		}
		c.Raw = p[i : i+n]
		if c.Op == OpText && len(out) > 0 && out[len(out)-1].Op == OpText {
			// Merge text split by an ignored command boundary.
			last := &out[len(out)-1]
			last.Text += c.Text
			last.Raw = p[i-len(last.Raw) : i+n]
		} else {
			out = append(out, c)
		}
		i += n
	}
	return out
}

func (d *Decoder) decodeText(p []byte) string {
	var sb strings.Builder
	cm := d.page.cm
	for _, b := range p {
		if b < 0x80 {
			sb.WriteByte(b)
			continue
		}
		if cm == nil {
			// A page without a table: any letter would be a guess.
			sb.WriteRune(utf8.RuneError)
			continue
		}
		sb.WriteRune(cm.DecodeByte(b))
	}
	return sb.String()
}

func unknown(n, max int) (Command, int) {
	if n > max {
		n = max
	}
	return Command{Op: OpUnknown}, n
}

func (d *Decoder) next(p []byte) (Command, int) {
	b := p[0]
	switch {
	case b >= 0x20:
		n := 0
		for n < len(p) && p[n] >= 0x20 {
			n++
		}
		return Command{Op: OpText, Text: d.decodeText(p[:n])}, n
	case b == LF:
		return Command{Op: OpLF}, 1
	case b == FF:
		return Command{Op: OpFF}, 1
	case b == CR:
		return Command{Op: OpCR}, 1
	case b == HT:
		return Command{Op: OpTab}, 1
	case b == ESC:
		return d.esc(p)
	case b == GS:
		return d.gs(p)
	case b == DLE:
		return d.dle(p)
	case b == FS:
		return d.fs(p)
	}
	return Command{Op: OpUnknown}, 1
}

// one decodes a command with a single parameter byte.
func one(p []byte, op Op) (Command, int) {
	if len(p) < 3 {
		return unknown(len(p), len(p))
	}
	return Command{Op: op, N: int(p[2])}, 3
}

func (d *Decoder) esc(p []byte) (Command, int) {
	if len(p) < 2 {
		return unknown(1, 1)
	}
	switch p[1] {
	case '@':
		d.page = PC437
		return Command{Op: OpInit}, 2
	case 't':
		c, n := one(p, OpCodePage)
		if c.Op == OpCodePage {
			if cp, ok := CodePageByNumber(byte(c.N)); ok {
				d.page = cp
			} else {
				d.page = CodePage{N: byte(c.N), Name: fmt.Sprintf("page %d", c.N)}
			}
		}
		return c, n
	case 'R':
		return one(p, OpIntlSet)
	case 'E':
		return one(p, OpBold)
	case '-':
		return one(p, OpUnderline)
	case 'G':
		return one(p, OpDoubleStrike)
	case 'M':
		return one(p, OpFont)
	case '!':
		return one(p, OpPrintMode)
	case 'a':
		return one(p, OpAlign)
	case 'd':
		return one(p, OpFeedLines)
	case 'J':
		return one(p, OpFeedDots)
	case '3':
		return one(p, OpLineSpacing)
	case '2':
		return Command{Op: OpDefaultLineSpacing}, 2
	case 'p':
		// ESC p m t1 t2: the cash drawer kick. Receipts never send it,
		// but other encoders do, and its parameters are not text.
		if len(p) < 5 {
			return unknown(len(p), len(p))
		}
		return Command{Op: OpPulse, N: int(p[2]), N2: int(p[3])}, 5
	case '*':
		// ESC * m nL nH d…: bit image, 1 or 3 bytes per column.
		if len(p) < 5 {
			return unknown(len(p), len(p))
		}
		cols := int(p[3]) | int(p[4])<<8
		per := 1
		if p[2] >= 32 {
			per = 3
		}
		return unknown(5+cols*per, len(p))
	case 'D':
		// Tab positions, NUL-terminated.
		for i := 2; i < len(p) && i < 2+maxNulTerminated; i++ {
			if p[i] == NUL {
				return unknown(i+1, len(p))
			}
		}
		return unknown(2, len(p))
	}
	if n, ok := escParams[p[1]]; ok {
		return unknown(2+n, len(p))
	}
	return unknown(2, len(p))
}

func (d *Decoder) gs(p []byte) (Command, int) {
	if len(p) < 2 {
		return unknown(1, 1)
	}
	switch p[1] {
	case '!':
		return one(p, OpSize)
	case 'h':
		return one(p, OpBarcodeHeight)
	case 'w':
		return one(p, OpBarcodeWidth)
	case 'H':
		return one(p, OpBarcodeHRI)
	case 'f':
		return one(p, OpBarcodeHRIFont)
	case 'V':
		if len(p) < 3 {
			return unknown(len(p), len(p))
		}
		m := p[2]
		switch m {
		case 0, 1, 48, 49:
			return Command{Op: OpCut, N: int(m)}, 3
		case 65, 66, 97, 98, 103, 104:
			if len(p) < 4 {
				return unknown(len(p), len(p))
			}
			return Command{Op: OpCut, N: int(m), N2: int(p[3])}, 4
		}
		return unknown(3, len(p))
	case 'k':
		if len(p) < 3 {
			return unknown(len(p), len(p))
		}
		m := p[2]
		if m <= 6 {
			for i := 3; i < len(p) && i < 3+maxNulTerminated; i++ {
				if p[i] == NUL {
					return Command{Op: OpBarcode, N: int(m), Data: p[3:i]}, i + 1
				}
			}
			return unknown(3, len(p))
		}
		if len(p) < 4 {
			return unknown(len(p), len(p))
		}
		n := int(p[3])
		if len(p) < 4+n {
			return unknown(len(p), len(p))
		}
		return Command{Op: OpBarcode, N: int(m), Data: p[4 : 4+n]}, 4 + n
	case '(':
		// GS ( x pL pH …: every function of this family is length-prefixed.
		if len(p) < 5 {
			return unknown(len(p), len(p))
		}
		n := int(p[3]) | int(p[4])<<8
		if len(p) < 5+n {
			return unknown(len(p), len(p))
		}
		body := p[5 : 5+n]
		if p[2] == 'k' && len(body) >= 2 && body[0] == 0x31 {
			return d.qr(body), 5 + n
		}
		if p[2] == 'L' {
			if c, ok := graphics(body); ok {
				return c, 5 + n
			}
		}
		return unknown(5+n, len(p))
	case 'v':
		if len(p) < 8 || p[2] != '0' {
			return unknown(min(len(p), 3), len(p))
		}
		x := int(p[4]) | int(p[5])<<8
		y := int(p[6]) | int(p[7])<<8
		size := x * y
		if len(p) < 8+size {
			return unknown(len(p), len(p))
		}
		return Command{Op: OpRaster, N: int(p[3]), Width: x, Height: y, Data: p[8 : 8+size]}, 8 + size
	case '*':
		// GS * x y d…: downloaded bit image of x*y*8 bytes.
		if len(p) < 4 {
			return unknown(len(p), len(p))
		}
		return unknown(4+int(p[2])*int(p[3])*8, len(p))
	case '8':
		// GS 8 L p1..p4 …: long-form graphics, 32-bit length.
		if len(p) < 7 {
			return unknown(len(p), len(p))
		}
		n := int(p[3]) | int(p[4])<<8 | int(p[5])<<16 | int(p[6])<<24
		if n < 0 || n > len(p) {
			return unknown(len(p), len(p))
		}
		return unknown(7+n, len(p))
	}
	if n, ok := gsParams[p[1]]; ok {
		return unknown(2+n, len(p))
	}
	return unknown(2, len(p))
}

// graphics decodes the GS ( L functions that draw: fn 112 stores a
// monochrome raster in the print buffer (the layout of GS v 0, rows of
// ceil(x/8) bytes, MSB left), fn 50 prints it. body starts at m (0x30).
func graphics(body []byte) (Command, bool) {
	if len(body) < 2 || body[0] != 0x30 {
		return Command{}, false
	}
	switch body[1] {
	case 2, 50:
		return Command{Op: OpGraphicsPrint}, true
	case 112:
		// a bx by c xL xH yL yH d…; a = 48 is monochrome, c = 49 the
		// first colour.
		if len(body) < 10 || body[2] != 48 {
			return Command{}, false
		}
		x := int(body[6]) | int(body[7])<<8
		y := int(body[8]) | int(body[9])<<8
		w := (x + 7) / 8
		if x == 0 || y == 0 || len(body)-10 < w*y {
			return Command{}, false
		}
		return Command{Op: OpGraphicsStore, N: int(body[3]), N2: int(body[4]), Width: x, Height: y, Data: body[10 : 10+w*y]}, true
	}
	return Command{}, false
}

func (d *Decoder) qr(body []byte) Command {
	fn := body[1]
	arg := func(i int) int {
		if i < len(body) {
			return int(body[i])
		}
		return -1
	}
	switch fn {
	case 0x41:
		return Command{Op: OpQRModel, N: arg(2), N2: arg(3)}
	case 0x43:
		return Command{Op: OpQRSize, N: arg(2)}
	case 0x45:
		return Command{Op: OpQRLevel, N: arg(2)}
	case 0x50:
		if len(body) >= 3 {
			return Command{Op: OpQRStore, N: arg(2), Data: body[3:]}
		}
	case 0x51:
		return Command{Op: OpQRPrint, N: arg(2)}
	}
	return Command{Op: OpUnknown}
}

func (d *Decoder) dle(p []byte) (Command, int) {
	if len(p) < 2 {
		return unknown(1, 1)
	}
	switch p[1] {
	case EOT:
		return one(p, OpStatusRequest)
	case 0x05: // DLE ENQ n
		return unknown(3, len(p))
	case 0x14: // DLE DC4 fn …: the common functions take three more bytes
		return unknown(5, len(p))
	}
	return unknown(1, len(p))
}

func (d *Decoder) fs(p []byte) (Command, int) {
	if len(p) < 2 {
		return unknown(1, 1)
	}
	switch p[1] {
	case '&', '.':
		return unknown(2, len(p))
	case '!', '-', 'C', 'W', 'S':
		return unknown(3, len(p))
	case 'p':
		return unknown(4, len(p))
	case '(':
		if len(p) < 5 {
			return unknown(len(p), len(p))
		}
		return unknown(5+(int(p[3])|int(p[4])<<8), len(p))
	}
	return unknown(2, len(p))
}

// PlainText extracts the printed text of a stream: text runs joined, LF and
// feeds as newlines. It is meant for assertions and privacy checks.
func PlainText(p []byte) string {
	var sb strings.Builder
	for _, c := range Decode(p) {
		switch c.Op {
		case OpText:
			sb.WriteString(c.Text)
		case OpLF, OpFeedLines:
			sb.WriteByte('\n')
		case OpTab:
			sb.WriteByte('\t')
		}
	}
	return sb.String()
}
