package escpos

import "golang.org/x/text/encoding/charmap"

// CodePage is a character code table selected with ESC t n, paired with the
// Go charmap that encodes text for it.
type CodePage struct {
	N    byte   // the ESC t parameter
	Name string // Epson's name for the table
	cm   *charmap.Charmap
}

// Charmap returns the Go encoding of the page.
func (c CodePage) Charmap() *charmap.Charmap { return c.cm }

// Code pages of the Epson TM-T20/TM-T88 class (ESC t numbers from the
// escpos-printer-db profiles).
var (
	PC437   = CodePage{0, "PC437", charmap.CodePage437}
	PC850   = CodePage{2, "PC850", charmap.CodePage850}
	PC865   = CodePage{5, "PC865", charmap.CodePage865}
	WPC1252 = CodePage{16, "WPC1252", charmap.Windows1252}
	PC866   = CodePage{17, "PC866", charmap.CodePage866}
	PC852   = CodePage{18, "PC852", charmap.CodePage852}
	PC858   = CodePage{19, "PC858", charmap.CodePage858}
	WPC1250 = CodePage{45, "WPC1250", charmap.Windows1250}
	WPC1251 = CodePage{46, "WPC1251", charmap.Windows1251}
	WPC1253 = CodePage{47, "WPC1253", charmap.Windows1253}
	WPC1254 = CodePage{48, "WPC1254", charmap.Windows1254}
	WPC1257 = CodePage{51, "WPC1257", charmap.Windows1257}
)

var codePages = []CodePage{PC437, PC850, PC865, WPC1252, PC866, PC852, PC858, WPC1250, WPC1251, WPC1253, WPC1254, WPC1257}

// CodePageByNumber returns the page selected by ESC t n. Unknown numbers
// report false; the decoder then falls back to PC437 for bytes above 0x7F.
func CodePageByNumber(n byte) (CodePage, bool) {
	for _, c := range codePages {
		if c.N == n {
			return c, true
		}
	}
	return CodePage{}, false
}

// CodePageByName returns a page by its Epson name ("WPC1252").
func CodePageByName(name string) (CodePage, bool) {
	for _, c := range codePages {
		if c.Name == name {
			return c, true
		}
	}
	return CodePage{}, false
}
