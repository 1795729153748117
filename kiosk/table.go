package kiosk

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Transition is one row of the transition table: from a state, an event
// (with a label saying which variant) leads to a state with effects.
type Transition struct {
	From    State
	Event   string
	To      State
	Effects []string
}

// tableEvents are the representative events the table is built from. Each
// is a function so that a fresh secret buffer is used every time.
var tableEvents = []struct {
	label string
	ev    func(m Model) Event
}{
	{"input:choose-loan", func(Model) Event { return EvInput{In: InChoose{Screen: ScreenLoan}} }},
	{"input:choose-return", func(Model) Event { return EvInput{In: InChoose{Screen: ScreenReturn}} }},
	{"input:choose-renew", func(Model) Event { return EvInput{In: InChoose{Screen: ScreenRenew}} }},
	{"input:choose-account", func(Model) Event { return EvInput{In: InChoose{Screen: ScreenAccount}} }},
	{"input:submit", func(Model) Event { return EvInput{In: InSubmit{}} }},
	{"input:back", func(Model) Event { return EvInput{In: InBack{}} }},
	{"input:finish", func(Model) Event { return EvInput{In: InFinish{}} }},
	{"input:receipt-print", func(Model) Event { return EvInput{In: InReceipt{Choice: "print"}} }},
	{"input:receipt-none", func(Model) Event { return EvInput{In: InReceipt{Choice: "none"}} }},
	{"input:renew-all", func(Model) Event { return EvInput{In: InRenewAll{}} }},
	{"scan:card", func(Model) Event { return EvScan{Text: []byte("0000000000")} }},
	{"pad:item", func(Model) Event { return EvPadItem{Item: PadItem{ItemID: "tbl-2", Parts: 1, Present: []int{1}}} }},
	{"tick:idle-timeout", func(Model) Event { return EvTick{} }},
	{"started:clean", func(Model) Event { return EvStarted{} }},
	{"started:open-journal", func(Model) Event { return EvStarted{OpenEntries: 1} }},
	{"journal-settled", func(Model) Event { return EvJournalSettled{} }},
	{"health:acs-offline", func(m Model) Event {
		h := m.Health
		h.ACSOnline = false
		return EvHealth{Health: h}
	}},
	{"health:reader-missing", func(m Model) Event {
		h := m.Health
		h.Reader = false
		return EvHealth{Health: h}
	}},
	{"health:all-ok", func(m Model) Event {
		h := m.Health
		h.ACSOnline, h.Reader, h.CheckinOK, h.CheckoutOK = true, true, true, true
		return EvHealth{Health: h}
	}},
	{"auth:valid", func(m Model) Event {
		return EvAuth{Session: m.Session, Status: PatronStatus{ValidPatron: "Y", ValidPIN: "Y"}}
	}},
	{"auth:wrong-pin", func(m Model) Event {
		return EvAuth{Session: m.Session, Status: PatronStatus{ValidPatron: "Y", ValidPIN: "N"}}
	}},
	{"auth:unknown-patron", func(m Model) Event {
		return EvAuth{Session: m.Session, Status: PatronStatus{ValidPatron: "N", ValidPIN: "N"}}
	}},
	{"auth:offline", func(m Model) Event { return EvAuth{Session: m.Session, Err: ErrOffline} }},
	{"checkout:ok", func(Model) Event {
		return EvCheckout{ItemID: "tbl-1", Result: CheckoutResult{OK: true, Desensitize: "Y"}}
	}},
	{"checkout:refused", func(Model) Event { return EvCheckout{ItemID: "tbl-1", Result: CheckoutResult{}} }},
	{"checkout:unknown", func(Model) Event { return EvCheckout{ItemID: "tbl-1", Err: ErrOutcomeUnknown} }},
	{"checkin:ok", func(Model) Event {
		return EvCheckin{ItemID: "tbl-1", Result: CheckinResult{OK: true, Resensitize: "Y"}}
	}},
	{"checkin:offline", func(Model) Event { return EvCheckin{ItemID: "tbl-1", Err: ErrOffline} }},
	{"tag:ok", func(Model) Event { return EvSecured{ItemID: "tbl-1"} }},
	{"tag:failed", func(Model) Event { return EvSecured{ItemID: "tbl-1", Err: fmt.Errorf("write failed")} }},
	{"printed:ok", func(m Model) Event { return EvPrinted{Session: m.Session} }},
	{"printed:jam", func(m Model) Event { return EvPrinted{Session: m.Session, Err: fmt.Errorf("jam")} }},
	{"input:maint-enter", func(Model) Event { return EvInput{In: InMaintEnter{}} }},
	{"maint-checked:ok", func(Model) Event { return EvMaintChecked{Tech: "tech"} }},
	{"maint-checked:wrong", func(Model) Event { return EvMaintChecked{} }},
	{"input:maint-exit", func(Model) Event { return EvInput{In: InMaintExit{}} }},
}

// tableModels returns representative models for state s.
func tableModels(s State) []Model {
	opts := DefaultOptions()
	opts.StateDir = ""
	// A credential file is named, so the table shows maintenance mode's
	// way in (without one the hold only logs a line).
	opts.MaintPINFile = "/etc/kiosk/maintenance-pin"
	base := NewModel(opts, nil, time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	base.Health.Recovering = false
	base.Mode, base.ModeReason = base.computeMode()
	base.State = s
	base.LastActivity = base.Now.Add(-opts.IdleTimeout)
	base.GoodbyeUntil = base.Now
	withItem := func(m Model, f flow, p phase) Model {
		m.Items = append(m.Items, item{Pad: PadItem{ItemID: "tbl-1", Parts: 1, Present: []int{1}}, Flow: f, Phase: p, OnPad: true})
		return m
	}
	switch s {
	case StateStarting:
		base.Health.Recovering = true
		base.Mode, base.ModeReason = base.computeMode()
	case StateIdentify:
		base.Sec = &Secrets{Typed: []byte("0000000000")}
	case StatePIN:
		base.Sec = &Secrets{ID: []byte("0000000000"), PIN: []byte("0000")}
	case StateAuthenticating:
		base.Sec = &Secrets{ID: []byte("0000000000"), PIN: []byte("0000")}
		base.Busy = 1
		base.Intent = ScreenLoan
	case StateLoan, StateRenew, StateAccount:
		base.Sec = &Secrets{ID: []byte("0000000000"), PIN: []byte("0000")}
		base.LoggedIn = true
		if s == StateLoan {
			return []Model{base, withItem(base, flowLoan, phaseCheckout), withItem(base, flowLoan, phaseSecure)}
		}
		base.Loans = []loan{{Loan: Loan{ItemID: "tbl-1"}}}
	case StateReturn:
		return []Model{base, withItem(base, flowReturn, phaseCheckin), withItem(base, flowReturn, phaseSecure)}
	case StateReceipt, StatePrinting:
		base.Receipt = []ReceiptLine{{ItemID: "tbl-1", Kind: "loan"}}
	case StateMaintLogin, StateMaintCheck, StateMaintenance:
		base.Maint.LastTouch = base.Now
		if s == StateMaintenance {
			base.Maint.Tech, base.Maint.Page = "tech", PageStatus
		}
	case StateOutOfOrder:
		base.Health.ACSOnline = false
		base.Health.OfflineOK = false
		base.Mode, base.ModeReason = base.computeMode()
	}
	return []Model{base}
}

// TransitionTable derives the table from Step itself by running every
// representative event in every representative model, so it never goes
// stale. Events that change nothing are left out.
func TransitionTable() []Transition {
	seen := map[string]bool{}
	var out []Transition
	for _, s := range States() {
		for _, e := range tableEvents {
			for _, m := range tableModels(s) {
				m.Sec = &Secrets{Typed: clone(m.Sec.Typed), ID: clone(m.Sec.ID), PIN: clone(m.Sec.PIN)}
				m.Throttle = NewThrottle(*m.Opts)
				next, effs := Step(m, e.ev(m))
				var names []string
				for _, f := range effs {
					if _, ok := f.(EffLog); ok {
						continue
					}
					names = append(names, f.effectName())
				}
				if next.State == s && len(names) == 0 {
					continue
				}
				key := fmt.Sprint(s, e.label, next.State, names)
				if seen[key] {
					continue
				}
				seen[key] = true
				out = append(out, Transition{From: s, Event: e.label, To: next.State, Effects: names})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].From < out[j].From })
	return out
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// WriteTable prints the transition table as text, or as Graphviz dot when
// dot is set.
func WriteTable(w io.Writer, dot bool) error {
	rows := TransitionTable()
	if dot {
		fmt.Fprintln(w, "digraph kiosk {")
		fmt.Fprintln(w, "  rankdir=LR;")
		edges := map[string][]string{}
		var keys []string
		for _, r := range rows {
			if r.From == r.To {
				continue
			}
			k := fmt.Sprintf("  %q -> %q", r.From.String(), r.To.String())
			if _, ok := edges[k]; !ok {
				keys = append(keys, k)
			}
			edges[k] = append(edges[k], r.Event)
		}
		for _, k := range keys {
			fmt.Fprintf(w, "%s [label=\"%s\"];\n", k, strings.Join(edges[k], `\n`))
		}
		_, err := fmt.Fprintln(w, "}")
		return err
	}
	fmt.Fprintf(w, "%-15s %-22s %-15s %s\n", "FROM", "EVENT", "TO", "EFFECTS")
	for _, r := range rows {
		if _, err := fmt.Fprintf(w, "%-15s %-22s %-15s %s\n", r.From, r.Event, r.To, strings.Join(r.Effects, ",")); err != nil {
			return err
		}
	}
	return nil
}
