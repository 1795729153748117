// Package acs is an in-memory library system (a fake ACS) that speaks SIP2
// over TCP, TLS and FBS-style HTTPS on loopback. It is loaded from a JSON
// seed file (see README.md) and behaves like a small Danish public library
// running FBS/Cicero: due dates by patron group, renewal limits, holds on a
// pickup shelf, blocks, a fee limit, and checkin alerts with the FBS texts.
// Faults (latency, lost replies, dropped connections, bad checksums …) can
// be injected from the Go API so clients can be tested against them.
package acs

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
)

// Seed is the JSON seed data format. Dates are either absolute
// ("2026-11-24") or, for everything that must stay realistic whatever day the
// demo runs, relative to the moment the seed is loaded (the *Days fields).
type Seed struct {
	// Comment is free text for humans; it is ignored.
	Comment string `json:"comment,omitempty"`
	// Synthetic marks every person in the file as invented test data.
	Synthetic   bool        `json:"synthetic"`
	Institution Institution `json:"institution"`
	// Branches are the institution's own service points (pickup places). The
	// first one is the main library; when empty, the institution itself is
	// the only branch.
	Branches []Branch `json:"branches,omitempty"`
	// Libraries names other libraries that own items here (interlibrary
	// loans), so a checkin can say where to send them.
	Libraries []Branch   `json:"libraries,omitempty"`
	Terminals []Terminal `json:"terminals"`
	Policy    Policy     `json:"policy"`
	Patrons   []Patron   `json:"patrons"`
	Items     []Item     `json:"items"`
	Loans     []SeedLoan `json:"loans,omitempty"`
	Fees      []SeedFee  `json:"fees,omitempty"`
}

// Institution is the library system the ACS answers for.
type Institution struct {
	// ID is the ISIL used in AO, e.g. "DK-799000".
	ID string `json:"id"`
	// Name goes into AM of the 98 response.
	Name string `json:"name"`
	// Currency is the ISO 4217 code sent in BH; default "DKK".
	Currency string `json:"currency,omitempty"`
}

// Branch is a service point or another library.
type Branch struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Terminal is a self-service terminal's SIP2 login (93 CN/CO/CP, or the
// login/password attributes of the FBS XML envelope).
type Terminal struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	// Location is the terminal's branch id (CP); empty means the main branch.
	Location string `json:"location,omitempty"`
}

// Patron is a borrower. ID is a (synthetic) CPR number or a library card
// number.
type Patron struct {
	ID   string `json:"id"`
	PIN  string `json:"pin"`
	Name string `json:"name"`
	// Group picks the loan period and loan limit: "adult" or "child" (others
	// fall back to the policy defaults).
	Group string `json:"group"`
	// BirthDate is "YYYY-MM-DD"; used for age-restricted items.
	BirthDate string `json:"birthDate,omitempty"`
	// Blocks are explicit blocks by name: charge-denied, renewal-denied,
	// recall-denied, hold-denied, card-lost, too-many-charged,
	// too-many-overdue, too-many-renewals, too-many-claims, too-many-lost,
	// excessive-fines, excessive-fees, recall-overdue, too-many-billed.
	Blocks  []string `json:"blocks,omitempty"`
	Address Address  `json:"address,omitempty"`
	Email   string   `json:"email,omitempty"`
	Phone   string   `json:"phone,omitempty"`
	// Synthetic marks an invented person (every CPR in the demo is one).
	Synthetic bool `json:"synthetic,omitempty"`
	// Note says what the patron demonstrates; never sent over SIP2.
	Note string `json:"note,omitempty"`
}

// Address is a patron's home address (BD).
type Address struct {
	Street  string `json:"street,omitempty"`
	Zip     string `json:"zip,omitempty"`
	City    string `json:"city,omitempty"`
	Country string `json:"country,omitempty"`
}

// Location is an item's permanent location (AQ, FBS
// branch%department%location%sublocation).
type Location struct {
	Branch      string `json:"branch,omitempty"`
	Department  string `json:"department,omitempty"`
	Shelf       string `json:"shelf,omitempty"`
	Sublocation string `json:"sublocation,omitempty"`
}

// Item is one physical item (all parts of a set share one id, as in the
// Danish RFID data model).
type Item struct {
	// ID is the barcode / RFID item id (AB).
	ID string `json:"id"`
	// BibID is the bibliographic record id (faust number in FBS).
	BibID  string `json:"bibId,omitempty"`
	Title  string `json:"title"`
	Author string `json:"author,omitempty"`
	// Media is one of the names in MediaTypes ("book", "audiobook", "film",
	// "music", "magazine", "game"); it gives the CK code and GMB/SMB.
	Media string `json:"media"`
	// Owner is the owning library's ISIL; empty means the institution.
	Owner string `json:"owner,omitempty"`
	// Parts is the number of parts in the set; 0 means 1.
	Parts int `json:"parts,omitempty"`
	// DK5 is the Danish shelf classification.
	DK5 string `json:"dk5,omitempty"`
	// AgeLimit is the minimum age in years (films); 0 means none.
	AgeLimit int `json:"ageLimit,omitempty"`
	// RenewalLimit overrides the policy's renewal limit; 0 means the policy
	// value, -1 means "no renewals".
	RenewalLimit int `json:"renewalLimit,omitempty"`
	// NotLoanable marks reference items that cannot be borrowed.
	NotLoanable bool     `json:"notLoanable,omitempty"`
	Location    Location `json:"location,omitempty"`
	// SortBin is sent in CL on checkin (for sorters).
	SortBin string `json:"sortBin,omitempty"`
	// Holds is the hold queue, first in line first.
	Holds []Hold `json:"holds,omitempty"`
	Note  string `json:"note,omitempty"`
}

// Hold is a reservation of an item by a patron.
type Hold struct {
	Patron string `json:"patron"`
	// Pickup is the pickup branch id; empty means the main branch.
	Pickup string `json:"pickup,omitempty"`
	// Ready says the item waits on the pickup shelf for this patron.
	Ready bool `json:"ready,omitempty"`
	// ExpiresInDays is how long a ready hold stays on the shelf, counted from
	// load time; 0 means the policy's hold shelf days.
	ExpiresInDays int `json:"expiresInDays,omitempty"`
}

// SeedLoan is a current loan in the seed file.
type SeedLoan struct {
	Item   string `json:"item"`
	Patron string `json:"patron"`
	// Due is an absolute due date "YYYY-MM-DD"; when empty DueInDays is used
	// (negative = overdue).
	Due       string `json:"due,omitempty"`
	DueInDays int    `json:"dueInDays,omitempty"`
	Renewals  int    `json:"renewals,omitempty"`
}

// SeedFee is an outstanding fee in the seed file.
type SeedFee struct {
	Patron string  `json:"patron"`
	Amount float64 `json:"amount"`
	// Item is the item the fee is for (optional).
	Item string `json:"item,omitempty"`
	// DaysAgo dates the fee relative to load time.
	DaysAgo     int    `json:"daysAgo,omitempty"`
	Description string `json:"description,omitempty"`
}

// Policy is the library's lending rules. Zero values get the defaults of
// DefaultPolicy when a seed is loaded.
type Policy struct {
	// LoanDays by patron group; default {"adult": 28, "child": 14}.
	LoanDays map[string]int `json:"loanDays,omitempty"`
	// MediaLoanDays overrides LoanDays by media type; default {"film": 7}.
	MediaLoanDays map[string]int `json:"mediaLoanDays,omitempty"`
	// DefaultLoanDays is used for groups not in LoanDays; default 28.
	DefaultLoanDays int `json:"defaultLoanDays,omitempty"`
	// RenewalLimit is how many times an item may be renewed; default 3.
	RenewalLimit int `json:"renewalLimit,omitempty"`
	// MaxLoans by patron group; default {"adult": 50, "child": 20}.
	MaxLoans map[string]int `json:"maxLoans,omitempty"`
	// FeeLimit in the currency: above it the patron is blocked (CC);
	// default 200.
	FeeLimit float64 `json:"feeLimit,omitempty"`
	// HoldShelfDays is how long a ready hold waits; default 7.
	HoldShelfDays int `json:"holdShelfDays,omitempty"`
	// LateFee is charged once when an item is returned after its due date
	// (by the 09 return date when given); default 0 = no fee.
	LateFee float64 `json:"lateFee,omitempty"`
	// RenewWindowDays refuses renewals more than this many days before the
	// due date ([BEFORE_RENEW_PERIOD]); default 0 = renew any time.
	RenewWindowDays int `json:"renewWindowDays,omitempty"`
	// RefuseRecheckout makes a checkout of an item already lent to the same
	// patron fail instead of being a renewal; default false (renewal).
	RefuseRecheckout bool `json:"refuseRecheckout,omitempty"`
	// RequirePIN refuses patron requests without AD; default false (a PIN is
	// checked when sent).
	RequirePIN bool `json:"requirePin,omitempty"`
}

// DefaultPolicy returns the lending rules used for fields a seed leaves out.
func DefaultPolicy() Policy {
	return Policy{
		LoanDays:        map[string]int{"adult": 28, "child": 14},
		MediaLoanDays:   map[string]int{"film": 7},
		DefaultLoanDays: 28,
		RenewalLimit:    3,
		MaxLoans:        map[string]int{"adult": 50, "child": 20},
		FeeLimit:        200,
		HoldShelfDays:   7,
	}
}

func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.LoanDays == nil {
		p.LoanDays = d.LoanDays
	}
	if p.MediaLoanDays == nil {
		p.MediaLoanDays = d.MediaLoanDays
	}
	if p.DefaultLoanDays == 0 {
		p.DefaultLoanDays = d.DefaultLoanDays
	}
	if p.RenewalLimit == 0 {
		p.RenewalLimit = d.RenewalLimit
	}
	if p.MaxLoans == nil {
		p.MaxLoans = d.MaxLoans
	}
	if p.FeeLimit == 0 {
		p.FeeLimit = d.FeeLimit
	}
	if p.HoldShelfDays == 0 {
		p.HoldShelfDays = d.HoldShelfDays
	}
	return p
}

// MediaType describes how a media name is reported over SIP2.
type MediaType struct {
	// CK is the SIP2 media type code (3 digits).
	CK string
	// GMB and SMB are the danMARC2-style general and specific material codes
	// FBS packs into CH and the item lists.
	GMB, SMB string
	// Magnetic says whether the item holds magnetic media (12/10 field).
	Magnetic byte
}

// mediaTypes maps the seed's media names to their SIP2 codes.
var mediaTypes = map[string]MediaType{
	"book":      {CK: "001", GMB: "a", SMB: "xx", Magnetic: 'N'},
	"magazine":  {CK: "002", GMB: "a", SMB: "tf", Magnetic: 'N'},
	"audiobook": {CK: "006", GMB: "r", SMB: "xe", Magnetic: 'U'},
	"music":     {CK: "006", GMB: "s", SMB: "xc", Magnetic: 'U'},
	"film":      {CK: "005", GMB: "m", SMB: "th", Magnetic: 'U'},
	"game":      {CK: "000", GMB: "t", SMB: "xg", Magnetic: 'U'},
}

// LookupMediaType returns the SIP2 codes of a media name; unknown names are
// reported as "other".
func LookupMediaType(name string) MediaType {
	if m, ok := mediaTypes[name]; ok {
		return m
	}
	return MediaType{CK: "000", GMB: "", SMB: "", Magnetic: 'U'}
}

//go:embed demo.json
var demoJSON []byte

// DemoSeed returns the embedded Danish demo library ("Demobiblioteket",
// DK-799000, terminal login kiosk/kiosk). Every person in it is synthetic.
func DemoSeed() (*Seed, error) {
	return ParseSeed(bytes.NewReader(demoJSON))
}

// ParseSeed reads a seed in the JSON format of README.md. Unknown fields are
// an error so typos in hand-written seeds are found. It also refuses what
// New would refuse (a date in the wrong form, an unknown media name, a hold
// for a patron the seed lacks), here where the line is known. Errors are
// *SeedError where they are about the file's content.
func ParseSeed(r io.Reader) (*Seed, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("acs: read seed: %w", err)
	}
	s, err := decodeSeed(data)
	if err != nil {
		return nil, err
	}
	if _, err := New(s, nil); err != nil {
		var se *SeedError
		if errors.As(err, &se) {
			se.Line = lineOf(data, se.Path)
		}
		return nil, err
	}
	return s, nil
}

// LoadSeedFile reads a seed file.
func LoadSeedFile(path string) (*Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("acs: %w", err)
	}
	defer f.Close()
	s, err := ParseSeed(f)
	var se *SeedError
	if errors.As(err, &se) {
		se.File = path
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return s, nil
}

// Unmarked returns the indexes of the patrons not marked as invented test
// data, by their own "synthetic": true or by the seed's. Only their indexes:
// the ids of real patrons are CPR numbers.
func (s *Seed) Unmarked() []int {
	if s.Synthetic {
		return nil
	}
	var idx []int
	for i, p := range s.Patrons {
		if !p.Synthetic {
			idx = append(idx, i)
		}
	}
	return idx
}
