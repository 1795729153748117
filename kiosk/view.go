package kiosk

import (
	"time"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/printer"
)

// This file is the contract between the core and the UI (kiosk/ui): the core
// publishes a View after every change and the UI renders it; the UI sends
// Input values back. The UI holds no business logic, so everything it shows is
// in the View, and every text is either a catalog message id (for i18n) or a
// text that came from the library system (shown as is).

// Screen is what the patron should see now.
type Screen int

// The screens of the kiosk.
const (
	ScreenWelcome     Screen = iota // choose borrow, return, renew, account; language buttons
	ScreenIdentify                  // scan a card or type its number
	ScreenPIN                       // masked PIN entry
	ScreenLoan                      // live list of items on the pad being lent
	ScreenReturn                    // live list of items being returned, with where each goes
	ScreenRenew                     // list of loans to tick, renew selected or all
	ScreenAccount                   // loans, holds ready, fees
	ScreenReceipt                   // print, show QR, or none
	ScreenGoodbye                   // thank you; the session is over
	ScreenOutOfOrder                // the kiosk cannot serve patrons now
	ScreenMaintLogin                // the technician's credential
	ScreenMaintenance               // maintenance mode: View.Maint says which page
)

var screenNames = [...]string{"welcome", "identify", "pin", "loan", "return", "renew", "account", "receipt", "goodbye", "out-of-order",
	"maint-login", "maintenance"}

func (s Screen) String() string {
	if int(s) < len(screenNames) && s >= 0 {
		return screenNames[s]
	}
	return "screen?"
}

// Mode is the kiosk-wide service level decided by the health registry.
type Mode int

// The service levels, from full service to none.
const (
	ModeNormal      Mode = iota
	ModeNoReceipt        // the printer cannot print: loans go on, receipts as QR only
	ModeReturnsOnly      // the library system or identification is unavailable: returns only
	ModeOutOfOrder       // nothing can be done safely
)

var modeNames = [...]string{"normal", "no-receipt", "returns-only", "out-of-order"}

func (m Mode) String() string {
	if int(m) < len(modeNames) && m >= 0 {
		return modeNames[m]
	}
	return "mode?"
}

// ItemState is the progress of one item on the loan, return or renew screen.
type ItemState int

// Item progress states.
const (
	ItemReading    ItemState = iota // on the pad, being read or waiting for the library system
	ItemIncomplete                  // a multi-part set with parts missing (MissingParts)
	ItemWorking                     // the library system or the tag write is in progress
	ItemDone                        // lent (Due set), returned (Destination set) or renewed (Due set)
	ItemRefused                     // refused: Reason says why
	ItemSeeStaff                    // the outcome needs staff: Reason says why
)

var itemStateNames = [...]string{"reading", "incomplete", "working", "done", "refused", "see-staff"}

func (s ItemState) String() string {
	if int(s) < len(itemStateNames) && s >= 0 {
		return itemStateNames[s]
	}
	return "item?"
}

// Text is something to show: a catalog message id with template data, or,
// when ID is empty, a raw text from the library system shown as it is.
// Lib, when set, is the library's own configured words for it, which win
// over the catalog's; template data may hold i18n.Texts (a sort bin's
// name), which are put in the session's language. Text.In renders it.
type Text struct {
	ID   string         // catalog message id, e.g. "refusal.too_many_loans"
	Data map[string]any // template data for ID
	Raw  string         // the library system's own words, used when ID is empty or as a fallback
	Lib  i18n.Texts     // the library's configured words, by language (returns.hold_shelf …)
}

// ItemView is one item as the patron sees it.
type ItemView struct {
	ItemID       string
	Title        string // from the library system; empty until known
	State        ItemState
	Due          time.Time // for lent and renewed items
	Reason       Text      // for refused and see-staff items
	Parts        int       // parts in the set (1 for a single item)
	MissingParts []int     // part numbers not on the pad
	Destination  Text      // for returns: where the item goes (shelf, hold shelf, staff, sort bin)
	Selected     bool      // for the renew screen: ticked by the patron
	Overdue      bool      // for the account and renew screens
	// Renewed is set on the renew screen for a loan renewed in this session.
	Renewed bool
	// CannotRenew says, before the patron tries, why a loan cannot be
	// renewed (known from the patron status); empty when it may be.
	CannotRenew Text
	// KeepSecured is set for a lent item the library system told the kiosk
	// not to unsecure (reference copies): the patron may need staff at the gate.
	KeepSecured bool
}

// HoldView is a hold ready for pickup.
type HoldView struct {
	Title    string
	PickupAt string    // pickup place from the library system
	LastDay  time.Time // last day to collect it; zero when unknown
}

// View is everything the UI shows. It never carries a whole CPR number or a
// PIN: only how many PIN digits were typed, and a typed card number with a
// CPR's last four masked (Card).
type View struct {
	Screen     Screen
	Mode       Mode
	ModeReason Text
	Lang       string // session language, "da" by default
	LargeText  bool   // the larger-text toggle of this session
	Busy       bool   // waiting for the library system: show progress
	Greeting   string // the patron's first name, or empty when configured off
	PINDigits  int    // how many PIN digits were typed (rendered as ****)
	PINLength  int    // how many digits a PIN has
	Typed      int    // how many card-number characters were typed on the keypad
	Message    Text   // an error or hint for the current screen (wrong PIN, card blocked …)
	Items      []ItemView
	Loans      []ItemView // account and renew screens
	Holds      []HoldView
	FeeTotal   int64  // in minor units (øre)
	Currency   string // "DKK"
	PayWhere   Text   // where fees can be paid, from configuration
	Blocked    Text   // why loans are refused for this patron (empty ID and Raw when not blocked)
	// Card is the typed card number as the identify screen shows it
	// (CardShown: grouped, a CPR's last four masked), so the patron can
	// check it; empty on every other screen.
	Card []byte
	// IdleWarning is set when the session is about to end for inactivity;
	// IdleLeft counts down.
	IdleWarning bool
	IdleLeft    time.Duration
	// ReceiptQR is the receipt as text for an on-screen QR code, when the
	// patron chose it; ReceiptChoices lists what the policy allows
	// ("print", "qr", "none").
	ReceiptQR      string
	ReceiptChoices []string
	// ReceiptCodes are the QR codes the receipt screen shows when the
	// printer lays them out (ScreenCoder): a calendar per due date, or a
	// short summary of a return. Empty means one code of ReceiptQR.
	ReceiptCodes []ReceiptCode
	// Paper is the printer's paper state for the banner ("ok", "near-end", "out", "offline").
	Paper string
	// InSession is set while a patron is logged in, so the welcome screen
	// works as the session's menu (with Finish) rather than the idle start.
	InSession bool
	// State is the core's state name (kiosk.State.String()), for logs and
	// screenshots; the UI decides by Screen.
	State string
	// Maint is set on the maintenance screens only.
	Maint *MaintView
}

// MaintView is what the technician sees. It carries nothing of a patron:
// facts about the kiosk, item ids and times, redacted log lines.
type MaintView struct {
	Page     string // PageStatus …
	Tech     string // the technician's name
	Typed    int    // credential characters typed (shown as dots)
	Checking bool   // the credential is being checked
	Locked   bool   // the credential screen refuses tries
	Message  Text   // on the credential screen
	Result   Text   // the outcome of the last action
	Busy     string // the action in flight
	Lines    []StatusLine
	// OutOfOrder is the preset in force ("" for none); Presets are the
	// choices.
	OutOfOrder string
	Presets    []string
	Queue      []QueueRow
	Journal    []QueueRow
	Log        []string
	Warning    bool // the idle exit is near
	IdleLeft   time.Duration
	Demo       bool // restart and reboot only say what they would do
	// Tags are the tags on the pad for the tag inspector; Selected is the
	// chosen tag's UID ("" for none, or when it left the pad); Confirm is
	// the AFI write waiting for a yes.
	Tags     []InspectTag
	Selected string
	Confirm  *AFIRequest
	// ScanKind is the scanner test's last result: a ScanKind constant, ""
	// before a scan. Never the number.
	ScanKind string
}

// Input is what the UI sends to the core. Each is a small value type; the
// UI never decides anything itself.
type Input interface{ isInput() }

// The UI inputs.
type (
	InChoose       struct{ Screen Screen } // a welcome-screen button: loan, return, renew or account
	InLanguage     struct{ Lang string }   // a language button
	InLargeText    struct{ On bool }       // the larger-text toggle
	InKey          struct{ Key rune }      // a keypad key: '0'..'9' (and letters for card numbers)
	InClear        struct{}                // clear what was typed
	InBackspace    struct{}                // remove the last typed character
	InSubmit       struct{}                // OK on the identify or PIN keypad
	InBack         struct{}                // Back
	InFinish       struct{}                // Finish: end the session
	InToggleRenew  struct{ ItemID string } // tick or untick a loan on the renew screen
	InRenewChosen  struct{}                // renew the ticked loans
	InRenewAll     struct{}                // renew all loans
	InReceipt      struct{ Choice string } // "print", "qr" or "none"
	InActivity     struct{}                // any touch: resets the idle timer
	InStillHere    struct{}                // "I am still here" on the idle warning
	InKeyboardScan struct{ Text []byte }   // a scan told apart from typing by the keystroke wedge; the core zeroes Text
)

func (InChoose) isInput()       {}
func (InLanguage) isInput()     {}
func (InLargeText) isInput()    {}
func (InKey) isInput()          {}
func (InClear) isInput()        {}
func (InBackspace) isInput()    {}
func (InSubmit) isInput()       {}
func (InBack) isInput()         {}
func (InFinish) isInput()       {}
func (InToggleRenew) isInput()  {}
func (InRenewChosen) isInput()  {}
func (InRenewAll) isInput()     {}
func (InReceipt) isInput()      {}
func (InActivity) isInput()     {}
func (InStillHere) isInput()    {}
func (InKeyboardScan) isInput() {}

// InMaintEnter and the other maintenance inputs are in maint.go.

// UI is how the core reaches the screen: it calls Render with every new
// View. Implementations must not block (the Fyne UI hands the view to fyne.Do).
type UI interface {
	Render(View)
}

// ReceiptCode is one on-screen QR code of a receipt: the calendar of the
// items due on Due, or (Due zero) a plain-text summary.
type ReceiptCode = printer.ScreenCode
