package acs

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Patron status flag positions (spec "patron status", 14 positions).
const (
	FlagChargeDenied = iota
	FlagRenewalDenied
	FlagRecallDenied
	FlagHoldDenied
	FlagCardLost
	FlagTooManyCharged
	FlagTooManyOverdue
	FlagTooManyRenewals
	FlagTooManyClaims
	FlagTooManyLost
	FlagExcessiveFines
	FlagExcessiveFees
	FlagRecallOverdue
	FlagTooManyBilled
)

// blockNames maps the seed's block names to patron status positions.
var blockNames = map[string]int{
	"charge-denied":     FlagChargeDenied,
	"renewal-denied":    FlagRenewalDenied,
	"recall-denied":     FlagRecallDenied,
	"hold-denied":       FlagHoldDenied,
	"card-lost":         FlagCardLost,
	"too-many-charged":  FlagTooManyCharged,
	"too-many-overdue":  FlagTooManyOverdue,
	"too-many-renewals": FlagTooManyRenewals,
	"too-many-claims":   FlagTooManyClaims,
	"too-many-lost":     FlagTooManyLost,
	"excessive-fines":   FlagExcessiveFines,
	"excessive-fees":    FlagExcessiveFees,
	"recall-overdue":    FlagRecallOverdue,
	"too-many-billed":   FlagTooManyBilled,
}

// Machine codes sent in brackets in AF (FBS style, e.g. "[RESERVED]"),
// followed by a second AF with a Danish text. README.md lists them.
const (
	CodeUnknownPatron     = "UNKNOWN_PATRON"
	CodeInvalidPIN        = "INVALID_PIN"
	CodeCardLost          = "CARD_LOST"
	CodePatronBlocked     = "PATRON_BLOCKED"
	CodeExcessiveFees     = "EXCESSIVE_FEES"
	CodeTooManyLoans      = "TOO_MANY_LOANS"
	CodeUnknownItem       = "UNKNOWN_ITEM"
	CodeNotLoanable       = "NOT_LOANABLE"
	CodeItemOnLoan        = "ITEM_ON_LOAN"
	CodeReserved          = "RESERVED"
	CodeAgeLimit          = "AGE_LIMIT"
	CodeMaxRenewals       = "MAX_RENEWALS"
	CodeNotOnLoan         = "NOT_ON_LOAN"
	CodeRenewalDenied     = "RENEWAL_DENIED"
	CodeBeforeRenewPeriod = "BEFORE_RENEW_PERIOD"
	CodeAlreadyOnLoan     = "ALREADY_ON_LOAN"
	CodeLoginRequired     = "LOGIN_REQUIRED"
)

var codeTexts = map[string]string{
	CodeUnknownPatron:     "Ukendt låner",
	CodeInvalidPIN:        "Forkert pinkode",
	CodeCardLost:          "Kortet er meldt mistet",
	CodePatronBlocked:     "Låneren er spærret",
	CodeExcessiveFees:     "Udestående gebyrer over grænsen",
	CodeTooManyLoans:      "For mange lån",
	CodeUnknownItem:       "Ukendt materiale",
	CodeNotLoanable:       "Materialet kan ikke lånes",
	CodeItemOnLoan:        "Materialet er udlånt til en anden låner",
	CodeReserved:          "Materialet er reserveret til en anden låner",
	CodeAgeLimit:          "Materialet har en aldersgrænse",
	CodeMaxRenewals:       "Materialet kan ikke fornyes flere gange",
	CodeNotOnLoan:         "Materialet er ikke udlånt til låneren",
	CodeRenewalDenied:     "Låneren må ikke forny",
	CodeBeforeRenewPeriod: "Materialet kan endnu ikke fornyes",
	CodeAlreadyOnLoan:     "Materialet er allerede udlånt til låneren",
	CodeLoginRequired:     "Terminalen er ikke logget ind",
}

// CodeText returns the Danish screen text for a machine code.
func CodeText(code string) string { return codeTexts[code] }

// Checkin alert types (CV), 3M extension values as FBS/Koha use them.
const (
	AlertNone        = ""
	AlertHoldHere    = "01"
	AlertHoldOther   = "02"
	AlertSendToOther = "04"
)

// Loan is a current loan.
type Loan struct {
	Item     string
	Patron   string
	Checkout time.Time
	// Due is the due date at local midnight; the item is overdue from the
	// day after.
	Due      time.Time
	Renewals int
}

// Fee is an outstanding fee.
type Fee struct {
	ID          string
	Patron      string
	Amount      float64
	Date        time.Time
	Item        string
	Description string
}

// HoldState is a hold with its runtime dates.
type HoldState struct {
	Patron string
	Pickup string
	Placed time.Time
	// Ready is set when the item waits on the pickup shelf; Expires is then
	// the last pickup day.
	Ready   bool
	Expires time.Time
	// InTransit is set when the item travels to the pickup branch.
	InTransit bool
}

type itemState struct {
	Item
	holds []*HoldState
	// transitTo is the branch or library the item is on its way to ("" when
	// on the shelf at home).
	transitTo string
}

type patronState struct {
	Patron
	birth time.Time
	flags [14]bool // explicit blocks only
}

// Library is the in-memory library system. All methods are safe for
// concurrent use; every server type shares one Library.
type Library struct {
	mu        sync.Mutex
	now       func() time.Time
	inst      Institution
	branches  []Branch
	libraries map[string]string // id → name, branches and other libraries
	terminals []Terminal
	policy    Policy
	patrons   map[string]*patronState
	porder    []string
	items     map[string]*itemState
	iorder    []string
	loans     map[string]*Loan // by item id
	fees      []*Fee
	seq       int // for fee and transaction ids
	// fulfilledHolds remembers, by item id, the hold a current loan
	// fulfilled, so that a cancelling checkin can restore it.
	fulfilledHolds map[string]*HoldState
}

// Demo returns a Library loaded with the embedded Danish demo seed, using the
// wall clock.
func Demo() (*Library, error) {
	s, err := DemoSeed()
	if err != nil {
		return nil, err
	}
	return New(s, nil)
}

// New builds a Library from a seed. now is the clock (nil = time.Now); the
// seed's relative dates are resolved against it once, here.
func New(s *Seed, now func() time.Time) (*Library, error) {
	if now == nil {
		now = time.Now
	}
	if s.Institution.ID == "" {
		return nil, badValue("institution.id", s.Institution.ID, `the library's ISIL, e.g. "DK-799000"`)
	}
	l := &Library{
		now:       now,
		inst:      s.Institution,
		branches:  append([]Branch(nil), s.Branches...),
		libraries: map[string]string{},
		terminals: append([]Terminal(nil), s.Terminals...),
		policy:    s.Policy.withDefaults(),
		patrons:   map[string]*patronState{},
		items:     map[string]*itemState{},
		loans:     map[string]*Loan{},
	}
	if l.inst.Currency == "" {
		l.inst.Currency = "DKK"
	}
	if len(l.branches) == 0 {
		l.branches = []Branch{{ID: l.inst.ID, Name: l.inst.Name}}
	}
	for _, b := range l.branches {
		l.libraries[b.ID] = b.Name
	}
	for _, b := range s.Libraries {
		l.libraries[b.ID] = b.Name
	}
	if _, ok := l.libraries[l.inst.ID]; !ok {
		l.libraries[l.inst.ID] = l.inst.Name
	}
	t0 := now()
	today := dateOf(t0)
	for i, p := range s.Patrons {
		if p.ID == "" {
			return nil, badValue(fmt.Sprintf("patrons[%d].id", i), "", "a CPR number or a library card number")
		}
		if _, dup := l.patrons[p.ID]; dup {
			return nil, problem(fmt.Sprintf("patrons[%d].id", i), "an earlier patron has the same id")
		}
		ps := &patronState{Patron: p}
		ps.Blocks = append([]string(nil), p.Blocks...)
		if p.BirthDate != "" {
			b, err := time.ParseInLocation("2006-01-02", p.BirthDate, time.Local)
			if err != nil {
				return nil, badValue(fmt.Sprintf("patrons[%d].birthDate", i), p.BirthDate, allowedDate)
			}
			ps.birth = b
		}
		for j, b := range p.Blocks {
			pos, ok := blockNames[b]
			if !ok {
				return nil, badValue(fmt.Sprintf("patrons[%d].blocks[%d]", i, j), b, oneOf(blockNames))
			}
			ps.flags[pos] = true
		}
		l.patrons[p.ID] = ps
		l.porder = append(l.porder, p.ID)
	}
	for i, it := range s.Items {
		if it.ID == "" {
			return nil, badValue(fmt.Sprintf("items[%d].id", i), "", "the item's barcode, e.g. \"3800000846\"")
		}
		if _, dup := l.items[it.ID]; dup {
			return nil, problem(fmt.Sprintf("items[%d].id", i), "an earlier item has the id %s", it.ID)
		}
		if _, ok := mediaTypes[it.Media]; !ok {
			return nil, badValue(fmt.Sprintf("items[%d].media", i), it.Media, oneOf(mediaTypes))
		}
		is := &itemState{Item: it}
		is.Holds = nil
		if is.Owner == "" {
			is.Owner = l.inst.ID
		}
		if is.Parts == 0 {
			is.Parts = 1
		}
		for j, h := range it.Holds {
			if _, ok := l.patrons[h.Patron]; !ok {
				return nil, problem(fmt.Sprintf("items[%d].holds[%d].patron", i, j), "no patron of the seed has this id")
			}
			hs := &HoldState{Patron: h.Patron, Pickup: h.Pickup, Placed: today.AddDate(0, 0, -10), Ready: h.Ready}
			if hs.Pickup == "" {
				hs.Pickup = l.branches[0].ID
			}
			if _, ok := l.libraries[hs.Pickup]; !ok {
				return nil, badValue(fmt.Sprintf("items[%d].holds[%d].pickup", i, j), hs.Pickup, oneOf(l.libraries)+" (the branches and libraries of the seed)")
			}
			if h.Ready {
				d := h.ExpiresInDays
				if d == 0 {
					d = l.policy.HoldShelfDays
				}
				hs.Expires = today.AddDate(0, 0, d)
			}
			is.holds = append(is.holds, hs)
		}
		l.items[it.ID] = is
		l.iorder = append(l.iorder, it.ID)
	}
	for i, sl := range s.Loans {
		it, ok := l.items[sl.Item]
		if !ok {
			return nil, badValue(fmt.Sprintf("loans[%d].item", i), sl.Item, "the id of an item in items")
		}
		p, ok := l.patrons[sl.Patron]
		if !ok {
			return nil, problem(fmt.Sprintf("loans[%d].patron", i), "no patron of the seed has this id")
		}
		if _, dup := l.loans[sl.Item]; dup {
			return nil, problem(fmt.Sprintf("loans[%d].item", i), "item %s is lent by an earlier loan too", sl.Item)
		}
		due := today.AddDate(0, 0, sl.DueInDays)
		if sl.Due != "" {
			d, err := time.ParseInLocation("2006-01-02", sl.Due, time.Local)
			if err != nil {
				return nil, badValue(fmt.Sprintf("loans[%d].due", i), sl.Due, allowedDate)
			}
			due = d
		}
		days := l.loanDays(p, it)
		l.loans[sl.Item] = &Loan{Item: sl.Item, Patron: sl.Patron, Due: due, Renewals: sl.Renewals,
			Checkout: due.AddDate(0, 0, -days*(sl.Renewals+1))}
	}
	for i, sf := range s.Fees {
		if _, ok := l.patrons[sf.Patron]; !ok {
			return nil, problem(fmt.Sprintf("fees[%d].patron", i), "no patron of the seed has this id")
		}
		l.addFee(sf.Patron, sf.Amount, sf.Item, sf.Description, today.AddDate(0, 0, -sf.DaysAgo))
	}
	return l, nil
}

// dateOf returns local midnight of t's day.
func dateOf(t time.Time) time.Time {
	t = t.Local()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.Local)
}

func (l *Library) addFee(patron string, amount float64, item, desc string, date time.Time) *Fee {
	l.seq++
	f := &Fee{ID: fmt.Sprintf("F%06d", l.seq), Patron: patron, Amount: amount, Date: date, Item: item, Description: desc}
	l.fees = append(l.fees, f)
	return f
}

// Institution returns the institution the library answers for.
func (l *Library) Institution() Institution { return l.inst }

// Policy returns the lending rules in force (with defaults filled in).
func (l *Library) Policy() Policy { return l.policy }

// Branches returns the library's own branches, main branch first.
func (l *Library) Branches() []Branch { return append([]Branch(nil), l.branches...) }

// BranchName returns the name of a branch or other library by id.
func (l *Library) BranchName(id string) string {
	if n, ok := l.libraries[id]; ok {
		return n
	}
	return id
}

// Terminals returns the configured terminal logins.
func (l *Library) Terminals() []Terminal { return append([]Terminal(nil), l.terminals...) }

// Now returns the library's clock reading.
func (l *Library) Now() time.Time { return l.now() }

// Patrons returns a copy of every patron in seed order (for demos and
// tests; the list includes PINs).
func (l *Library) Patrons() []Patron {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Patron, 0, len(l.porder))
	for _, id := range l.porder {
		p := l.patrons[id].Patron
		p.Blocks = append([]string(nil), p.Blocks...)
		out = append(out, p)
	}
	return out
}

// Patron returns a copy of one patron.
func (l *Library) Patron(id string) (Patron, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[id]
	if !ok {
		return Patron{}, false
	}
	return p.Patron, true
}

// Items returns a copy of every item in seed order. Holds reflect the
// current queue.
func (l *Library) Items() []Item {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Item, 0, len(l.iorder))
	for _, id := range l.iorder {
		out = append(out, l.items[id].snapshot())
	}
	return out
}

// Item returns a copy of one item.
func (l *Library) Item(id string) (Item, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	it, ok := l.items[id]
	if !ok {
		return Item{}, false
	}
	return it.snapshot(), true
}

func (it *itemState) snapshot() Item {
	c := it.Item
	c.Holds = nil
	for _, h := range it.holds {
		c.Holds = append(c.Holds, Hold{Patron: h.Patron, Pickup: h.Pickup, Ready: h.Ready})
	}
	return c
}

// Holds returns the current hold queue of an item.
func (l *Library) Holds(item string) []HoldState {
	l.mu.Lock()
	defer l.mu.Unlock()
	it, ok := l.items[item]
	if !ok {
		return nil
	}
	out := make([]HoldState, 0, len(it.holds))
	for _, h := range it.holds {
		out = append(out, *h)
	}
	return out
}

// Loans returns every current loan, ordered by item id.
func (l *Library) Loans() []Loan {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Loan, 0, len(l.loans))
	for _, ln := range l.loans {
		out = append(out, *ln)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Item < out[j].Item })
	return out
}

// LoanOf returns the current loan of an item.
func (l *Library) LoanOf(item string) (Loan, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln, ok := l.loans[item]
	if !ok {
		return Loan{}, false
	}
	return *ln, true
}

// Fees returns a patron's outstanding fees.
func (l *Library) Fees(patron string) []Fee {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Fee
	for _, f := range l.fees {
		if f.Patron == patron {
			out = append(out, *f)
		}
	}
	return out
}

// AuthenticateTerminal checks a terminal login (93 CN/CO, or the FBS XML
// login attributes) and returns the terminal.
func (l *Library) AuthenticateTerminal(login, password string) (Terminal, bool) {
	for _, t := range l.terminals {
		if t.Login == login && t.Password == password {
			return t, true
		}
	}
	return Terminal{}, false
}

// loanDays is the loan period for a patron and item: the media type's
// period when the policy has one, else the patron group's.
func (l *Library) loanDays(p *patronState, it *itemState) int {
	if d, ok := l.policy.MediaLoanDays[it.Media]; ok && d > 0 {
		return d
	}
	if d, ok := l.policy.LoanDays[p.Group]; ok && d > 0 {
		return d
	}
	return l.policy.DefaultLoanDays
}

func (l *Library) renewalLimit(it *itemState) int {
	switch {
	case it.RenewalLimit < 0:
		return 0
	case it.RenewalLimit > 0:
		return it.RenewalLimit
	}
	return l.policy.RenewalLimit
}

// age returns the patron's age in whole years and whether it is known.
func (p *patronState) age(now time.Time) (int, bool) {
	if p.birth.IsZero() {
		return 0, false
	}
	y := now.Year() - p.birth.Year()
	if now.Month() < p.birth.Month() || (now.Month() == p.birth.Month() && now.Day() < p.birth.Day()) {
		y--
	}
	return y, true
}

func (l *Library) feeTotal(patron string) float64 {
	var sum float64
	for _, f := range l.fees {
		if f.Patron == patron {
			sum += f.Amount
		}
	}
	return sum
}

func (l *Library) loansOf(patron string) []*Loan {
	var out []*Loan
	for _, ln := range l.loans {
		if ln.Patron == patron {
			out = append(out, ln)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Due.Equal(out[j].Due) {
			return out[i].Due.Before(out[j].Due)
		}
		return out[i].Item < out[j].Item
	})
	return out
}

func overdue(ln *Loan, now time.Time) bool {
	return dateOf(now).After(ln.Due)
}

// flags computes the 14 patron status flags: explicit blocks plus what the
// account implies (fees over the limit, too many loans).
func (l *Library) flags(p *patronState) [14]bool {
	f := p.flags
	if l.feeTotal(p.ID) > l.policy.FeeLimit {
		f[FlagExcessiveFees] = true
	}
	if max, ok := l.policy.MaxLoans[p.Group]; ok && max > 0 && len(l.loansOf(p.ID)) >= max {
		f[FlagTooManyCharged] = true
	}
	return f
}

// FlagString renders patron status flags as the 14-character SIP2 field.
func FlagString(f [14]bool) string {
	var b strings.Builder
	for _, v := range f {
		if v {
			b.WriteByte('Y')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// Refusal is a refused request: a machine code and its Danish text.
type Refusal struct {
	Code string
	Text string
}

func refuse(code string) *Refusal { return &Refusal{Code: code, Text: codeTexts[code]} }

// Error implements error so a refusal can travel as one.
func (r *Refusal) Error() string { return "acs: refused: " + r.Code }

// checkPatron finds a patron and checks the PIN (when sent, or always when
// the policy requires it).
func (l *Library) checkPatron(id, pin string, pinSent bool) (*patronState, *Refusal) {
	p, ok := l.patrons[id]
	if !ok {
		return nil, refuse(CodeUnknownPatron)
	}
	if (pinSent || l.policy.RequirePIN) && pin != p.PIN {
		return p, refuse(CodeInvalidPIN)
	}
	return p, nil
}
