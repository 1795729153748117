package printertest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/danbib/kiosk/printer/escpos"
)

// Font cells of the Epson fonts A (12×24) and B (9×17).
const (
	cellAW, cellAH = 12, 24
	cellBW, cellBH = 9, 17
	// defaultLineSpacing is ESC 2 (1/6 inch at 180 dpi).
	defaultLineSpacing = 30
	marginTop          = 8
	// maxRoll caps the paper length (about 16 m at 203 dpi) so that a
	// hostile stream of feeds cannot exhaust memory.
	maxRoll = 1 << 17
)

// glyphs caches rendered character cells. Fonts are shared by every
// virtual printer, so the cache is guarded by a mutex.
var glyphs = struct {
	sync.Mutex
	faces map[[2]bool]font.Face // [bold, fontB]
	cells map[glyphKey]*image.Gray
}{cells: map[glyphKey]*image.Gray{}}

type glyphKey struct {
	r     rune
	bold  bool
	fontB bool
}

func face(bold, fontB bool) font.Face {
	if glyphs.faces == nil {
		glyphs.faces = map[[2]bool]font.Face{}
	}
	k := [2]bool{bold, fontB}
	if f, ok := glyphs.faces[k]; ok {
		return f
	}
	data := gomono.TTF
	if bold {
		data = gomonobold.TTF
	}
	ft, err := opentype.Parse(data)
	if err != nil {
		panic(fmt.Sprintf("printertest: parsing Go Mono: %v", err))
	}
	// Go Mono advances 0.6 em, so 20 px gives the 12-dot cell of font A
	// and 15 px the 9-dot cell of font B.
	size := 20.0
	if fontB {
		size = 15
	}
	f, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic(fmt.Sprintf("printertest: Go Mono face: %v", err))
	}
	glyphs.faces[k] = f
	return f
}

// cell returns the 1-bit (0 or 255) glyph cell of r.
func cell(r rune, bold, fontB bool) *image.Gray {
	glyphs.Lock()
	defer glyphs.Unlock()
	k := glyphKey{r, bold, fontB}
	if c, ok := glyphs.cells[k]; ok {
		return c
	}
	w, h, base := cellAW, cellAH, 19
	if fontB {
		w, h, base = cellBW, cellBH, 13
	}
	c := image.NewGray(image.Rect(0, 0, w, h))
	for i := range c.Pix {
		c.Pix[i] = 0xff
	}
	f := face(bold, fontB)
	if _, ok := f.GlyphAdvance(r); !ok && r != ' ' {
		// A box for a character the font lacks.
		for x := 1; x < w-1; x++ {
			c.SetGray(x, 3, color.Gray{0})
			c.SetGray(x, h-4, color.Gray{0})
		}
		for y := 3; y < h-3; y++ {
			c.SetGray(1, y, color.Gray{0})
			c.SetGray(w-2, y, color.Gray{0})
		}
	} else {
		d := font.Drawer{Dst: c, Src: image.Black, Face: f, Dot: fixed.P(0, base)}
		d.DrawString(string(r))
		for i, v := range c.Pix {
			if v < 128 {
				c.Pix[i] = 0
			} else {
				c.Pix[i] = 0xff
			}
		}
	}
	glyphs.cells[k] = c
	return c
}

// state is the print mode a renderer tracks.
type state struct {
	align       escpos.Align
	bold        bool
	underline   int
	w, h        int
	fontB       bool
	lineSpacing int
	bcHeight    int
	bcWidth     int
	hri         escpos.HRI
	qrSize      int
	qrLevel     int
	qrData      []byte
	// graphics is the GS ( L print buffer and its scale, drawn by the
	// print function.
	graphics        *image.Gray
	gScaleX, gScale int
}

func initialState() state {
	return state{w: 1, h: 1, lineSpacing: defaultLineSpacing, bcHeight: 162, bcWidth: 3, qrSize: 3, qrLevel: 0x30}
}

type seg struct {
	r         rune
	bold      bool
	underline int
	w, h      int
	fontB     bool
}

func (s seg) width() int {
	if s.fontB {
		return cellBW * s.w
	}
	return cellAW * s.w
}

func (s seg) height() int {
	if s.fontB {
		return cellBH * s.h
	}
	return cellAH * s.h
}

// roll is the paper: a white image that grows downwards.
type roll struct {
	width int
	img   *image.Gray
	y     int
	st    state
	line  []seg
	lineW int
	text  strings.Builder
	// lineText collects the text of the current line for Text.
	lineText strings.Builder
}

func newRoll(width int) *roll {
	r := &roll{width: width, st: initialState(), y: marginTop}
	r.img = image.NewGray(image.Rect(0, 0, width, 256))
	fillWhite(r.img.Pix)
	return r
}

func fillWhite(p []uint8) {
	for i := range p {
		p[i] = 0xff
	}
}

// ensure grows the roll so that rows up to y+h exist.
func (r *roll) ensure(h int) {
	need := min(r.y+h+1, maxRoll)
	if need <= r.img.Bounds().Dy() {
		return
	}
	nh := r.img.Bounds().Dy() * 2
	for nh < need {
		nh *= 2
	}
	n := image.NewGray(image.Rect(0, 0, r.width, nh))
	fillWhite(n.Pix)
	copy(n.Pix, r.img.Pix)
	r.img = n
}

func (r *roll) xFor(w int) int {
	switch r.st.align {
	case escpos.AlignCenter:
		return max(0, (r.width-w)/2)
	case escpos.AlignRight:
		return max(0, r.width-w)
	}
	return 0
}

// blit draws src (black where 0) at x, y scaled sx, sy.
func (r *roll) blit(src *image.Gray, x, y, sx, sy int) {
	b := src.Bounds()
	r.ensure(y - r.y + b.Dy()*sy)
	for yy := 0; yy < b.Dy(); yy++ {
		for xx := 0; xx < b.Dx(); xx++ {
			if src.GrayAt(b.Min.X+xx, b.Min.Y+yy).Y >= 128 {
				continue
			}
			for dy := 0; dy < sy; dy++ {
				for dx := 0; dx < sx; dx++ {
					px, py := x+xx*sx+dx, y+yy*sy+dy
					if px >= 0 && px < r.width {
						r.img.SetGray(px, py, color.Gray{0})
					}
				}
			}
		}
	}
}

func (r *roll) addRune(c rune) {
	s := seg{r: c, bold: r.st.bold, underline: r.st.underline, w: r.st.w, h: r.st.h, fontB: r.st.fontB}
	if r.lineW+s.width() > r.width {
		r.flush() // the printer wraps a full line
	}
	r.line = append(r.line, s)
	r.lineW += s.width()
	r.lineText.WriteRune(c)
}

// flush prints the line buffer and advances; an empty buffer feeds one
// line.
func (r *roll) flush() {
	h := 0
	for _, s := range r.line {
		h = max(h, s.height())
	}
	if len(r.line) > 0 {
		x := r.xFor(r.lineW)
		r.ensure(h)
		for _, s := range r.line {
			c := cell(s.r, s.bold, s.fontB)
			cy := r.y + h - s.height()
			r.blit(c, x, cy, s.w, s.h)
			if s.underline > 0 {
				for t := 0; t < s.underline; t++ {
					for xx := x; xx < x+s.width() && xx < r.width; xx++ {
						r.img.SetGray(xx, r.y+h-1-t, color.Gray{0})
					}
				}
			}
			x += s.width()
		}
	}
	r.y = min(r.y+max(h, r.st.lineSpacing), maxRoll)
	r.text.WriteString(strings.TrimRight(r.lineText.String(), " "))
	r.text.WriteByte('\n')
	r.line, r.lineW = nil, 0
	r.lineText.Reset()
}

// tab moves to the next horizontal tab position, every 8 characters as
// after power-up; a tab past the end of the line is ignored, as the
// printer does.
func (r *roll) tab() {
	for r.addRuneNoWrap(' ') && len(r.line)%8 != 0 {
	}
}

// addRuneNoWrap is addRune that drops the character, and reports false,
// when the line is full.
func (r *roll) addRuneNoWrap(c rune) bool {
	s := seg{r: c, bold: r.st.bold, underline: r.st.underline, w: r.st.w, h: r.st.h, fontB: r.st.fontB}
	if r.lineW+s.width() > r.width {
		return false
	}
	r.addRune(c)
	return true
}

// flushIfPending prints a non-empty line buffer (graphics and feeds start
// on a new line).
func (r *roll) flushIfPending() {
	if len(r.line) > 0 {
		r.flush()
	}
}

func (r *roll) feedDots(n int) {
	r.ensure(n)
	r.y = min(r.y+n, maxRoll)
}

func (r *roll) drawImage(img *image.Gray, sx, sy int) {
	r.flushIfPending()
	w := img.Bounds().Dx() * sx
	r.ensure(img.Bounds().Dy() * sy)
	r.blit(img, r.xFor(w), r.y, sx, sy)
	r.y = min(r.y+img.Bounds().Dy()*sy, maxRoll)
}

func (r *roll) cut(partial bool) {
	r.flushIfPending()
	r.feedDots(16)
	r.ensure(4)
	for x := 0; x < r.width; x++ {
		if partial && x > r.width/2-10 && x < r.width/2+10 {
			continue
		}
		if (x/6)%2 == 0 {
			r.img.SetGray(x, r.y, color.Gray{0x80})
		}
	}
	r.y = min(r.y+4, maxRoll)
	r.text.WriteString("--- cut ---\n")
}

func (r *roll) barcode(m int, data []byte) {
	r.flushIfPending()
	content := string(data)
	if m == 73 {
		content = code128Content(data)
	}
	var bars *image.Gray
	if m == 73 {
		if bc, err := code128.Encode(content); err == nil {
			bars = toGray(bc, bc.Bounds().Dx(), 1)
		}
	}
	if bars == nil {
		// Other symbologies draw a hatched box of plausible size.
		bars = image.NewGray(image.Rect(0, 0, 11*len(data)+20, 1))
		for x := 0; x < bars.Bounds().Dx(); x++ {
			if x%3 == 0 {
				bars.SetGray(x, 0, color.Gray{0})
			} else {
				bars.SetGray(x, 0, color.Gray{0xff})
			}
		}
	}
	hri := func() {
		for _, c := range content {
			r.addRune(c)
		}
		save := r.st.align
		r.flush()
		r.st.align = save
	}
	if r.st.hri == escpos.HRIAbove || r.st.hri == escpos.HRIBoth {
		hri()
	}
	r.drawImage(bars, r.st.bcWidth, r.st.bcHeight)
	if r.st.hri == escpos.HRIBelow || r.st.hri == escpos.HRIBoth {
		hri()
	}
	r.text.WriteString("[CODE" + map[bool]string{true: "128", false: fmt.Sprint(m)}[m == 73] + " " + content + "]\n")
}

// code128Content turns GS k 73 data ({A/{B/{C set selectors, packed digit
// pairs in set C) back into the text it encodes.
func code128Content(data []byte) string {
	var sb strings.Builder
	set := byte('B')
	for i := 0; i < len(data); i++ {
		if data[i] == '{' && i+1 < len(data) {
			switch data[i+1] {
			case 'A', 'B', 'C':
				set = data[i+1]
				i++
				continue
			case '{':
				sb.WriteByte('{')
				i++
				continue
			default:
				i++ // FNC codes and shifts carry no text
				continue
			}
		}
		if set == 'C' {
			fmt.Fprintf(&sb, "%02d", data[i])
		} else {
			sb.WriteByte(data[i])
		}
	}
	return sb.String()
}

func (r *roll) qr() {
	r.flushIfPending()
	if len(r.st.qrData) == 0 {
		return
	}
	level := qr.L
	switch r.st.qrLevel {
	case 0x31:
		level = qr.M
	case 0x32:
		level = qr.Q
	case 0x33:
		level = qr.H
	}
	code, err := qr.Encode(string(r.st.qrData), level, qr.Auto)
	if err != nil {
		r.text.WriteString("[QR error]\n")
		return
	}
	// boombuler's code has no quiet zone; the printer adds none either.
	r.drawImage(toGray(code, code.Bounds().Dx(), code.Bounds().Dy()), r.st.qrSize, r.st.qrSize)
	r.text.WriteString("[QR " + string(r.st.qrData) + "]\n")
}

func toGray(bc barcode.Barcode, w, h int) *image.Gray {
	b := bc.Bounds()
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.GrayModel.Convert(bc.At(b.Min.X+x, b.Min.Y+min(y, b.Dy()-1))).(color.Gray)
			g.SetGray(x, y, c)
		}
	}
	return g
}

// run interprets decoded commands.
func (r *roll) run(cmds []escpos.Command) {
	for _, c := range cmds {
		switch c.Op {
		case escpos.OpText:
			for _, ch := range c.Text {
				r.addRune(ch)
			}
		case escpos.OpLF:
			r.flush()
		case escpos.OpFeedLines:
			r.flushIfPending()
			r.feedDots(c.N * r.st.lineSpacing)
			for i := 0; i < c.N; i++ {
				r.text.WriteByte('\n')
			}
		case escpos.OpFeedDots:
			r.flushIfPending()
			r.feedDots(c.N)
		case escpos.OpInit:
			r.st = initialState()
		case escpos.OpBold:
			r.st.bold = c.N&1 != 0
		case escpos.OpUnderline:
			n := c.N
			if n >= 0x30 {
				n -= 0x30
			}
			r.st.underline = min(n, 2)
		case escpos.OpFont:
			r.st.fontB = c.N == 1 || c.N == '1'
		case escpos.OpPrintMode:
			r.st.fontB = c.N&0x01 != 0
			r.st.bold = c.N&0x08 != 0
			r.st.h = 1 + (c.N>>4)&1
			r.st.w = 1 + (c.N>>5)&1
			r.st.underline = (c.N >> 7) & 1
		case escpos.OpSize:
			r.st.w = 1 + (c.N>>4)&7
			r.st.h = 1 + c.N&7
		case escpos.OpAlign:
			if len(r.line) == 0 {
				r.st.align = escpos.Align(c.N % 0x30 % 3)
			}
		case escpos.OpLineSpacing:
			r.st.lineSpacing = c.N
		case escpos.OpDefaultLineSpacing:
			r.st.lineSpacing = defaultLineSpacing
		case escpos.OpCut:
			r.cut(c.N == 1 || c.N == 49 || c.N == 66)
		case escpos.OpBarcodeHeight:
			r.st.bcHeight = max(1, c.N)
		case escpos.OpBarcodeWidth:
			r.st.bcWidth = max(1, min(c.N, 6))
		case escpos.OpBarcodeHRI:
			r.st.hri = escpos.HRI(c.N % 0x30 % 4)
		case escpos.OpBarcode:
			r.barcode(c.N, c.Data)
		case escpos.OpQRSize:
			r.st.qrSize = max(1, min(c.N, 16))
		case escpos.OpQRLevel:
			r.st.qrLevel = c.N
		case escpos.OpQRStore:
			r.st.qrData = append([]byte(nil), c.Data...)
		case escpos.OpQRPrint:
			r.qr()
		case escpos.OpCR:
			// With auto line feed off (the default, and the only
			// setting we send) CR prints nothing: streams from
			// encoders that end lines with CR LF feed once.
		case escpos.OpTab:
			r.tab()
		case escpos.OpGraphicsStore:
			// The rows are padded to whole bytes; the image is as wide
			// as the command says.
			full := escpos.RasterImage((c.Width+7)/8, c.Height, c.Data)
			r.st.graphics = full.SubImage(image.Rect(0, 0, c.Width, c.Height)).(*image.Gray)
			r.st.gScaleX, r.st.gScale = max(1, min(c.N, 2)), max(1, min(c.N2, 2))
		case escpos.OpGraphicsPrint:
			if g := r.st.graphics; g != nil {
				r.drawImage(g, r.st.gScaleX, r.st.gScale)
				r.text.WriteString(fmt.Sprintf("[IMAGE %dx%d]\n", g.Bounds().Dx(), g.Bounds().Dy()))
				r.st.graphics = nil
			}
		case escpos.OpRaster:
			img := escpos.RasterImage(c.Width, c.Height, c.Data)
			r.drawImage(img, 1+c.N&1, 1+(c.N>>1)&1)
			r.text.WriteString(fmt.Sprintf("[IMAGE %dx%d]\n", c.Width*8, c.Height))
		}
	}
}

// finish prints what is left in the buffer and crops the roll.
func (r *roll) finish() *image.Gray {
	r.flushIfPending()
	h := min(r.y+marginTop, r.img.Bounds().Dy())
	out := image.NewGray(image.Rect(0, 0, r.width, h))
	copy(out.Pix, r.img.Pix[:r.width*h])
	return out
}

// Render draws an ESC/POS stream on a paper roll widthDots wide (384, 512
// or 576) and returns the image.
func Render(stream []byte, widthDots int) *image.Gray {
	if widthDots <= 0 {
		widthDots = 576
	}
	r := newRoll(widthDots)
	r.run(escpos.Decode(stream))
	return r.finish()
}

// RenderPNG is Render encoded as PNG.
func RenderPNG(stream []byte, widthDots int) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, Render(stream, widthDots)); err != nil {
		return nil, fmt.Errorf("printertest: png: %w", err)
	}
	return buf.Bytes(), nil
}

// Text returns what the stream prints as text: one line per printed line
// (trailing spaces trimmed, no alignment padding), codes as
// "[CODE128 data]" and "[QR data]", images as "[IMAGE wxh]", and cuts as
// "--- cut ---". Tests assert on it.
func Text(stream []byte) string {
	r := newRoll(576)
	r.run(escpos.Decode(stream))
	r.flushIfPending()
	return r.text.String()
}
