package printer

import (
	"fmt"
	"image"
	"strings"
	"unicode/utf8"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// maxScreenText keeps the on-screen QR code small enough to scan from a
// phone at arm's length (version 25 or so at level M).
const maxScreenText = 900

// ScreenText renders the receipt as compact plain text for a QR code on
// the screen: the same content as the paper (it goes through the same
// layout, so the same privacy rules apply) without rules, padding or codes.
// Nothing is sent anywhere; the patron's phone reads it from the screen.
func ScreenText(r Receipt, l Localizer, o Options) string {
	o = o.withDefaults()
	if o.validate() != nil {
		o.Columns = 48
	}
	o.Logo = nil
	o.Code = CodeNone
	d := layout(r, l, o)
	var lines []string
	cur := ""
	for _, bl := range d.blocks {
		if bl.kind != blockText {
			continue
		}
		t := strings.TrimSpace(bl.text)
		// Rejoin continuation lines of wrapped paragraphs: the phone wraps.
		if bl.cont && cur != "" {
			cur += " " + t
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
		}
		cur = t
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	s := strings.Join(lines, "\n")
	if len(s) > maxScreenText {
		cut := maxScreenText - 4
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "\n…"
	}
	return s
}

// ScreenQR returns the receipt's ScreenText as a QR code image scaled to
// size×size pixels.
func ScreenQR(r Receipt, l Localizer, o Options, size int) (image.Image, error) {
	code, err := qr.Encode(ScreenText(r, l, o), qr.M, qr.Unicode)
	if err != nil {
		return nil, fmt.Errorf("printer: screen QR: %w", err)
	}
	if size < code.Bounds().Dx() {
		size = code.Bounds().Dx()
	}
	img, err := barcode.Scale(code, size, size)
	if err != nil {
		return nil, fmt.Errorf("printer: screen QR: %w", err)
	}
	return img, nil
}
