package kiosk

import (
	"fmt"
	"testing"
)

// pick returns f of every effect of type T in effs, in order.
func pick[T Effect, R any](effs []Effect, f func(T) R) []R {
	var out []R
	for _, e := range effs {
		if x, ok := e.(T); ok {
			out = append(out, f(x))
		}
	}
	return out
}

// holdAsks returns the item ids of the Item Information requests (17).
func holdAsks(effs []Effect) []string {
	return pick(effs, func(x EffItemTitle) string { return x.ItemID })
}

func TestReservedLoansMarkedBeforeTicking(t *testing.T) {
	m := loggedIn(t, testOpts(), PatronStatus{})
	m, _ = run(m, in(InChoose{Screen: ScreenRenew}))
	acct := Account{Loans: []Loan{{ItemID: "item-1", Due: t0}, {ItemID: "item-2", Due: t0}, {ItemID: "item-3", Due: t0}}}
	m, effs := Step(m, EvAccount{Session: m.Session, Account: acct})
	if got := holdAsks(effs); len(got) != 1 || got[0] != "item-1" {
		t.Fatalf("first asks %v, want one 17 for item-1", got)
	}
	// The screen is usable while the answers arrive: the patron ticks a
	// loan not answered yet.
	m, _ = run(m, in(InToggleRenew{ItemID: "item-2"}))
	if !m.Loans[1].Selected {
		t.Fatal("a loan could not be ticked while the hold queues were asked")
	}
	m, effs = Step(m, EvItemTitle{Session: m.Session, ItemID: "item-1", HoldQueue: 0})
	if got := holdAsks(effs); len(got) != 1 || got[0] != "item-2" {
		t.Fatalf("after item-1: asks %v, want item-2", got)
	}
	m, effs = Step(m, EvItemTitle{Session: m.Session, ItemID: "item-2", HoldQueue: 2})
	if got := holdAsks(effs); len(got) != 1 || got[0] != "item-3" {
		t.Fatalf("after item-2: asks %v, want item-3", got)
	}
	// A 17 that fails leaves the loan tickable, and asks nothing more.
	m, effs = Step(m, EvItemTitle{Session: m.Session, ItemID: "item-3", HoldQueue: -1, Err: fmt.Errorf("sip2: %w", ErrOutcomeUnknown)})
	if got := holdAsks(effs); len(got) != 0 {
		t.Fatalf("after the last: asks %v", got)
	}
	v := m.View()
	for i, want := range []string{"", MsgRenewReservedOther, ""} {
		if l := v.Loans[i]; l.CannotRenew.ID != want || l.Selected && want != "" {
			t.Errorf("loan %s marked %q (selected %v), want %q", l.ItemID, l.CannotRenew.ID, l.Selected, want)
		}
	}
	// The reserved loan, ticked before the answer came, is unticked and
	// cannot be ticked again; the others can.
	m, effs = run(m, in(InToggleRenew{ItemID: "item-2"}), in(InToggleRenew{ItemID: "item-3"}), in(InRenewChosen{}))
	if n := count[EffRenew](effs); n != 1 {
		t.Fatalf("%d renewals sent, want 1 (item-3): %v", n, effs)
	}
	if r, _ := find[EffRenew](effs); r.ItemID != "item-3" {
		t.Fatalf("renewed %s, want item-3", r.ItemID)
	}
	// A reload of the account keeps the answers and asks nothing again.
	m, effs = Step(m, EvAccount{Session: m.Session, Account: acct})
	if got := holdAsks(effs); len(got) != 0 || m.View().Loans[1].CannotRenew.ID != MsgRenewReservedOther {
		t.Fatalf("after a reload: asks %v, loan %+v", got, m.View().Loans[1])
	}
	// An answer of an ended session is ignored.
	m, _ = run(m, in(InFinish{}))
	if m.HoldAsk != "" {
		t.Fatalf("hold ask %q outlived the session", m.HoldAsk)
	}
}

func TestHoldAsksBounded(t *testing.T) {
	m := loggedIn(t, testOpts(), PatronStatus{})
	m, _ = run(m, in(InChoose{Screen: ScreenRenew}))
	var acct Account
	for i := range maxHoldAsks + 20 {
		acct.Loans = append(acct.Loans, Loan{ItemID: fmt.Sprintf("item-%03d", i), Due: t0})
	}
	m, effs := Step(m, EvAccount{Session: m.Session, Account: acct})
	asked := holdAsks(effs)
	for i := 0; len(asked) > 0; i++ {
		if len(asked) != 1 {
			t.Fatalf("%d requests at once: %v", len(asked), asked)
		}
		if i >= len(acct.Loans) {
			t.Fatal("asks never stop")
		}
		m, effs = Step(m, EvItemTitle{Session: m.Session, ItemID: asked[0], HoldQueue: 1})
		asked = holdAsks(effs)
	}
	reserved := 0
	for _, l := range m.View().Loans {
		if l.CannotRenew.ID == MsgRenewReservedOther {
			reserved++
		}
	}
	if reserved != maxHoldAsks {
		t.Fatalf("%d loans asked and marked, want %d", reserved, maxHoldAsks)
	}
}

func TestHoldAsksOnlyOnTheRenewScreen(t *testing.T) {
	m := loggedIn(t, testOpts(), PatronStatus{})
	m, _ = run(m, in(InChoose{Screen: ScreenAccount}))
	m, effs := Step(m, EvAccount{Session: m.Session, Account: Account{Loans: []Loan{{ItemID: "item-1", Due: t0}}}})
	if got := holdAsks(effs); len(got) != 0 {
		t.Fatalf("the account screen asked %v", got)
	}
	// Offline: nothing asked, every loan stays tickable.
	m = loggedIn(t, testOpts(), PatronStatus{})
	m, _ = run(m, in(InChoose{Screen: ScreenRenew}))
	m.Health.ACSOnline = false
	m, effs = Step(m, EvAccount{Session: m.Session, Account: Account{Loans: []Loan{{ItemID: "item-1", Due: t0}}}})
	if got := holdAsks(effs); len(got) != 0 {
		t.Fatalf("offline: asked %v", got)
	}
	// An answer that arrives after the session ended changes nothing.
	m = loggedIn(t, testOpts(), PatronStatus{})
	m, _ = run(m, in(InChoose{Screen: ScreenRenew}))
	m, _ = Step(m, EvAccount{Session: m.Session, Account: Account{Loans: []Loan{{ItemID: "item-1", Due: t0}}}})
	old := m.Session
	m, _ = run(m, in(InFinish{}))
	m, effs = Step(m, EvItemTitle{Session: old, ItemID: "item-1", HoldQueue: 3})
	if got := holdAsks(effs); len(got) != 0 || m.HoldAsk != "" {
		t.Fatalf("a stale answer asked %v (hold ask %q)", got, m.HoldAsk)
	}
}

// TestE2EReservedLoanMarked: through SIP2 and the simulator, whose 18
// answers CF with the item's holds, Erik's loan that another patron
// reserved (Kvinden i buret, in the demo seed) is marked before he ticks
// anything, and only that one.
func TestE2EReservedLoanMarked(t *testing.T) {
	e := newE2E(t, nil, nil)
	e.renewScreen(t, erik)
	e.eventually(t, "reserved loan marked", func() bool {
		for _, l := range e.k.View().Loans {
			if l.CannotRenew.ID == MsgRenewReservedOther {
				return true
			}
		}
		return false
	})
	var marked []string
	for _, l := range e.k.View().Loans {
		if l.CannotRenew.ID == MsgRenewReservedOther {
			marked = append(marked, l.ItemID)
		}
	}
	if len(marked) != 1 || marked[0] != "3800000797" {
		t.Fatalf("marked %v, want only 3800000797", marked)
	}
}
