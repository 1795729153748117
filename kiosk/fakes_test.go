package kiosk

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The fakes in this file stand in for the library system, the pad and the
// printer in the core's own tests. They record what happened so tests can
// check the invariants (an item unsecured only after a confirmed loan, …).

// Synthetic test identities (not real CPR numbers): 01-01-1970 with an
// obviously fake sequence.
const (
	testCPR = "0101700000"
	testPIN = "1234"
)

type fakeItem struct {
	title   string
	charged string // patron id or ""
	due     time.Time
	hold    bool // on hold for someone else: checkin alerts 01
	refuse  string
}

type fakeLibrary struct {
	mu       sync.Mutex
	patrons  map[string]string // id → pin
	names    map[string]string
	blocks   map[string]Blocks
	items    map[string]*fakeItem
	offline  bool
	acsTime  time.Time // the 98's date/time sync; zero: zeros
	now      func() time.Time
	latency  time.Duration
	inFlight int
	maxIn    int
	calls    []string
	// loseReply makes the next n checkouts commit and then report an
	// unknown outcome.
	loseReply int
	// loseBefore makes the next n checkouts report an unknown outcome
	// without committing (the request never reached the ACS).
	loseBefore int
	// failCancel makes cancelling checkouts fail.
	failCancel bool
	ended      int
	blocked    int
	pins       []string // every PIN the fake received (to check none is blank)
	// statusErr, when set, is what Status returns (e.g. a refused login).
	statusErr error
	// statusAt and statusPaperOut record every Status call.
	statusAt       []time.Time
	statusPaperOut []bool
}

func newFakeLibrary() *fakeLibrary {
	l := &fakeLibrary{
		patrons: map[string]string{testCPR: testPIN, "0101700001": "4321"},
		names:   map[string]string{testCPR: "Testa Testesen", "0101700001": "Anden Testesen"},
		blocks:  map[string]Blocks{},
		items:   map[string]*fakeItem{},
		now:     func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) },
	}
	for _, id := range []string{"item-1", "item-2", "item-3", "item-4", "item-5", "item-6"} {
		l.items[id] = &fakeItem{title: "Titel " + id}
	}
	return l
}

func (l *fakeLibrary) enter(name string) func() {
	l.mu.Lock()
	l.inFlight++
	if l.inFlight > l.maxIn {
		l.maxIn = l.inFlight
	}
	l.calls = append(l.calls, name)
	lat := l.latency
	l.mu.Unlock()
	if lat > 0 {
		time.Sleep(lat)
	}
	return func() {
		l.mu.Lock()
		l.inFlight--
		l.mu.Unlock()
	}
}

func (l *fakeLibrary) auth(p Patron) (bool, bool) {
	pin, ok := l.patrons[string(p.ID)]
	l.pins = append(l.pins, string(p.PIN))
	return ok, ok && len(p.PIN) > 0 && pin == string(p.PIN)
}

func (l *fakeLibrary) PatronStatus(ctx context.Context, p Patron) (PatronStatus, error) {
	defer l.enter("23")()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.offline {
		return PatronStatus{}, ErrOffline
	}
	valid, pinOK := l.auth(p)
	st := PatronStatus{ValidPatron: yn(valid), ValidPIN: yn(pinOK)}
	if valid {
		st.Name = []byte(l.names[string(p.ID)])
		st.Blocks = l.blocks[string(p.ID)]
	}
	return st, nil
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

func (l *fakeLibrary) Account(ctx context.Context, p Patron) (Account, error) {
	defer l.enter("63")()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.offline {
		return Account{}, ErrOffline
	}
	valid, pinOK := l.auth(p)
	a := Account{Status: PatronStatus{ValidPatron: yn(valid), ValidPIN: yn(pinOK)}, Currency: "DKK"}
	if !valid || !pinOK {
		return a, nil
	}
	for id, it := range l.items {
		if it.charged == string(p.ID) {
			a.Loans = append(a.Loans, Loan{ItemID: id, Title: it.title, Due: it.due, Overdue: it.due.Before(l.now())})
		}
	}
	a.Holds = []Hold{{Title: "Ventende bog", PickupAt: "Hovedbiblioteket", LastDay: l.now().AddDate(0, 0, 7)}}
	a.FeeTotal = 2500
	return a, nil
}

func (l *fakeLibrary) Checkout(ctx context.Context, r CheckoutRequest) (CheckoutResult, error) {
	defer l.enter("11")()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.offline {
		return CheckoutResult{}, ErrOffline
	}
	if len(r.Patron.PIN) == 0 {
		return CheckoutResult{Messages: []string{"[INVALID_PIN]"}}, nil
	}
	l.pins = append(l.pins, string(r.Patron.PIN))
	if l.loseBefore > 0 {
		l.loseBefore--
		return CheckoutResult{}, ErrOutcomeUnknown
	}
	it := l.items[r.ItemID]
	switch {
	case it == nil:
		return CheckoutResult{Messages: []string{"[UNKNOWN_ITEM]", "Ukendt materiale"}}, nil
	case it.refuse != "":
		return CheckoutResult{Messages: []string{it.refuse}}, nil
	case it.charged != "" && it.charged != string(r.Patron.ID):
		return CheckoutResult{Messages: []string{"[ITEM_ON_LOAN]"}}, nil
	case it.charged == string(r.Patron.ID) && !r.Renew:
		return CheckoutResult{Messages: []string{"[ALREADY_ON_LOAN]"}}, nil
	}
	renewal := it.charged != ""
	it.charged = string(r.Patron.ID)
	it.due = l.now().AddDate(0, 0, 30)
	if l.loseReply > 0 {
		l.loseReply--
		return CheckoutResult{}, ErrOutcomeUnknown
	}
	return CheckoutResult{OK: true, RenewalOK: renewal, Desensitize: "Y", Title: it.title, Due: it.due}, nil
}

func (l *fakeLibrary) Checkin(ctx context.Context, r CheckinRequest) (CheckinResult, error) {
	defer l.enter("09")()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.offline {
		return CheckinResult{}, ErrOffline
	}
	if r.Cancel && l.failCancel {
		return CheckinResult{}, errors.New("fake: cancel failed")
	}
	it := l.items[r.ItemID]
	if it == nil {
		return CheckinResult{Messages: []string{"[UNKNOWN_ITEM]"}}, nil
	}
	it.charged = ""
	res := CheckinResult{OK: true, Resensitize: "Y", Title: it.title}
	if it.hold {
		res.Alert, res.AlertType, res.Messages = true, "01", []string{"Reserveret"}
	}
	return res, nil
}

func (l *fakeLibrary) Renew(ctx context.Context, p Patron, itemID string) (CheckoutResult, error) {
	defer l.enter("29")()
	l.mu.Lock()
	defer l.mu.Unlock()
	it := l.items[itemID]
	if it == nil || it.charged != string(p.ID) {
		return CheckoutResult{Messages: []string{"[NOT_ON_LOAN]"}}, nil
	}
	it.due = it.due.AddDate(0, 0, 30)
	return CheckoutResult{OK: true, RenewalOK: true, Due: it.due, Title: it.title}, nil
}

func (l *fakeLibrary) RenewAll(ctx context.Context, p Patron) (RenewAllResult, error) {
	defer l.enter("65")()
	l.mu.Lock()
	defer l.mu.Unlock()
	var r RenewAllResult
	for id, it := range l.items {
		if it.charged == string(p.ID) {
			it.due = it.due.AddDate(0, 0, 30)
			r.Renewed = append(r.Renewed, id)
		}
	}
	return r, nil
}

func (l *fakeLibrary) ItemInfo(ctx context.Context, itemID string) (ItemStatus, error) {
	defer l.enter("17")()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.offline {
		return ItemStatus{}, ErrOffline
	}
	it := l.items[itemID]
	if it == nil {
		return ItemStatus{Circulation: "01"}, nil
	}
	if it.charged != "" {
		return ItemStatus{Circulation: "04", Due: it.due, Title: it.title}, nil
	}
	return ItemStatus{Circulation: "03", Title: it.title}, nil
}

func (l *fakeLibrary) EndSession(ctx context.Context, p Patron) error {
	defer l.enter("35")()
	l.mu.Lock()
	l.ended++
	l.mu.Unlock()
	return nil
}

func (l *fakeLibrary) BlockPatron(ctx context.Context, p Patron, msg string) error {
	defer l.enter("01")()
	l.mu.Lock()
	l.blocked++
	l.mu.Unlock()
	return nil
}

func (l *fakeLibrary) Status(ctx context.Context, paperOut bool) (ACSStatus, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statusAt = append(l.statusAt, time.Now())
	l.statusPaperOut = append(l.statusPaperOut, paperOut)
	if l.statusErr != nil {
		return ACSStatus{}, l.statusErr
	}
	if l.offline {
		return ACSStatus{}, ErrOffline
	}
	return ACSStatus{Online: true, CheckinOK: true, CheckoutOK: true, OfflineOK: true, Time: l.acsTime}, nil
}

func (l *fakeLibrary) chargedTo(item string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if it := l.items[item]; it != nil {
		return it.charged
	}
	return ""
}

// fakeTags is the pad's tag memory: the AFI of every item, with faults.
type fakeTags struct {
	mu     sync.Mutex
	afi    map[string]byte
	fail   map[string]int // item → remaining failures
	lib    *fakeLibrary
	writes []string
	// violations records unsecure writes of items not charged in the library.
	violations []string
}

func newFakeTags(lib *fakeLibrary) *fakeTags {
	return &fakeTags{afi: map[string]byte{}, fail: map[string]int{}, lib: lib}
}

func (t *fakeTags) SetSecured(ctx context.Context, it PadItem, secured bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fail[it.ItemID] > 0 {
		t.fail[it.ItemID]--
		return errors.New("fake: tag write failed")
	}
	if secured {
		t.afi[it.ItemID] = 0x07
		t.writes = append(t.writes, it.ItemID+"=07")
	} else {
		if t.lib != nil && t.lib.chargedTo(it.ItemID) == "" {
			t.violations = append(t.violations, it.ItemID)
		}
		t.afi[it.ItemID] = 0xC2
		t.writes = append(t.writes, it.ItemID+"=C2")
	}
	return nil
}

func (t *fakeTags) get(id string) byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.afi[id]; ok {
		return v
	}
	return 0x07
}

type fakePrinter struct {
	mu       sync.Mutex
	receipts []Receipt
	fail     bool
	paper    string
}

func (p *fakePrinter) Print(ctx context.Context, r Receipt) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return errors.New("fake: paper jam")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.receipts = append(p.receipts, r)
	return nil
}

func (p *fakePrinter) Paper(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paper == "" {
		return PaperOK, nil
	}
	return p.paper, nil
}

// recUI records every view.
type recUI struct {
	mu    sync.Mutex
	views []View
}

func (u *recUI) Render(v View) {
	u.mu.Lock()
	u.views = append(u.views, v)
	u.mu.Unlock()
}

func pad(id string) PadItem { return PadItem{ItemID: id, Parts: 1, Present: []int{1}} }
