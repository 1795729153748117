package kiosk

import (
	"errors"
	"maps"
	"time"
)

// State is where the kiosk is in its conversation with a patron. The pure
// transition function Step moves between states; the runner (Kiosk) performs
// the effects Step asks for.
type State int

// The states of the kiosk.
const (
	StateStarting       State = iota // settling the in-flight journal before the first patron
	StateWelcome                     // idle, or the menu of a logged-in session
	StateIdentify                    // waiting for a card scan or a typed card number
	StatePIN                         // masked PIN entry
	StateAuthenticating              // waiting for the library system to check the PIN
	StateLoan                        // items on the pad are lent
	StateReturn                      // items on the pad are returned (no login needed)
	StateRenew                       // the patron's loans, to renew
	StateAccount                     // loans, holds ready, fees
	StateReceipt                     // print, QR or none
	StatePrinting                    // the receipt is printing
	StateGoodbye                     // the session is over
	StateOutOfOrder                  // the health registry says no service
	StateMaintLogin                  // a technician types the maintenance credential
	StateMaintCheck                  // the credential is being checked against the PIN file
	StateMaintenance                 // a technician is in maintenance mode
	numStates
)

var stateNames = [...]string{"starting", "welcome", "identify", "pin", "authenticating", "loan", "return",
	"renew", "account", "receipt", "printing", "goodbye", "out-of-order", "maint-login", "maint-check", "maintenance"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state?"
}

// States lists every state in order, for the transition table.
func States() []State {
	out := make([]State, numStates)
	for i := range out {
		out[i] = State(i)
	}
	return out
}

// inSession reports whether a patron is being served in state s, so the idle
// timer runs.
func (s State) inSession() bool {
	switch s {
	case StateIdentify, StatePIN, StateAuthenticating, StateLoan, StateReturn, StateRenew, StateAccount, StateReceipt:
		return true
	}
	return false
}

// flow says which operation an item on the pad is undergoing.
type flow int

const (
	flowLoan flow = iota
	flowReturn
)

// phase is an item's progress, finer than the ItemState the UI sees.
type phase int

const (
	phaseIncomplete phase = iota // parts missing
	phaseCheckout                // 11 in flight
	phaseSettle                  // 17 in flight after an unknown outcome
	phaseSecure                  // AFI write in flight
	phaseCancel                  // 09 BI=Y in flight after a failed unsecure
	phaseCheckin                 // 09 in flight
	phaseQueue                   // being written to the offline queue
	phaseDone
	phaseRefused
	phaseStaff
)

func (p phase) terminal() bool { return p >= phaseDone }

// item is the core's record of one item in this session.
type item struct {
	Pad        PadItem
	Flow       flow
	Phase      phase
	OnPad      bool
	Attempts   int // library-system attempts (checkout or checkin)
	TagTries   int
	Confirmed  bool // the library system confirmed the loan (or return)
	Unsecured  bool
	KeepSecure bool // desensitize=N or CI=Y
	Renewed    bool
	Title      string
	Due        time.Time
	Reason     Text
	Dest       Text
	Offline    bool // accepted into the offline queue
	// Reconcile marks a refused return whose tag reads as lent: Item
	// Information decides whether the tag must be secured after all.
	Reconcile bool
	// TitleAsked marks an incomplete set whose title was asked of the
	// library system (17), so that the patron sees which set lacks parts
	// rather than its number, and it is asked once.
	TitleAsked bool
}

// loan is one of the patron's loans on the renew and account screens.
type loan struct {
	Loan
	Selected bool
	Renewing bool
	Checking bool // a lost renew reply is being checked with 17
	Renewed  bool
	Reason   Text
	// HoldAsked marks a loan whose hold queue was asked of the library
	// system (17) for the renew screen, so that it is asked once a session.
	HoldAsked bool
	// Reserved is set when Item Information named a hold queue: the loan
	// is reserved for another patron and cannot be renewed.
	Reserved bool
}

// Health is the registry of what the kiosk depends on. Zero value: nothing
// known yet; NewModel starts with everything assumed present.
type Health struct {
	ACSOnline  bool
	CheckoutOK bool
	CheckinOK  bool
	OfflineOK  bool // the ACS's 98 allowed store-and-forward
	Reader     bool
	Paper      string // PaperOK, PaperNearEnd, PaperOut, PaperOffline
	ClockSet   bool
	// ClockUnsynced is set while time synchronisation is known not to
	// have set the clock ("clock not synchronised" in the health).
	ClockUnsynced bool
	Recovering    bool // open journal entries not settled yet
	QueueLen      int
	QueueFull     bool
	PrinterNone   bool // no printer configured
}

// Secrets holds everything the patron typed or the library system said about
// them that must never outlive the session. It is shared, not copied, between
// successive models so that there is exactly one place to wipe.
type Secrets struct {
	Typed []byte // card number typed on the keypad
	ID    []byte // the patron's CPR or card number
	PIN   []byte
	Name  []byte
	// Greeting is the first name the greeting shows, made once per login
	// rather than for every view: the screen takes a string, which cannot
	// be zeroed, only dropped (see firstName).
	Greeting string
	Next     []byte // a card scanned during a session, served after it ends
	// Cred is the maintenance credential being typed by a technician. It
	// is no patron's, but it is a secret all the same.
	Cred []byte
}

// Wipe zeroes and drops every buffer except Next.
func (s *Secrets) Wipe() {
	for _, b := range [][]byte{s.Typed, s.ID, s.PIN, s.Name, s.Cred} {
		zero(b)
	}
	s.Typed, s.ID, s.PIN, s.Name, s.Cred = nil, nil, nil, nil, nil
	s.Greeting = ""
}

// Empty reports whether every buffer is gone (Next included).
func (s *Secrets) Empty() bool {
	return len(s.Typed) == 0 && len(s.ID) == 0 && len(s.PIN) == 0 && len(s.Name) == 0 && len(s.Next) == 0 && len(s.Cred) == 0 &&
		s.Greeting == ""
}

// appendSecret appends c to buf without leaving a copy behind when the
// buffer grows.
func appendSecret(buf []byte, c byte) []byte {
	if len(buf) < cap(buf) {
		return append(buf, c)
	}
	n := make([]byte, len(buf), 2*cap(buf)+16)
	copy(n, buf)
	zero(buf)
	return append(n, c)
}

// takeSecret returns a fresh copy of b and zeroes b.
func takeSecret(b []byte) []byte {
	out := append(make([]byte, 0, 32), b...)
	zero(b)
	return out
}

// Model is the whole state of the core: Step's input and output. Time comes
// in through Now, which the runner sets before each Step, so Step reads no
// clock and does no I/O. Two members are shared pointers rather than values:
// Sec (so secrets are never copied) and Throttle (kiosk-wide, survives
// sessions).
type Model struct {
	State State
	Now   time.Time
	Opts  *Options
	// Identify checks scanned or typed identifiers; nil uses a minimal check.
	Identify IdentifyFunc

	Health     Health
	Mode       Mode
	ModeReason Text

	Session   int // session number, raised at every session end
	Lang      string
	LargeText bool
	Intent    Screen // where to go after login
	LoggedIn  bool
	Sec       *Secrets
	Throttle  *Throttle
	Blocked   Text
	Message   Text
	Busy      int // patron-level calls in flight (login, account, renew all)
	Pad       map[string]PadItem
	// PadUnreadable are the tags on the pad that cannot be read, by UID,
	// with why: for maintenance mode's tag inspector.
	PadUnreadable map[string]string
	// NoRenew says why none of the patron's loans can be renewed (the
	// patron status's renewal denied or too many renewals), so the renew
	// screen marks them before the patron ticks one.
	NoRenew Text
	// HoldAsk is the loan whose hold queue is being asked (17), empty when
	// none is: the renew screen asks one loan at a time, so a patron with
	// many loans does not flood the library system and the screen stays
	// usable while the answers arrive.
	HoldAsk string
	// Carried are the items a session that has ended worked on and that
	// were still on the pad when it ended. The next session leaves them
	// alone until they have been lifted: otherwise a patron who taps Done
	// and then lifts the books would have them returned (their loan ended)
	// by the next patron's Return, or the next patron's Borrow would lend
	// them another patron's returns.
	Carried    map[string]bool
	Items      []item
	Loans      []loan
	Holds      []Hold
	FeeTotal   int64
	Currency   string
	Forwarding bool // the offline queue is being forwarded
	Settling   bool // the crash journal is being settled

	// OutOfOrder is the preset a technician put the kiosk out of order
	// with ("" when not): it outranks every health reason.
	OutOfOrder string
	// Maint is the maintenance mode's state: the technician, the lockout,
	// the status facts.
	Maint Maint
	// Ctl is what control-socket callers wait for, and what they asked
	// for that waits for the patron's session to end.
	Ctl Ctl

	// Started is when the kiosk started: the nightly reboot is due only
	// for a kiosk that ran before the reboot time.
	Started time.Time
	// Closed is set outside opening hours (once no patron is served any
	// more); ScreenOff while the screen is switched off.
	Closed    bool
	ScreenOff bool
	// RebootDay is the date of the last nightly reboot asked for;
	// RebootWaiting says it waits for the kiosk to be free.
	RebootDay     string
	RebootWaiting bool
	// Update is what the update client waits for (update.go).
	Update UpdateWait

	LastActivity time.Time
	IdleWarning  bool
	Ending       string // why the session is ending, while waiting for calls in flight
	GoodbyeUntil time.Time
	ReceiptQR    string
	Receipt      []ReceiptLine // kept from the ended session until the patron chose
	// ReceiptHolds and ReceiptFee are the holds ready and the fee total,
	// kept with Receipt for the same time and for the same reason.
	ReceiptHolds []ReceiptHold
	ReceiptFee   int64
	ReceiptAt    time.Time // when the session ended: the receipt's time
	ReceiptName  string    // first name, only with Options.ReceiptName
}

// NewModel returns the starting model.
func NewModel(opts Options, identify IdentifyFunc, now time.Time) Model {
	o := opts
	m := Model{
		State:    StateStarting,
		Now:      now,
		Opts:     &o,
		Identify: identify,
		// Offline returns wait for a 98 that allows them: a library
		// system that is down from the start never said it would take
		// them later (reliability.md #1, #3).
		Health: Health{ACSOnline: true, CheckoutOK: true, CheckinOK: true, OfflineOK: false,
			Reader: true, Paper: PaperOK, ClockSet: true, Recovering: true},
		Lang:     o.startLang(),
		Sec:      &Secrets{},
		Throttle: NewThrottle(o),
		Pad:      map[string]PadItem{},
		Currency: o.Currency,
		Started:  now,
	}
	m.Mode, m.ModeReason = m.computeMode()
	return m
}

// clone copies the model so Step never changes its input (except the shared
// Sec and Throttle).
func (m Model) clone() Model {
	c := m
	c.Pad = make(map[string]PadItem, len(m.Pad))
	for k, v := range m.Pad {
		c.Pad[k] = v
	}
	c.PadUnreadable = maps.Clone(m.PadUnreadable)
	c.Carried = make(map[string]bool, len(m.Carried))
	for k, v := range m.Carried {
		c.Carried[k] = v
	}
	c.Items = append([]item(nil), m.Items...)
	c.Loans = append([]loan(nil), m.Loans...)
	c.Holds = append([]Hold(nil), m.Holds...)
	c.Receipt = append([]ReceiptLine(nil), m.Receipt...)
	c.ReceiptHolds = append([]ReceiptHold(nil), m.ReceiptHolds...)
	c.Maint.Log = append([]string(nil), m.Maint.Log...)
	c.Ctl.Waits = append([]ctlWait(nil), m.Ctl.Waits...)
	return c
}

// Event is something that happened: a patron input, a device event, or the
// result of an effect.
type Event interface{ eventName() string }

// The events.
type (
	// EvInput is a UI input.
	EvInput struct{ In Input }
	// EvScan is a card scan from the HID scanner (the text the scanner sent).
	EvScan struct{ Text []byte }
	// EvPadItem is an item on the pad: newly placed, or its parts changed.
	EvPadItem struct{ Item PadItem }
	// EvPadRemoved is an item lifted off the pad.
	EvPadRemoved struct{ ItemID string }
	// EvPadUnreadable is a tag on the pad that is not a readable library tag.
	// UID and Reason ("crc", "blank", "read") are set when the reader
	// said which tag and why (the tag inspector shows them).
	EvPadUnreadable struct{ UID, Reason string }
	// EvTick is the runner's heartbeat (idle timer, goodbye timer).
	EvTick struct{}
	// EvStarted says how many journal entries were open at start.
	EvStarted struct{ OpenEntries, QueueLen int }
	// EvJournalSettled says the open journal entries were settled, all but
	// Open of them (the library system could not be asked).
	EvJournalSettled struct{ Open int }
	// EvHealth is a new health reading.
	EvHealth struct{ Health Health }
	// EvAuth is the answer to the login check.
	EvAuth struct {
		Session int
		Status  PatronStatus
		Err     error
	}
	// EvAccount is the patron's account.
	EvAccount struct {
		Session    int
		Account    Account
		Err        error
		Background bool
	}
	// EvCheckout is the answer to a checkout.
	EvCheckout struct {
		ItemID string
		Result CheckoutResult
		Err    error
	}
	// EvSettled is the answer to Item Information after an unknown outcome.
	// OnAccount says the item is among the patron's loans (checked with 63).
	EvSettled struct {
		ItemID    string
		Status    ItemStatus
		OnAccount bool
		Err       error
	}
	// EvSecured is the result of a tag write with read-back.
	EvSecured struct {
		ItemID  string
		Secured bool
		Err     error
	}
	// EvCancelled is the result of cancelling a checkout (09 BI=Y).
	EvCancelled struct {
		ItemID string
		Err    error
	}
	// EvCheckin is the answer to a checkin.
	EvCheckin struct {
		ItemID string
		Result CheckinResult
		Err    error
	}
	// EvQueued is the result of writing an offline return to the queue.
	EvQueued struct {
		ItemID string
		Len    int
		Err    error
	}
	// EvQueueForwarded says the offline queue was forwarded (Len left).
	EvQueueForwarded struct{ Len int }
	// EvRenew is the answer to one renewal.
	EvRenew struct {
		Session int
		ItemID  string
		Result  CheckoutResult
		Err     error
	}
	// EvRenewChecked is Item Information after a lost renew reply.
	EvRenewChecked struct {
		Session int
		ItemID  string
		Status  ItemStatus
		Err     error
	}
	// EvItemTitle is Item Information's answer for an incomplete set's
	// title or for a loan's hold queue on the renew screen.
	EvItemTitle struct {
		Session int
		ItemID  string
		Title   string
		// HoldQueue is the hold queue length (CF), -1 when not sent.
		HoldQueue int
		Err       error
	}
	// EvRenewAll is the answer to Renew All.
	EvRenewAll struct {
		Session int
		Result  RenewAllResult
		Err     error
	}
	// EvPrinted says the receipt printed (or why not).
	EvPrinted struct {
		Session int
		Err     error
	}
)

func (EvInput) eventName() string          { return "input" }
func (EvScan) eventName() string           { return "scan" }
func (EvPadItem) eventName() string        { return "pad-item" }
func (EvPadRemoved) eventName() string     { return "pad-removed" }
func (EvPadUnreadable) eventName() string  { return "pad-unreadable" }
func (EvTick) eventName() string           { return "tick" }
func (EvStarted) eventName() string        { return "started" }
func (EvJournalSettled) eventName() string { return "journal-settled" }
func (EvHealth) eventName() string         { return "health" }
func (EvAuth) eventName() string           { return "auth-result" }
func (EvAccount) eventName() string        { return "account-result" }
func (EvCheckout) eventName() string       { return "checkout-result" }
func (EvSettled) eventName() string        { return "settled" }
func (EvSecured) eventName() string        { return "tag-written" }
func (EvCancelled) eventName() string      { return "cancelled" }
func (EvCheckin) eventName() string        { return "checkin-result" }
func (EvQueued) eventName() string         { return "queued" }
func (EvQueueForwarded) eventName() string { return "queue-forwarded" }
func (EvRenew) eventName() string          { return "renew-result" }
func (EvRenewChecked) eventName() string   { return "renew-checked" }
func (EvRenewAll) eventName() string       { return "renew-all-result" }
func (EvItemTitle) eventName() string      { return "item-title" }
func (EvPrinted) eventName() string        { return "printed" }

// Effect is work Step asks the runner to do. Effects that call the library
// system, the pad or the printer run concurrently and report back as events;
// the others run in order before the next event.
type Effect interface{ effectName() string }

// The effects.
type (
	// EffAuthenticate checks the patron with SIP2 23 (BL and CQ).
	EffAuthenticate struct {
		Session int
		Patron  Patron
	}
	// EffLoadAccount fetches the account with SIP2 63.
	EffLoadAccount struct {
		Session int
		Patron  Patron
		// Background loads happen behind the loan screen, only so the
		// receipt can list holds ready and fees: no progress, no error.
		Background bool
	}
	// EffCheckout lends an item (SIP2 11).
	EffCheckout struct {
		ItemID string
		Patron Patron
		Renew  bool
	}
	// EffSettle asks Item Information (17) about an item whose outcome is
	// unknown, and for loans also whether it is on the patron's account.
	EffSettle struct {
		ItemID string
		Patron Patron // empty for returns
	}
	// EffSecure writes the security state to every tag of the item and reads it back.
	EffSecure struct {
		Item    PadItem
		Secured bool
	}
	// EffCancelCheckout undoes a loan whose tag could not be unsecured (09 BI=Y).
	EffCancelCheckout struct{ ItemID string }
	// EffCheckin returns an item (SIP2 09).
	EffCheckin struct {
		ItemID    string
		OwnerISIL string
	}
	// EffQueueOffline stores an offline return in the queue.
	EffQueueOffline struct {
		ItemID    string
		OwnerISIL string
		At        time.Time
	}
	// EffForwardQueue sends the offline queue to the library system.
	EffForwardQueue struct{}
	// EffRenew renews one loan (SIP2 29).
	EffRenew struct {
		Session int
		ItemID  string
		Patron  Patron
	}
	// EffCheckRenew asks Item Information (17) whether a renewal whose
	// reply was lost went through: a second 29 could use up a renewal.
	EffCheckRenew struct {
		Session int
		ItemID  string
	}
	// EffItemTitle asks Item Information (17) for the title of a set whose
	// parts are not all on the pad (nothing else has named it yet), and for
	// the hold queue of a loan on the renew screen.
	EffItemTitle struct {
		Session int
		ItemID  string
	}
	// EffRenewAll renews every loan (SIP2 65).
	EffRenewAll struct {
		Session int
		Patron  Patron
	}
	// EffEndSession tells the library system the session ended (SIP2 35).
	EffEndSession struct{ Patron Patron }
	// EffBlockPatron blocks the card in the library system (SIP2 01).
	EffBlockPatron struct {
		Patron  Patron
		Message string
	}
	// EffPrint prints the receipt.
	EffPrint struct {
		Session int
		Receipt Receipt
	}
	// EffDiscardPrints cancels every print job of ended sessions.
	EffDiscardPrints struct{}
	// EffJournal opens or closes an in-flight journal entry.
	EffJournal struct {
		Open   bool
		ItemID string
		Op     string // "checkout" or "checkin"
	}
	// EffSettleJournal settles the open journal entries found at start.
	EffSettleJournal struct{}
	// EffLog writes a log line. It never carries patron data: only item ids,
	// states and reasons.
	EffLog struct {
		Level  string // "info", "warn", "error"
		Msg    string
		ItemID string
		Reason string
	}
)

func (EffAuthenticate) effectName() string   { return "authenticate" }
func (EffLoadAccount) effectName() string    { return "load-account" }
func (EffCheckout) effectName() string       { return "checkout" }
func (EffSettle) effectName() string         { return "settle" }
func (EffSecure) effectName() string         { return "write-tag" }
func (EffCancelCheckout) effectName() string { return "cancel-checkout" }
func (EffCheckin) effectName() string        { return "checkin" }
func (EffQueueOffline) effectName() string   { return "queue-offline" }
func (EffForwardQueue) effectName() string   { return "forward-queue" }
func (EffRenew) effectName() string          { return "renew" }
func (EffCheckRenew) effectName() string     { return "check-renew" }
func (EffRenewAll) effectName() string       { return "renew-all" }
func (EffItemTitle) effectName() string      { return "item-title" }
func (EffEndSession) effectName() string     { return "end-session" }
func (EffBlockPatron) effectName() string    { return "block-patron" }
func (EffPrint) effectName() string          { return "print" }
func (EffDiscardPrints) effectName() string  { return "discard-prints" }
func (EffJournal) effectName() string        { return "journal" }
func (EffSettleJournal) effectName() string  { return "settle-journal" }
func (EffLog) effectName() string            { return "log" }

// EventName and EffectName expose the names for the transition table.
func EventName(e Event) string   { return e.eventName() }
func EffectName(e Effect) string { return e.effectName() }

// isOffline and isUnknown classify library-system errors.
func isOffline(err error) bool { return errors.Is(err, ErrOffline) }
func isUnknown(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }
