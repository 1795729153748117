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
// Epson ESC/POS command reference and the escpos-printer-db profiles): every
// page of that list golang.org/x/text has a table for, so that streams from
// other encoders decode as they print.
var (
	PC437      = CodePage{0, "PC437", charmap.CodePage437}
	PC850      = CodePage{2, "PC850", charmap.CodePage850}
	PC860      = CodePage{3, "PC860", charmap.CodePage860}
	PC863      = CodePage{4, "PC863", charmap.CodePage863}
	PC865      = CodePage{5, "PC865", charmap.CodePage865}
	ISO8859_7  = CodePage{15, "ISO8859-7", charmap.ISO8859_7}
	WPC1252    = CodePage{16, "WPC1252", charmap.Windows1252}
	PC866      = CodePage{17, "PC866", charmap.CodePage866}
	PC852      = CodePage{18, "PC852", charmap.CodePage852}
	PC858      = CodePage{19, "PC858", charmap.CodePage858}
	PC855      = CodePage{34, "PC855", charmap.CodePage855}
	PC862      = CodePage{36, "PC862", charmap.CodePage862}
	ISO8859_2  = CodePage{39, "ISO8859-2", charmap.ISO8859_2}
	ISO8859_15 = CodePage{40, "ISO8859-15", charmap.ISO8859_15}
	WPC1250    = CodePage{45, "WPC1250", charmap.Windows1250}
	WPC1251    = CodePage{46, "WPC1251", charmap.Windows1251}
	WPC1253    = CodePage{47, "WPC1253", charmap.Windows1253}
	WPC1254    = CodePage{48, "WPC1254", charmap.Windows1254}
	WPC1255    = CodePage{49, "WPC1255", charmap.Windows1255}
	WPC1256    = CodePage{50, "WPC1256", charmap.Windows1256}
	WPC1257    = CodePage{51, "WPC1257", charmap.Windows1257}
	WPC1258    = CodePage{52, "WPC1258", charmap.Windows1258}
)

var codePages = []CodePage{PC437, PC850, PC860, PC863, PC865, ISO8859_7, WPC1252, PC866, PC852, PC858,
	PC855, PC862, ISO8859_2, ISO8859_15, WPC1250, WPC1251, WPC1253, WPC1254, WPC1255, WPC1256, WPC1257, WPC1258}

// CodePageByNumber returns the page selected by ESC t n. Numbers without a
// table (PC857 = 13, PC737 = 14, the Thai and Kanji pages …) report false;
// the decoder then shows bytes above 0x7F as U+FFFD rather than guess a
// letter from another page.
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
