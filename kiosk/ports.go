package kiosk

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// This file holds the small interfaces (ports) through which the core reaches
// the outside world, and the domain types that cross them. The core never
// imports the sip2, rfid or printer packages: adapters (sip2adapter.go,
// rfidadapter.go, printeradapter.go) translate, so the core can be tested with
// in-package fakes and the drivers can change without touching it.

// Errors a LibrarySystem returns. Adapters wrap their own errors so that
// errors.Is finds these.
var (
	// ErrOutcomeUnknown means a request may or may not have been executed by
	// the library system (the reply was lost after sending). The core settles
	// such an outcome with Item Information before doing anything else.
	ErrOutcomeUnknown = errors.New("kiosk: outcome unknown")
	// ErrOffline means the library system could not be reached at all: the
	// request was certainly not executed.
	ErrOffline = errors.New("kiosk: library system offline")
)

// Patron is the identity a patron-bound request carries. The slices are
// copies owned by the request; the runner zeroes them when the call returns,
// so an adapter must not keep them.
type Patron struct {
	ID  []byte // CPR or library-card number (SIP2 AA)
	PIN []byte // SIP2 AD; never empty when sent
}

// clonePatron copies the identity so that a request owns its own buffers.
func clonePatron(p Patron) Patron {
	return Patron{ID: append([]byte(nil), p.ID...), PIN: append([]byte(nil), p.PIN...)}
}

// wipe overwrites the identity's buffers with zeros.
func (p *Patron) wipe() {
	zero(p.ID)
	zero(p.PIN)
	p.ID, p.PIN = nil, nil
}

// wipingOff is set only by the memory test's control run
// (memwipe_linux_test.go), together with sip2.SetWiping(false), to show that
// the test finds a patron in memory when nothing is wiped.
var wipingOff atomic.Bool

// zero overwrites b with zeros: the garbage collector frees memory without
// clearing it.
func zero(b []byte) {
	if !wipingOff.Load() {
		clear(b)
	}
}

// Blocks are the patron-status flags that refuse loans (SIP2 patron status,
// 14 positions). Returns and the account view stay allowed.
type Blocks struct {
	ChargeDenied     bool // 0 charge privileges denied
	RenewalDenied    bool // 1
	CardLost         bool // 4 card reported lost
	TooManyCharged   bool // 5
	TooManyOverdue   bool // 6
	TooManyRenewals  bool // 7
	TooManyClaims    bool // 8 too many claims returned
	TooManyLost      bool // 9
	ExcessiveFines   bool // 10
	ExcessiveFees    bool // 11
	RecallOverdue    bool // 12
	TooManyBilled    bool // 13
	HoldDenied       bool // 3 (informational: the kiosk places no holds)
	RecallDenied     bool // 2 (informational)
	ScreenMessageRaw string
}

// PatronStatus is the answer to a login check (SIP2 23 or 63).
type PatronStatus struct {
	// ValidPatron and ValidPIN are the raw BL and CQ values: "Y", "N" or ""
	// when the field was missing. Only both "Y" is a valid login.
	ValidPatron string
	ValidPIN    string
	Name        []byte // AE, held only for the greeting and wiped at session end
	Blocks      Blocks
	Messages    []string // AF screen messages
}

// Loan is one item charged to the patron (AU/AT from 63).
type Loan struct {
	ItemID  string
	Title   string
	Due     time.Time
	Overdue bool
}

// Hold is a hold ready for pickup (AS from 63).
type Hold struct {
	Title    string
	PickupAt string
	LastDay  time.Time
}

// Account is the patron's account from SIP2 63.
type Account struct {
	Status   PatronStatus
	Loans    []Loan
	Holds    []Hold
	FeeTotal int64 // minor units
	Currency string
}

// CheckoutRequest is one loan (SIP2 11).
type CheckoutRequest struct {
	Patron   Patron
	ItemID   string
	Renew    bool // SC renewal policy: allow renewing an item already lent to this patron
	Cancel   bool // BI=Y: cancel a failed check-in
	NoBlock  bool
	ReturnAt time.Time
}

// CheckoutResult is the answer to a checkout (SIP2 12) or a renewal (30).
type CheckoutResult struct {
	OK              bool
	RenewalOK       bool   // the item was already lent to this patron: this was a renewal
	Desensitize     string // "Y", "N" or "U"
	SecurityInhibit bool   // CI=Y: keep the tag secured
	Title           string
	Due             time.Time
	Messages        []string // AF
}

// CheckinRequest is one return (SIP2 09).
type CheckinRequest struct {
	ItemID     string
	OwnerISIL  string // the owner from the tag, for the adapter and logs: 09 has no field for it, the ACS knows the owner
	Cancel     bool   // BI=Y: cancel a checkout whose tag could not be unsecured
	NoBlock    bool   // an offline return being forwarded
	ReturnDate time.Time
}

// CheckinResult is the answer to a return (SIP2 10).
type CheckinResult struct {
	OK          bool
	Resensitize string // "Y", "N" or "U"
	Alert       bool
	AlertType   string // CV: 01 hold here, 02 hold elsewhere, 03 ILL hold, 04 transit
	SortBin     string // CL
	Destination string // CT
	Title       string
	Messages    []string // AF, e.g. FBS "Reserveret", "Sendes til …"
}

// ItemStatus is the answer to Item Information (SIP2 17/18), used to settle
// unknown outcomes.
type ItemStatus struct {
	Circulation string // two digits: 03 available, 04 charged, 08 on hold shelf, 10 in transit …
	Due         time.Time
	Title       string
	// HoldQueue is the number of holds on the item (CF), -1 when the
	// library system did not say.
	HoldQueue int
}

// Charged reports whether the item is lent out according to the status.
func (s ItemStatus) Charged() bool {
	return s.Circulation == "04" || s.Circulation == "05" || s.Circulation == "07"
}

// ACSStatus is what the library system said about itself (SIP2 98).
type ACSStatus struct {
	Online     bool
	CheckinOK  bool
	CheckoutOK bool
	OfflineOK  bool
	RenewalOK  bool // the ACS renewal policy flag
	// Timeout is the 98's timeout period, 0 when unknown (999).
	Timeout time.Duration
	// Time is the 98's date/time sync, zero when the ACS sent zeros.
	Time time.Time
}

// RenewAllResult lists the outcome of Renew All (SIP2 66).
type RenewAllResult struct {
	Renewed []string
	// Due holds the new due date of each renewed item whose entry carried
	// one (FBS's "id%due%title%…"); ACSes that list bare item ids leave it
	// empty, and the account then has to be asked.
	Due       map[string]time.Time
	Unrenewed []RenewRefusal
}

// RenewRefusal is one item Renew All could not renew, with the ACS's reason.
type RenewRefusal struct {
	ItemID string
	Reason string
}

// LibrarySystem is the library system (ACS) as the core needs it. Every call
// honours ctx. A lost reply after sending returns an error wrapping
// ErrOutcomeUnknown; an unreachable system returns one wrapping ErrOffline.
type LibrarySystem interface {
	PatronStatus(ctx context.Context, p Patron) (PatronStatus, error)
	Account(ctx context.Context, p Patron) (Account, error)
	Checkout(ctx context.Context, r CheckoutRequest) (CheckoutResult, error)
	Checkin(ctx context.Context, r CheckinRequest) (CheckinResult, error)
	Renew(ctx context.Context, p Patron, itemID string) (CheckoutResult, error)
	RenewAll(ctx context.Context, p Patron) (RenewAllResult, error)
	ItemInfo(ctx context.Context, itemID string) (ItemStatus, error)
	EndSession(ctx context.Context, p Patron) error
	BlockPatron(ctx context.Context, p Patron, message string) error
	// Status asks the library system about itself (SIP2 99/98); paperOut
	// reports the kiosk's printer out of paper (99 status code 1).
	Status(ctx context.Context, paperOut bool) (ACSStatus, error)
}

// PadItem is one item on the RFID pad as the pad watcher grouped it.
type PadItem struct {
	ItemID    string
	OwnerISIL string   // the owner library from the tag, e.g. "DK-775100"
	Parts     int      // parts in the set (1 for a single item)
	Present   []int    // part numbers seen on the pad (1-based)
	Tags      []string // the tags' UIDs (hex), for writing the security state
	Secured   bool     // the tags' security state as read (all parts)
	// Details are the tags' own fields as read, one per tag in Tags'
	// order, for maintenance mode's tag inspector.
	Details []PadTag
}

// PadTag is one tag of a pad item as the tag inspector shows it: the
// tag's fields of the Danish data model and its security state. A library
// tag holds nothing of a patron.
type PadTag struct {
	UID     string
	Part    int
	AFI     byte
	Secured bool   // AFI is the configured secured value
	Usage   int    // the data model's type of usage (0–9)
	Version int    // the content parameter version, 1 today
	CRC     uint16 // as stored on the tag
	CRCOK   bool   // false only when the configuration accepts bad CRCs
	Flags   string // what the decoder had to accept, "" for nothing
}

// Complete reports whether every part of the set is on the pad.
func (p PadItem) Complete() bool { return len(p.Missing()) == 0 }

// Missing lists the part numbers not on the pad.
func (p PadItem) Missing() []int {
	parts := p.Parts
	if parts < 1 {
		parts = 1
	}
	seen := map[int]bool{}
	for _, n := range p.Present {
		seen[n] = true
	}
	if parts == 1 && len(p.Present) == 0 {
		return nil
	}
	var out []int
	for i := 1; i <= parts; i++ {
		if !seen[i] {
			out = append(out, i)
		}
	}
	return out
}

// TagWriter sets the security state of every tag of an item (AFI 0x07 for
// secured, 0xC2 for lent) and verifies it by reading it back. It returns an
// error when any part could not be written or verified.
type TagWriter interface {
	SetSecured(ctx context.Context, item PadItem, secured bool) error
}

// ReceiptLine is one item on a receipt: titles and due dates only, never
// anything about the patron.
type ReceiptLine struct {
	ItemID string
	Title  string
	Due    time.Time // zero for returns
	Kind   string    // "loan", "renewal", "return"
}

// ReceiptHold is a hold ready for pickup, printed below the items so the
// patron who came to borrow learns that something waits on the shelf.
type ReceiptHold struct {
	Title    string
	PickupAt string
	LastDay  time.Time
}

// Receipt is what the patron chose to print.
type Receipt struct {
	Lang  string
	At    time.Time
	Lines []ReceiptLine
	Holds []ReceiptHold
	// FeeTotal is the outstanding fees in minor units (øre), 0 for none.
	FeeTotal int64
	Currency string
	// PatronName is the first name, set only when the library configured
	// names on receipts.
	PatronName string
}

// ScreenTexter is optionally implemented by a ReceiptPrinter to lay the
// receipt out as text for the on-screen QR code; without it the core's
// plain list is used.
type ScreenTexter interface {
	ScreenText(r Receipt) string
}

// ScreenCoder is optionally implemented by a ReceiptPrinter to lay the
// receipt out as the on-screen QR codes (View.ReceiptCodes): calendars of
// the due dates for loans and renewals, a summary for returns.
type ScreenCoder interface {
	ScreenCodes(r Receipt) []ReceiptCode
}

// ReceiptPrinter prints receipts. Print is cancelled through ctx when the
// session ends, so a pending job never prints for the next patron.
type ReceiptPrinter interface {
	Print(ctx context.Context, r Receipt) error
}

// Paper states reported by printers (View.Paper).
const (
	PaperOK      = "ok"
	PaperNearEnd = "near-end"
	PaperOut     = "out"
	PaperOffline = "offline"
)

// PrinterCoverOpen is the PrinterStateReporter's word for an open cover.
const PrinterCoverOpen = "cover-open"

// PrinterStateReporter is optionally implemented by a ReceiptPrinter: the
// printer's state in one word ("ready", "paper-near-end", "paper-out",
// "cover-open", "offline", "error", "disconnected"), which tells an open
// cover apart from the paper states, for the status screen.
type PrinterStateReporter interface {
	PrinterState(ctx context.Context) (string, error)
}

// PrinterStatus is optionally implemented by a ReceiptPrinter to report its
// paper state to the health registry.
type PrinterStatus interface {
	Paper(ctx context.Context) (string, error)
}

// Clock is the time source of the runner. Tests inject a fake.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d and returns a function
	// that stops the timer.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// IdentifyFunc checks a scanned or typed patron identifier and returns it
// normalised (for example a CPR without its dash). A rejection returns an
// error; a *Rejection error carries the message id to show.
// text stays the caller's (the core zeroes it); the result is a new slice.
type IdentifyFunc func(text []byte) ([]byte, error)

// Rejection is an identification refusal with a catalog message id.
type Rejection struct{ ID string }

func (r *Rejection) Error() string { return "kiosk: identifier rejected: " + r.ID }
