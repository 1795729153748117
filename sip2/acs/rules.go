package acs

import (
	"fmt"
	"strings"
	"time"
)

// NormalizePatronID strips the FBS "LN:" prefix a client may echo back.
func NormalizePatronID(id string) string {
	return strings.TrimPrefix(strings.TrimSpace(id), "LN:")
}

// CheckoutRequest is a checkout (11) in library terms.
type CheckoutRequest struct {
	Patron string
	// PIN is checked when PINSent (AD present) or when the policy requires it.
	PIN     string
	PINSent bool
	Item    string
	// NoBlock is the 11 "no block" flag: the loan already happened offline
	// and must not be refused for blocks, holds or loans to others.
	NoBlock bool
	// NBDue is the due date the kiosk gave while offline (zero = none).
	NBDue time.Time
}

// CheckoutResult is the outcome of a checkout.
type CheckoutResult struct {
	OK bool
	// Renewal is set when the item was already lent to the same patron and
	// the checkout was treated as a renewal (12 renewal ok = Y).
	Renewal bool
	// Refusal says why OK is false.
	Refusal *Refusal
	// Item is set when the item is known.
	Item    Item
	HasItem bool
	Due     time.Time
	// TransactionID is sent in BK.
	TransactionID string
}

// Checkout lends an item to a patron.
func (l *Library) Checkout(req CheckoutRequest) CheckoutResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.expireHolds(now)
	today := dateOf(now)
	var res CheckoutResult
	p, ref := l.checkPatron(NormalizePatronID(req.Patron), req.PIN, req.PINSent)
	it, itemOK := l.items[req.Item]
	if itemOK {
		res.Item, res.HasItem = it.snapshot(), true
	}
	if ref != nil {
		res.Refusal = ref
		return res
	}
	if !itemOK {
		res.Refusal = refuse(CodeUnknownItem)
		return res
	}
	ln := l.loans[it.ID]
	if ln != nil && ln.Patron == p.ID {
		if l.policy.RefuseRecheckout {
			res.Refusal = refuse(CodeAlreadyOnLoan)
			res.Due = ln.Due
			return res
		}
		r := l.renew(p, it, ln, req.NoBlock, now)
		res.OK, res.Renewal, res.Refusal, res.Due = r.OK, r.OK, r.Refusal, r.Due
		res.TransactionID = l.txID()
		return res
	}
	if !req.NoBlock {
		if r := l.chargeRefusal(p); r != nil {
			res.Refusal = r
			return res
		}
		if it.NotLoanable {
			res.Refusal = refuse(CodeNotLoanable)
			return res
		}
		if ln != nil {
			res.Refusal = refuse(CodeItemOnLoan)
			return res
		}
		if len(it.holds) > 0 && it.holds[0].Patron != p.ID {
			res.Refusal = refuse(CodeReserved)
			return res
		}
		if it.AgeLimit > 0 {
			age, known := p.age(now)
			if (known && age < it.AgeLimit) || (!known && p.Group == "child") {
				res.Refusal = refuse(CodeAgeLimit)
				return res
			}
		}
	}
	// The patron's own hold is fulfilled by the loan; keep it so that a
	// cancelling checkin (BI=Y) can put it back.
	var fulfilled *HoldState
	for i, h := range it.holds {
		if h.Patron == p.ID {
			fulfilled = h
			it.holds = append(it.holds[:i:i], it.holds[i+1:]...)
			break
		}
	}
	due := today.AddDate(0, 0, l.loanDays(p, it))
	if req.NoBlock && !req.NBDue.IsZero() {
		due = dateOf(req.NBDue)
	}
	l.loans[it.ID] = &Loan{Item: it.ID, Patron: p.ID, Checkout: now, Due: due}
	l.fulfilled(it.ID, fulfilled)
	it.transitTo = ""
	res.OK, res.Due = true, due
	res.Item = it.snapshot()
	res.TransactionID = l.txID()
	return res
}

// expireHolds drops ready holds whose last pickup day has passed, as a
// library's daily job would; the item is then back on the open shelf.
func (l *Library) expireHolds(now time.Time) {
	today := dateOf(now)
	for _, it := range l.items {
		kept := it.holds[:0]
		for _, h := range it.holds {
			if h.Ready && !h.Expires.IsZero() && today.After(h.Expires) {
				continue
			}
			kept = append(kept, h)
		}
		for i := len(kept); i < len(it.holds); i++ {
			it.holds[i] = nil
		}
		it.holds = kept
	}
}

// fulfilledHolds remembers the hold a loan fulfilled, by item id.
func (l *Library) fulfilled(item string, h *HoldState) {
	if l.fulfilledHolds == nil {
		l.fulfilledHolds = map[string]*HoldState{}
	}
	if h == nil {
		delete(l.fulfilledHolds, item)
		return
	}
	l.fulfilledHolds[item] = h
}

func (l *Library) txID() string {
	l.seq++
	return fmt.Sprintf("acs-%08d", l.seq)
}

// chargeRefusal says why a patron may not borrow, or nil.
func (l *Library) chargeRefusal(p *patronState) *Refusal {
	f := l.flags(p)
	switch {
	case f[FlagCardLost]:
		return refuse(CodeCardLost)
	case f[FlagExcessiveFees] || f[FlagExcessiveFines]:
		return refuse(CodeExcessiveFees)
	case f[FlagChargeDenied] || f[FlagTooManyBilled]:
		return refuse(CodePatronBlocked)
	case f[FlagTooManyCharged]:
		return refuse(CodeTooManyLoans)
	}
	return nil
}

// RenewRequest is a renewal (29) in library terms.
type RenewRequest struct {
	Patron  string
	PIN     string
	PINSent bool
	Item    string
	NoBlock bool
}

// RenewResult is the outcome of one renewal.
type RenewResult struct {
	OK      bool
	Refusal *Refusal
	Item    Item
	HasItem bool
	Due     time.Time
}

// Renew renews one loan.
func (l *Library) Renew(req RenewRequest) RenewResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.expireHolds(now)
	var res RenewResult
	p, ref := l.checkPatron(NormalizePatronID(req.Patron), req.PIN, req.PINSent)
	it, itemOK := l.items[req.Item]
	if itemOK {
		res.Item, res.HasItem = it.snapshot(), true
	}
	if ref != nil {
		res.Refusal = ref
		return res
	}
	if !itemOK {
		res.Refusal = refuse(CodeUnknownItem)
		return res
	}
	ln := l.loans[it.ID]
	if ln == nil || ln.Patron != p.ID {
		res.Refusal = refuse(CodeNotOnLoan)
		return res
	}
	return l.renew(p, it, ln, req.NoBlock, now)
}

func (l *Library) renew(p *patronState, it *itemState, ln *Loan, noBlock bool, now time.Time) RenewResult {
	res := RenewResult{Item: it.snapshot(), HasItem: true, Due: ln.Due}
	today := dateOf(now)
	if !noBlock {
		f := l.flags(p)
		switch {
		case f[FlagCardLost]:
			res.Refusal = refuse(CodeCardLost)
			return res
		case f[FlagRenewalDenied]:
			res.Refusal = refuse(CodeRenewalDenied)
			return res
		}
		for _, h := range it.holds {
			if h.Patron != p.ID {
				res.Refusal = refuse(CodeReserved)
				return res
			}
		}
		if ln.Renewals >= l.renewalLimit(it) {
			res.Refusal = refuse(CodeMaxRenewals)
			return res
		}
		if w := l.policy.RenewWindowDays; w > 0 && ln.Due.After(today.AddDate(0, 0, w)) {
			res.Refusal = refuse(CodeBeforeRenewPeriod)
			return res
		}
	}
	due := today.AddDate(0, 0, l.loanDays(p, it))
	if due.Before(ln.Due) {
		due = ln.Due
	}
	ln.Due = due
	ln.Renewals++
	res.OK, res.Due = true, due
	return res
}

// RenewAllResult is the outcome of renewing every loan of a patron.
type RenewAllResult struct {
	// Refusal is set when the patron could not be identified; then nothing
	// was tried.
	Refusal   *Refusal
	Renewed   []RenewResult
	Unrenewed []RenewResult
}

// RenewAll renews every loan of a patron (65).
func (l *Library) RenewAll(patron, pin string, pinSent bool) RenewAllResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.expireHolds(now)
	var res RenewAllResult
	p, ref := l.checkPatron(NormalizePatronID(patron), pin, pinSent)
	if ref != nil {
		res.Refusal = ref
		return res
	}
	for _, ln := range l.loansOf(p.ID) {
		r := l.renew(p, l.items[ln.Item], ln, false, now)
		if r.OK {
			res.Renewed = append(res.Renewed, r)
		} else {
			res.Unrenewed = append(res.Unrenewed, r)
		}
	}
	return res
}

// CheckinRequest is a return (09) in library terms.
type CheckinRequest struct {
	Item string
	// Location is the 09 AP current location, or the terminal's location; it
	// decides whether a hold is "here".
	Location string
	NoBlock  bool
	// ReturnDate is the 09 return date (zero = now); late fees use it.
	ReturnDate time.Time
	// Cancel is BI=Y: undo a checkout that failed at the kiosk; the loan is
	// removed without fee and the hold it fulfilled is restored.
	Cancel bool
}

// CheckinResult is the outcome of a return.
type CheckinResult struct {
	OK      bool
	Refusal *Refusal
	Item    Item
	HasItem bool
	// Alert is the CV alert type (AlertHoldHere, AlertHoldOther,
	// AlertSendToOther) or "" for none.
	Alert string
	// AlertText is the FBS screen text ("Reserveret", "Sendes til …").
	AlertText string
	// Destination is the branch or library id the item must go to (CT).
	Destination string
	// SortBin is the CL value.
	SortBin string
	// PriorPatron had the item on loan ("" when it was not lent).
	PriorPatron string
	// HoldPatron is the patron the item is now held for.
	HoldPatron string
	// Fee is a late fee charged by this return (0 = none).
	Fee float64
}

// Checkin returns an item.
func (l *Library) Checkin(req CheckinRequest) CheckinResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.expireHolds(now)
	today := dateOf(now)
	var res CheckinResult
	it, ok := l.items[req.Item]
	if !ok {
		res.Refusal = refuse(CodeUnknownItem)
		return res
	}
	here := l.branchAt(req.Location)
	if ln := l.loans[it.ID]; ln != nil {
		delete(l.loans, it.ID)
		res.PriorPatron = ln.Patron
		ret := now
		if !req.ReturnDate.IsZero() {
			ret = req.ReturnDate
		}
		if req.Cancel {
			if h := l.fulfilledHolds[it.ID]; h != nil {
				it.holds = append([]*HoldState{h}, it.holds...)
			}
		} else if l.policy.LateFee > 0 && dateOf(ret).After(ln.Due) {
			l.addFee(ln.Patron, l.policy.LateFee, it.ID, "Gebyr for sen aflevering", today)
			res.Fee = l.policy.LateFee
		}
		delete(l.fulfilledHolds, it.ID)
	}
	res.OK = true
	res.SortBin = it.SortBin
	switch {
	case len(it.holds) > 0:
		h := it.holds[0]
		res.HoldPatron = h.Patron
		res.Destination = h.Pickup
		if h.Pickup == here {
			if !h.Ready {
				h.Ready, h.InTransit = true, false
				h.Expires = today.AddDate(0, 0, l.policy.HoldShelfDays)
			}
			it.transitTo = ""
			res.Alert, res.AlertText = AlertHoldHere, "Reserveret"
			res.SortBin = "RES"
		} else {
			h.InTransit = true
			it.transitTo = h.Pickup
			res.Alert, res.AlertText = AlertHoldOther, "Sendes til "+l.BranchName(h.Pickup)
			res.SortBin = "TRANSPORT"
		}
	case it.Owner != l.inst.ID:
		it.transitTo = it.Owner
		res.Destination = it.Owner
		res.Alert, res.AlertText = AlertSendToOther, "Sendes til "+l.BranchName(it.Owner)
		res.SortBin = "FJERNLÅN"
	default:
		it.transitTo = ""
	}
	res.Item, res.HasItem = it.snapshot(), true
	return res
}

// branchAt resolves a location (branch id or name) to a branch id; unknown
// locations are the main branch.
func (l *Library) branchAt(loc string) string {
	for _, b := range l.branches {
		if strings.EqualFold(b.ID, loc) || strings.EqualFold(b.Name, loc) {
			return b.ID
		}
	}
	for _, t := range l.terminals {
		if t.Location != "" && strings.EqualFold(t.Login, loc) {
			return t.Location
		}
	}
	return l.branches[0].ID
}

// Circulation status values (18).
const (
	CircOther     = "01"
	CircAvailable = "03"
	CircCharged   = "04"
	CircOnHold    = "08"
	CircInTransit = "10"
)

// ItemStatus is what Item Information (17) reports.
type ItemStatus struct {
	Item        Item
	Found       bool
	Circulation string
	// Due is set when the item is on loan.
	Due time.Time
	// Patron holds the loan ("" when not lent); the handler reports it only
	// when the server is configured to.
	Patron     string
	HoldQueue  int
	HoldPickup time.Time // expiry of a ready hold
	Transit    string
}

// ItemInfo reports an item's circulation state.
func (l *Library) ItemInfo(id string) ItemStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expireHolds(l.now())
	it, ok := l.items[id]
	if !ok {
		return ItemStatus{Circulation: CircOther}
	}
	st := ItemStatus{Item: it.snapshot(), Found: true, Circulation: CircAvailable, HoldQueue: len(it.holds), Transit: it.transitTo}
	switch ln := l.loans[id]; {
	case ln != nil:
		st.Circulation, st.Due, st.Patron = CircCharged, ln.Due, ln.Patron
	case it.transitTo != "":
		st.Circulation = CircInTransit
	case len(it.holds) > 0 && it.holds[0].Ready:
		st.Circulation, st.HoldPickup = CircOnHold, it.holds[0].Expires
	}
	return st
}

// LoanView is a loan with its item, for patron information.
type LoanView struct {
	Loan
	Item    Item
	Overdue bool
}

// HoldView is a hold with its item.
type HoldView struct {
	HoldState
	Item     Item
	Position int // 1-based place in the queue
}

// PatronInfo is what Patron Status (23) and Patron Information (63) report.
type PatronInfo struct {
	Found bool
	// PINOK is set when the PIN matched; PINChecked when one was sent.
	PINOK      bool
	PINChecked bool
	Patron     Patron
	Flags      [14]bool
	Loans      []LoanView
	Overdue    []LoanView
	// ReadyHolds wait on the pickup shelf (AS); WaitingHolds are still in
	// the queue or in transit (CD).
	ReadyHolds   []HoldView
	WaitingHolds []HoldView
	Fees         []Fee
	FeeTotal     float64
	FeeLimit     float64
	Currency     string
	MaxLoans     int
}

// PatronStatus reports a patron's account.
func (l *Library) PatronStatus(id, pin string, pinSent bool) PatronInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.expireHolds(now)
	info := PatronInfo{FeeLimit: l.policy.FeeLimit, Currency: l.inst.Currency}
	p, ok := l.patrons[NormalizePatronID(id)]
	if !ok {
		return info
	}
	info.Found = true
	info.Patron = p.Patron
	info.PINChecked = pinSent
	info.PINOK = pinSent && pin == p.PIN
	info.Flags = l.flags(p)
	info.MaxLoans = l.policy.MaxLoans[p.Group]
	for _, ln := range l.loansOf(p.ID) {
		v := LoanView{Loan: *ln, Item: l.items[ln.Item].snapshot(), Overdue: overdue(ln, now)}
		info.Loans = append(info.Loans, v)
		if v.Overdue {
			info.Overdue = append(info.Overdue, v)
		}
	}
	for _, iid := range l.iorder {
		it := l.items[iid]
		for i, h := range it.holds {
			if h.Patron != p.ID {
				continue
			}
			v := HoldView{HoldState: *h, Item: it.snapshot(), Position: i + 1}
			if h.Ready && i == 0 && l.loans[iid] == nil {
				info.ReadyHolds = append(info.ReadyHolds, v)
			} else {
				info.WaitingHolds = append(info.WaitingHolds, v)
			}
		}
	}
	for _, f := range l.fees {
		if f.Patron == p.ID {
			info.Fees = append(info.Fees, *f)
			info.FeeTotal += f.Amount
		}
	}
	return info
}

// BlockPatron blocks a patron's card (01): charge privileges are denied and,
// when the card was retained, it is reported lost.
func (l *Library) BlockPatron(id string, cardRetained bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[NormalizePatronID(id)]
	if !ok {
		return false
	}
	p.flags[FlagChargeDenied] = true
	p.Blocks = append(p.Blocks, "charge-denied")
	if cardRetained {
		p.flags[FlagCardLost] = true
		p.Blocks = append(p.Blocks, "card-lost")
	}
	return true
}
