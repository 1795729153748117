package printer

import (
	"fmt"
	"image"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/danbib/kiosk/printer/escpos"
)

// blockKind is the type of one element of a laid-out receipt.
type blockKind int

const (
	blockText blockKind = iota
	blockRule
	blockBlank
	blockCode128
	blockQR
	blockImage
)

// block is one line (or graphic) of a laid-out receipt. Text blocks are
// already wrapped to the paper width.
type block struct {
	kind   blockKind
	text   string
	align  escpos.Align
	bold   bool
	double bool // double width and height
	cont   bool // a continuation line of a wrapped paragraph
	img    image.Image
}

// document is a receipt laid out once and rendered as ESC/POS or as text.
type document struct {
	cols   int
	blocks []block
}

func (d *document) add(b block) { d.blocks = append(d.blocks, b) }

// para adds text wrapped to the width (halved for double size) with an
// indent for continuation lines.
func (d *document) para(text string, align escpos.Align, bold, double bool, indent int) {
	width := d.cols
	if double {
		width /= 2
	}
	for i, line := range wrap(text, width, indent) {
		d.add(block{kind: blockText, text: line, align: align, bold: bold, double: double, cont: i > 0})
	}
}

// pair adds "label    value" with the value flush right, or on its own
// right-aligned line when both do not fit.
func (d *document) pair(label, value string, bold bool) {
	l, v := utf8.RuneCountInString(label), utf8.RuneCountInString(value)
	if l+1+v <= d.cols {
		d.add(block{kind: blockText, text: label + strings.Repeat(" ", d.cols-l-v) + value, bold: bold})
		return
	}
	d.para(label, escpos.AlignLeft, bold, false, 0)
	d.add(block{kind: blockText, text: value, align: escpos.AlignRight, bold: bold})
}

// wrap breaks text into lines of at most width runes, at spaces where it
// can. Leading spaces of the text are kept on its first line; continuation
// lines get indent spaces. Words longer than a line are split.
func wrap(text string, width, indent int) []string {
	if width < 1 {
		width = 1
	}
	if indent >= width {
		indent = 0
	}
	pad := []rune(strings.Repeat(" ", indent))
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		lead := len(para) - len(strings.TrimLeft(para, " "))
		if lead >= width {
			lead = 0
		}
		words := strings.Fields(para)
		line := []rune(strings.Repeat(" ", lead))
		base := lead
		next := func() {
			lines = append(lines, string(line))
			line = append([]rune(nil), pad...)
			base = indent
		}
		for _, w := range words {
			r := []rune(w)
			for len(r) > 0 {
				sep := 0
				if len(line) > base {
					sep = 1
				}
				switch {
				case len(line)+sep+len(r) <= width:
					if sep == 1 {
						line = append(line, ' ')
					}
					line = append(line, r...)
					r = nil
				case len(line) > base:
					next()
				default:
					room := width - len(line)
					line = append(line, r[:room]...)
					r = r[room:]
					next()
				}
			}
		}
		if len(line) > base || len(words) == 0 {
			lines = append(lines, string(line))
		}
	}
	return lines
}

// cprLike finds ten digits, optionally split 6+4 by a dash or space, whose
// first six form a valid DDMMYY date: the shape of a CPR number. Free text
// from the library system (titles, notes) passes through scrub so that a
// server that echoes the patron's CPR in a message cannot put it on paper.
var cprLike = regexp.MustCompile(`(^|[^0-9])([0-3][0-9])([01][0-9])([0-9]{2})[- ]?([0-9]{4})($|[^0-9])`)

func scrub(s string) string {
	// A match consumes the character before and after the number, so two
	// numbers separated by one character need a second pass.
	for i := 0; i < 4; i++ {
		next := scrubOnce(s)
		if next == s {
			break
		}
		s = next
	}
	return s
}

func scrubOnce(s string) string {
	return cprLike.ReplaceAllStringFunc(s, func(m string) string {
		sub := cprLike.FindStringSubmatch(m)
		dd, mm := atoi2(sub[2]), atoi2(sub[3])
		if dd < 1 || dd > 31 || mm < 1 || mm > 12 {
			return m
		}
		return sub[1] + "******-****" + sub[6]
	})
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// layout turns a receipt into a document. It is the single place that
// decides what goes on paper.
func layout(r Receipt, l Localizer, o Options) *document {
	d := &document{cols: o.Columns}
	center := escpos.AlignCenter
	left := escpos.AlignLeft

	if o.Logo != nil {
		d.add(block{kind: blockImage, img: fitLogo(o.Logo, o.Dots()), align: center})
	}
	if lib := scrub(r.Library); lib != "" {
		double := utf8.RuneCountInString(lib) <= d.cols/2
		d.para(lib, center, true, double, 0)
	}
	if br := scrub(r.Branch); br != "" {
		d.para(br, center, false, false, 0)
	}
	if !r.Time.IsZero() {
		d.para(l.DateTime(r.Time), center, false, false, 0)
	}
	d.add(block{kind: blockBlank})
	d.para(l.T("receipt.title."+r.Kind.String()), center, true, false, 0)
	if o.PrintPatronName {
		if name := firstName(scrub(r.PatronName)); name != "" {
			d.para(l.T("receipt.greeting", map[string]any{"Name": name}), center, false, false, 0)
		}
	}
	d.add(block{kind: blockRule})

	ok, refused := 0, 0
	for _, it := range r.Items {
		if it.Refused {
			refused++
		} else {
			ok++
		}
	}
	if len(r.Items) == 0 {
		d.para(l.T("receipt.no_items"), left, false, false, 0)
	}
	for i, it := range r.Items {
		if i > 0 {
			d.add(block{kind: blockBlank})
		}
		title := scrub(it.Title)
		if title == "" {
			title = l.T("receipt.untitled")
		}
		d.para(title, left, !it.Refused, false, 2)
		if it.ItemID != "" {
			d.para("  "+l.T("receipt.item_id", map[string]any{"ID": it.ItemID}), left, false, false, 4)
		}
		switch {
		case it.Refused:
			d.para("  "+l.T("receipt.refused."+r.Kind.String()), left, true, false, 4)
		case r.Kind == KindLoan && !it.Due.IsZero():
			d.para("  "+l.T("receipt.due", map[string]any{"Date": l.Date(it.Due)}), left, true, false, 4)
		case r.Kind == KindRenewal && !it.Due.IsZero():
			d.para("  "+l.T("receipt.renewed_due", map[string]any{"Date": l.Date(it.Due)}), left, true, false, 4)
		case r.Kind == KindReturn:
			d.para("  "+l.T("receipt.returned"), left, false, false, 4)
		case r.Kind == KindAccount && !it.Due.IsZero():
			line := l.T("receipt.due", map[string]any{"Date": l.Date(it.Due)})
			if it.Overdue {
				line += " " + l.T("receipt.overdue")
			}
			d.para("  "+line, left, it.Overdue, false, 4)
		}
		if note := scrub(strings.TrimSpace(it.Note)); note != "" {
			d.para("  "+note, left, false, false, 4)
		}
	}
	d.add(block{kind: blockRule})

	switch r.Kind {
	case KindAccount:
		d.para(l.N("receipt.count.account", len(r.Items)), left, true, false, 0)
	default:
		d.para(l.N("receipt.count."+r.Kind.String(), ok), left, true, false, 0)
		if refused > 0 {
			d.para(l.N("receipt.count.refused", refused), left, true, false, 0)
		}
	}
	if len(r.Holds) > 0 {
		d.add(block{kind: blockBlank})
		d.para(l.N("receipt.holds_ready", len(r.Holds)), left, true, false, 0)
		for _, h := range r.Holds {
			d.para("- "+scrub(h.Title), left, false, false, 2)
			if loc := scrub(h.Location); loc != "" {
				d.para("  "+l.T("receipt.hold_location", map[string]any{"Place": loc}), left, false, false, 4)
			}
			if !h.LastDay.IsZero() {
				d.para("  "+l.T("receipt.hold_pickup_by", map[string]any{"Date": l.Date(h.LastDay)}), left, false, false, 4)
			}
		}
	}
	if r.FeeTotal != 0 || r.Kind == KindAccount {
		d.add(block{kind: blockBlank})
		d.pair(l.T("receipt.fees_total"), l.Money(r.FeeTotal, r.Currency), r.FeeTotal > 0)
	}
	d.add(block{kind: blockRule})

	footer := r.Footer
	if footer == "" {
		footer = o.Footer
	}
	if footer = scrub(footer); footer != "" {
		d.para(footer, center, false, false, 0)
	}
	if ref := scrub(r.Reference); ref != "" {
		switch o.Code {
		case CodeCode128:
			if printableASCII(ref) {
				d.add(block{kind: blockCode128, text: ref, align: center})
			}
		case CodeQR:
			d.add(block{kind: blockQR, text: ref, align: center})
		}
		d.para(l.T("receipt.reference", map[string]any{"Ref": ref}), center, false, false, 0)
	}
	return d
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return s != ""
}

// fitLogo scales a logo down (nearest neighbour) to at most the paper width.
func fitLogo(img image.Image, dots int) image.Image {
	b := img.Bounds()
	if b.Dx() <= dots {
		return img
	}
	h := b.Dy() * dots / b.Dx()
	if h < 1 {
		h = 1
	}
	out := image.NewNRGBA(image.Rect(0, 0, dots, h))
	for y := 0; y < h; y++ {
		for x := 0; x < dots; x++ {
			out.Set(x, y, img.At(b.Min.X+x*b.Dx()/dots, b.Min.Y+y*b.Dy()/h))
		}
	}
	return out
}

// Render lays out r and encodes it as an ESC/POS job: initialise, select
// WPC1252, the receipt, feed and cut.
func Render(r Receipt, l Localizer, o Options) ([]byte, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	d := layout(r, l, o)
	b := escpos.NewBuilder(o.Encoder)
	b.Initialize().SelectCodePage(escpos.WPC1252)
	align := escpos.AlignLeft
	bold, double := false, false
	setAlign := func(a escpos.Align) {
		if a != align {
			b.Align(a)
			align = a
		}
	}
	setPlain := func() {
		if bold {
			b.Bold(false)
			bold = false
		}
		if double {
			b.Size(1, 1)
			double = false
		}
	}
	for _, bl := range d.blocks {
		switch bl.kind {
		case blockText:
			setAlign(bl.align)
			if bl.bold != bold {
				b.Bold(bl.bold)
				bold = bl.bold
			}
			if bl.double != double {
				if bl.double {
					b.Size(2, 2)
				} else {
					b.Size(1, 1)
				}
				double = bl.double
			}
			b.Line(bl.text)
		case blockRule:
			// Rules and blank lines would otherwise keep the bold (and
			// size) of the text before them, so one rule would print
			// heavier than the others.
			setPlain()
			setAlign(escpos.AlignLeft)
			b.Line(strings.Repeat("-", d.cols))
		case blockBlank:
			if bold {
				b.Bold(false)
				bold = false
			}
			b.LF()
		case blockCode128:
			setAlign(bl.align)
			b.BarcodeHeight(64).BarcodeWidth(2).BarcodeHRI(escpos.HRINone).Code128(bl.text).LF()
		case blockQR:
			setAlign(bl.align)
			b.QR(bl.text, escpos.QROptions{ModuleSize: 6, Level: escpos.QRLevelM}).LF()
		case blockImage:
			setAlign(bl.align)
			b.Raster(bl.img, escpos.RasterOptions{MaxWidth: o.Dots()})
		}
	}
	if bold {
		b.Bold(false)
	}
	if double {
		b.Size(1, 1)
	}
	setAlign(escpos.AlignLeft)
	mode := escpos.CutPartial
	if o.FullCut {
		mode = escpos.CutFull
	}
	b.Cut(mode, o.FeedBeforeCut)
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("printer: render %s receipt: %w", r.Kind, err)
	}
	return out, nil
}

// RenderText lays out r as the plain text a printer would print, padded for
// alignment, with codes shown as [CODE128 …] / [QR …] and the logo as
// [LOGO]. Golden tests and log-free debugging use it.
func RenderText(r Receipt, l Localizer, o Options) (string, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return "", err
	}
	d := layout(r, l, o)
	var sb strings.Builder
	for _, bl := range d.blocks {
		var line string
		width := d.cols
		switch bl.kind {
		case blockText:
			line = bl.text
			if bl.double {
				width /= 2
			}
		case blockRule:
			line = strings.Repeat("-", d.cols)
		case blockBlank:
		case blockCode128:
			line = "[CODE128 " + bl.text + "]"
		case blockQR:
			line = "[QR " + bl.text + "]"
		case blockImage:
			line = fmt.Sprintf("[LOGO %dx%d]", bl.img.Bounds().Dx(), bl.img.Bounds().Dy())
		}
		n := utf8.RuneCountInString(line)
		switch {
		case bl.align == escpos.AlignCenter && n < width:
			line = strings.Repeat(" ", (width-n)/2) + line
		case bl.align == escpos.AlignRight && n < width:
			line = strings.Repeat(" ", width-n) + line
		}
		sb.WriteString(strings.TrimRight(line, " "))
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}

// Redact returns a copy of r in which every occurrence of the given secrets
// (the session's patron id or CPR, card number, PIN) in any text field is
// replaced by asterisks. The kiosk calls it with the session's secrets
// before rendering, so that a library system that echoes them in a screen
// message cannot put them on paper. The receipt never stores the secrets.
// A ten-digit secret is also matched in the CPR form DDMMYY-SSSS.
func Redact(r Receipt, secrets ...[]byte) Receipt {
	var pats []string
	for _, s := range secrets {
		v := strings.TrimSpace(string(s))
		if len(v) < 3 {
			continue // too short to mask without hiding ordinary text
		}
		pats = append(pats, v)
		if len(v) == 10 && isDigits(v) {
			pats = append(pats, v[:6]+"-"+v[6:], v[:6]+" "+v[6:])
		}
	}
	if len(pats) == 0 {
		return r
	}
	mask := func(s string) string {
		for _, p := range pats {
			if strings.Contains(s, p) {
				s = strings.ReplaceAll(s, p, strings.Repeat("*", utf8.RuneCountInString(p)))
			}
		}
		return s
	}
	out := r
	out.Library, out.Branch = mask(r.Library), mask(r.Branch)
	out.PatronName, out.Footer, out.Reference = mask(r.PatronName), mask(r.Footer), mask(r.Reference)
	out.Items = make([]Item, len(r.Items))
	for i, it := range r.Items {
		it.Title, it.ItemID, it.Note = mask(it.Title), mask(it.ItemID), mask(it.Note)
		out.Items[i] = it
	}
	out.Holds = make([]Hold, len(r.Holds))
	for i, h := range r.Holds {
		h.Title, h.Location = mask(h.Title), mask(h.Location)
		out.Holds[i] = h
	}
	return out
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
