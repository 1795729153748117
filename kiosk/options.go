package kiosk

import (
	"fmt"
	"time"

	"github.com/danbib/kiosk/i18n"
)

// Policies for an item that is already lent to the patron who puts it on the pad.
const (
	AlreadyLentRenew  = "renew"  // send the checkout with SC renewal policy Y: the loan is renewed
	AlreadyLentRefuse = "refuse" // refuse it with "already lent to you"
)

// Policies for items owned by another library (the tag's ISIL differs).
const (
	OtherLibraryAllow  = "allow"  // lend or return it like our own (the ACS decides)
	OtherLibraryRefuse = "refuse" // refuse it at the kiosk
	OtherLibraryStaff  = "staff"  // returns only: check it in, then "hand to staff"
)

// Receipt policies.
const (
	ReceiptAsk    = "ask"    // the patron chooses print, QR or none
	ReceiptAlways = "always" // print without asking (QR when there is no paper)
	ReceiptNever  = "never"  // no receipt screen at all
	// ReceiptTimeout asks like ReceiptAsk, but prints when the patron walks
	// away without answering (the receipt screen's idle timeout).
	ReceiptTimeout = "timeout"
)

// Options are the core's knobs; the lead maps them from the TOML config.
type Options struct {
	// KioskID names this kiosk in the offline queue. Default "kiosk".
	KioskID string
	// InstitutionISIL is our library's ISIL ("DK-775100"); tags with another
	// owner follow the OtherLibrary policies. Default "" (every item is ours).
	InstitutionISIL string
	// PINLength is the number of digits in a PIN. Default 4.
	PINLength int
	// MaxWrongPINs wrong PINs for one card lock that card here. Default 3.
	MaxWrongPINs int
	// LockFor is how long a card stays locked. Default 15 minutes.
	LockFor time.Duration
	// BackoffAfter wrong PINs across all cards within BackoffWindow start a
	// kiosk-wide backoff. Default 5 within 10 minutes.
	BackoffAfter  int
	BackoffWindow time.Duration
	// BackoffBase doubles per further wrong PIN, capped at BackoffMax.
	// Default 2 s, capped at 60 s.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// BlockPatronAfter wrong PINs for one card send SIP2 01 Block Patron.
	// Default 0: never (an ILS block lets strangers lock others out).
	BlockPatronAfter int
	// BlockWindow is how long a card's wrong PINs count towards
	// BlockPatronAfter, across its locks: with MaxWrongPINs 3 and
	// BlockPatronAfter 9, the ninth wrong PIN within it blocks, after three
	// locks. At most 24 hours, the least a throttle entry stays readable.
	// Default 24 hours.
	BlockWindow time.Duration
	// BlockMessage is the AL text of a Block Patron. Default "PIN misuse at self-service kiosk".
	BlockMessage string
	// IdleTimeout ends a session after no activity. Default 90 s.
	IdleTimeout time.Duration
	// IdleWarning is how long before the timeout the warning shows. Default 20 s.
	IdleWarning time.Duration
	// GoodbyeFor is how long the goodbye screen shows. Default 5 s.
	GoodbyeFor time.Duration
	// AlreadyLent is AlreadyLentRenew or AlreadyLentRefuse. Default renew.
	AlreadyLent string
	// OtherLibraryLoan is OtherLibraryAllow or OtherLibraryRefuse. Default allow.
	OtherLibraryLoan string
	// OtherLibraryReturn is OtherLibraryAllow, OtherLibraryStaff or
	// OtherLibraryRefuse. Default staff.
	OtherLibraryReturn string
	// TagAttempts is how many times a tag write is tried before giving up.
	// Default 3.
	TagAttempts int
	// Parallel is the number of library-system requests in flight at once
	// (the SIP2 connection pool size, or parallel FBS HTTPS posts). Default 4.
	Parallel int
	// CallTimeout bounds every library-system call. Default 20 s (FBS's).
	CallTimeout time.Duration
	// OfflineReturns accepts returns into the offline queue when the library
	// system is unreachable and its 98 allowed offline. Default true.
	OfflineReturns bool
	// OfflineQueueMax caps the offline queue; a full queue puts the kiosk out
	// of order. Default 500.
	OfflineQueueMax int
	// StateDir holds the in-flight journal and the offline queue. Default
	// "/var/lib/kiosk". Empty disables both (tests, demo).
	StateDir string
	// Receipt is ReceiptAsk, ReceiptAlways, ReceiptTimeout or ReceiptNever.
	// Default ask.
	Receipt string
	// GCAtSessionEnd forces a garbage collection (debug.FreeOSMemory) once
	// a session has ended and its buffers are zeroed, so that what is left
	// of the patron is freed and handed back to the OS. Default true; the
	// soak tests, which run thousands of sessions a second in simulated
	// time, turn it off.
	GCAtSessionEnd bool
	// SoundCues makes the core emit EffCue for an item accepted or
	// refused and for the session about to end ([sound] enabled). Default
	// false: a quiet library must choose sound.
	SoundCues bool
	// Greet shows the patron's first name. Default false (nothing personal
	// on a screen others can see).
	Greet bool
	// Language is the language each session starts in and returns to
	// (kiosk.language). Default "da".
	Language string
	// ReceiptName puts the patron's first name on receipts
	// (printer.print_patron_name). Default false.
	ReceiptName bool
	// SortBins maps the ACS sort bin (CL) to the bin's name in each
	// language, shown in "Put the item in bin …". Default none.
	SortBins map[string]i18n.Texts
	// HoldShelf, StaffDesk and ReturnShelf are the library's own words,
	// per language, for a return on hold here, one for staff and an
	// ordinary one (returns.hold_shelf, staff_desk, default_shelf); they
	// replace the catalog's sentence. Default none: the catalog's.
	HoldShelf, StaffDesk, ReturnShelf i18n.Texts
	// HoldHereBin and TransitBin route hold and transit returns to a sort bin
	// label; empty means "hand to staff" for transit and "reservations shelf"
	// for holds. Default empty.
	HoldHereBin string
	TransitBin  string
	// PayWhere tells patrons where fees are paid, in the library's own
	// words per language, which no catalog translates. Default none: the
	// config supplies it.
	PayWhere i18n.Texts
	// Currency of fees when the ACS gives none. Default "DKK".
	Currency string
	// HealthEvery is how often the runner probes the library system and the
	// printer. Default 30 s.
	HealthEvery time.Duration
	// HealthBackoffMax caps the probe interval while the library system
	// cannot be used: each failed probe doubles the interval from
	// HealthEvery up to this, so a refused login (reliability.md #3) or a
	// system that is down is not asked again every HealthEvery for hours.
	// A probe that works brings the interval back to HealthEvery. Default
	// 5 minutes; a value below HealthEvery means no backoff.
	HealthBackoffMax time.Duration

	// MaintPINFile is the technicians' credential file
	// (maintenance.pin_file). Empty means no maintenance mode at all: the
	// gesture only logs a line. Default "".
	MaintPINFile string
	// MaintIdle ends maintenance mode after no touch for this long.
	// Default 2 minutes.
	MaintIdle time.Duration
	// MaintIdleWarning is how long before the idle exit the warning shows.
	// Default 30 s.
	MaintIdleWarning time.Duration
	// MaintTries wrong credentials lock the credential screen. Default 3.
	MaintTries int
	// MaintLockout is the first lockout; each further one in a row
	// doubles it, up to MaintLockoutMax. Default 5 minutes, at most 24 hours.
	MaintLockout    time.Duration
	MaintLockoutMax time.Duration
	// AuditKeepDays is how long audit log files are kept. Default 90.
	AuditKeepDays int
	// AuditMaxBytes rotates the audit log at this size. Default 1 MiB.
	AuditMaxBytes int64
	// Info is what the status screen says about the configuration.
	Info Info
	// Hours are the opening hours; outside them the kiosk serves no
	// sessions and switches its screen off. Default: always open.
	Hours Hours
	// Reboot reboots the machine every night at RebootAt after midnight
	// (local time), postponed while the kiosk is in use. Default off.
	Reboot   bool
	RebootAt time.Duration
}

// Info is the configuration as the technician's status screen shows it:
// where things are, never a secret.
type Info struct {
	Transport     string // sip2.transport: tcp, tls or fbs
	Address       string // host:port or URL
	ReaderDriver  string // rfid.driver
	ReaderPort    string // serial device or USB VID:PID
	PrinterDriver string // printer.driver
	Scanner       string // "keyboard wedge" or the USB VID:PID
	ConfigSum     string // SHA-256 of the loaded configuration file, hex
	Demo          bool   // the simulated world: restart and reboot only say what they would do
}

// DefaultOptions returns defaults suited to a Danish public library.
func DefaultOptions() Options {
	return Options{
		KioskID:            "kiosk",
		PINLength:          4,
		GCAtSessionEnd:     true,
		MaxWrongPINs:       3,
		LockFor:            15 * time.Minute,
		BackoffAfter:       5,
		BackoffWindow:      10 * time.Minute,
		BackoffBase:        2 * time.Second,
		BackoffMax:         60 * time.Second,
		BlockMessage:       "PIN misuse at self-service kiosk",
		BlockWindow:        24 * time.Hour,
		IdleTimeout:        90 * time.Second,
		IdleWarning:        20 * time.Second,
		GoodbyeFor:         5 * time.Second,
		AlreadyLent:        AlreadyLentRenew,
		OtherLibraryLoan:   OtherLibraryAllow,
		OtherLibraryReturn: OtherLibraryStaff,
		TagAttempts:        3,
		Parallel:           4,
		CallTimeout:        20 * time.Second,
		OfflineReturns:     true,
		OfflineQueueMax:    500,
		StateDir:           "/var/lib/kiosk",
		Receipt:            ReceiptAsk,
		Currency:           "DKK",
		HealthEvery:        30 * time.Second,
		MaintIdle:          2 * time.Minute,
		MaintIdleWarning:   30 * time.Second,
		MaintTries:         3,
		MaintLockout:       5 * time.Minute,
		MaintLockoutMax:    24 * time.Hour,
		AuditKeepDays:      90,
		AuditMaxBytes:      1 << 20,
		HealthBackoffMax:   5 * time.Minute,
	}
}

// Validate names the first bad knob and how to fix it.
func (o Options) Validate() error {
	switch {
	case o.PINLength < 4 || o.PINLength > 12:
		return fmt.Errorf("kiosk: PINLength %d: use 4 to 12 digits", o.PINLength)
	case o.MaxWrongPINs < 1:
		return fmt.Errorf("kiosk: MaxWrongPINs %d: must be at least 1", o.MaxWrongPINs)
	case o.IdleTimeout <= o.IdleWarning:
		return fmt.Errorf("kiosk: IdleTimeout %v must be longer than IdleWarning %v", o.IdleTimeout, o.IdleWarning)
	case o.TagAttempts < 1:
		return fmt.Errorf("kiosk: TagAttempts %d: must be at least 1", o.TagAttempts)
	case o.Parallel < 1:
		return fmt.Errorf("kiosk: Parallel %d: must be at least 1", o.Parallel)
	case o.AlreadyLent != AlreadyLentRenew && o.AlreadyLent != AlreadyLentRefuse:
		return fmt.Errorf("kiosk: AlreadyLent %q: use %q or %q", o.AlreadyLent, AlreadyLentRenew, AlreadyLentRefuse)
	case o.OtherLibraryLoan != OtherLibraryAllow && o.OtherLibraryLoan != OtherLibraryRefuse:
		return fmt.Errorf("kiosk: OtherLibraryLoan %q: use %q or %q", o.OtherLibraryLoan, OtherLibraryAllow, OtherLibraryRefuse)
	case o.OtherLibraryReturn != OtherLibraryAllow && o.OtherLibraryReturn != OtherLibraryRefuse && o.OtherLibraryReturn != OtherLibraryStaff:
		return fmt.Errorf("kiosk: OtherLibraryReturn %q: use allow, staff or refuse", o.OtherLibraryReturn)
	case o.MaintPINFile != "" && (o.MaintIdle <= o.MaintIdleWarning || o.MaintTries < 1 || o.MaintLockout <= 0):
		return fmt.Errorf("kiosk: maintenance: MaintIdle %v must be longer than MaintIdleWarning %v, MaintTries at least 1, MaintLockout positive",
			o.MaintIdle, o.MaintIdleWarning)
	case o.Receipt != ReceiptAsk && o.Receipt != ReceiptAlways && o.Receipt != ReceiptNever && o.Receipt != ReceiptTimeout:
		return fmt.Errorf("kiosk: Receipt %q: use ask, always, timeout or never", o.Receipt)
	}
	return nil
}

// startLang is the language a session starts in.
func (o Options) startLang() string {
	if supportedLang(o.Language) {
		return o.Language
	}
	return "da"
}
