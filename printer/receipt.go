// Package printer lays out library receipts, encodes them as ESC/POS, talks to
// a USB receipt printer through usbio, and holds print jobs per patron session
// so that nothing prints for the next patron.
//
// A receipt is built from a Receipt value, which by design has no field for a
// CPR number, a card number, a PIN, an address or a birth date: the only
// patron datum is an optional first name, printed only when configured.
package printer

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"strings"
	"time"

	"github.com/danbib/kiosk/printer/escpos"
)

// Kind is the type of receipt.
type Kind int

// Receipt kinds.
const (
	KindLoan Kind = iota
	KindReturn
	KindRenewal
	KindAccount
)

func (k Kind) String() string {
	switch k {
	case KindLoan:
		return "loan"
	case KindReturn:
		return "return"
	case KindRenewal:
		return "renewal"
	case KindAccount:
		return "account"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Item is one material on a receipt.
type Item struct {
	Title  string
	ItemID string    // the item's barcode number, never the patron's
	Due    time.Time // due date; zero for returns
	// Refused marks an item the library system did not lend, return or
	// renew; Note then says why.
	Refused bool
	// Overdue marks a loan past its due date on an account receipt.
	Overdue bool
	// Note is a status or refusal text from the library system (SIP2 AF),
	// printed as given after CPR-like numbers have been masked.
	Note string
}

// Hold is a reservation ready for pickup.
type Hold struct {
	Title    string
	Location string    // pickup branch or shelf; may be empty
	LastDay  time.Time // last pickup day; zero when unknown
}

// Receipt is everything a receipt may show. It deliberately has no place for
// a CPR number, card number, PIN, address or birth date.
type Receipt struct {
	Kind    Kind
	Library string // library name, e.g. "Københavns Biblioteker"
	Branch  string // branch, e.g. "Hovedbiblioteket"
	Time    time.Time
	Items   []Item
	Holds   []Hold
	// FeeTotal is the patron's outstanding fees in minor units (øre); 0
	// prints no fee line except on account receipts.
	FeeTotal int64
	Currency string // ISO 4217; "" means DKK
	// PatronName is only printed when Options.PrintPatronName is set, and
	// then only its first word.
	PatronName string
	// Footer overrides Options.Footer for this receipt when not empty.
	Footer string
	// Reference is the transaction reference printed as text and as a
	// CODE128 or QR code.
	Reference string
}

// Localizer is the part of *i18n.Localizer that receipts use, so that this
// package depends on no session state.
type Localizer interface {
	T(id string, data ...map[string]any) string
	N(id string, count int, data ...map[string]any) string
	Date(t time.Time) string
	DateTime(t time.Time) string
	Money(minor int64, currency string) string
	Lang() string
}

// Code is the machine-readable form of the transaction reference.
type Code string

// Reference code choices.
const (
	CodeNone    Code = "none"
	CodeCode128 Code = "code128"
	CodeQR      Code = "qr"
)

// Options are the receipt knobs the lead maps from the TOML config.
type Options struct {
	// Columns is the line width in font A characters: 32 (58 mm, 384
	// dots), 42 (512 dots, TM-T88 class) or 48 (80 mm, 576 dots).
	// Default 48.
	Columns int
	// PrintPatronName prints "Hello <first name>". Default false.
	PrintPatronName bool
	// Code is how the transaction reference is printed. Default code128.
	Code Code
	// Logo is printed centred at the top when not nil; LoadLogo reads a
	// PNG. Default none.
	Logo image.Image
	// Footer is printed centred at the bottom (opening hours, a web
	// address). Default "".
	Footer string
	// FeedBeforeCut is the n of GS V 66 n (feed to the cutter plus n).
	// Default 3.
	FeedBeforeCut int
	// FullCut uses a full cut instead of a partial one. Default false.
	FullCut bool
	// Encoder holds the code pages the printer supports. Default
	// escpos.DefaultOptions().
	Encoder escpos.Options
}

// DefaultOptions returns the defaults documented on Options.
func DefaultOptions() Options {
	return Options{
		Columns:       48,
		Code:          CodeCode128,
		FeedBeforeCut: 3,
		Encoder:       escpos.DefaultOptions(),
	}
}

// Dots returns the printable width in dots for the configured columns.
func (o Options) Dots() int { return DotsForColumns(o.Columns) }

// DotsForColumns maps 32, 42 and 48 columns to 384, 512 and 576 dots.
func DotsForColumns(cols int) int {
	switch cols {
	case 32:
		return 384
	case 42:
		return 512
	}
	return 576
}

// withDefaults fills zero knobs (Columns, Code, Encoder code pages) with
// their defaults, so that a hand-built Options works like DefaultOptions.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Columns == 0 {
		o.Columns = d.Columns
	}
	if o.Code == "" {
		o.Code = d.Code
	}
	if len(o.Encoder.CodePages) == 0 {
		o.Encoder.CodePages = d.Encoder.CodePages
	}
	return o
}

func (o Options) validate() error {
	switch o.Columns {
	case 32, 42, 48:
	default:
		return fmt.Errorf("printer: Columns %d: use 32, 42 or 48", o.Columns)
	}
	switch o.Code {
	case CodeNone, CodeCode128, CodeQR, "":
	default:
		return fmt.Errorf("printer: Code %q: use none, code128 or qr", o.Code)
	}
	if o.FeedBeforeCut < 0 || o.FeedBeforeCut > 255 {
		return fmt.Errorf("printer: FeedBeforeCut %d out of range", o.FeedBeforeCut)
	}
	return nil
}

// LoadLogo reads a PNG logo for Options.Logo.
func LoadLogo(path string) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("printer: logo: %w", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("printer: logo %s: %w", path, err)
	}
	return img, nil
}

// firstName returns the first word of a name: "Anna Marie Jensen" → "Anna".
func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
