package kiosk

import (
	"fmt"
	"slices"
	"testing"
)

// cuesOf lists the cues among effs, in order.
func cuesOf(effs []Effect) []Cue { return pick(effs, func(x EffCue) Cue { return x.Cue }) }

func TestSoundCues(t *testing.T) {
	for _, on := range []bool{true, false} {
		o := testOpts()
		o.SoundCues = on
		want := func(cs ...Cue) []Cue {
			if !on {
				return nil
			}
			return cs
		}
		check := func(what string, effs []Effect, w []Cue) {
			t.Helper()
			if got := cuesOf(effs); !slices.Equal(got, w) {
				t.Errorf("cues on=%v: %s: cues %v, want %v", on, what, got, w)
			}
		}

		// Accepted: a loan confirmed and its tag unsecured; nothing while
		// it is in work.
		m := loggedIn(t, o, PatronStatus{})
		m, effs := run(m, EvPadItem{Item: pad("item-1")})
		check("item on the pad", effs, nil)
		m, effs = Step(m, EvCheckout{ItemID: "item-1", Result: CheckoutResult{OK: true, Desensitize: "Y", Title: "Bog", Due: t0.AddDate(0, 0, 30)}})
		check("loan confirmed, tag not yet written", effs, nil)
		m, effs = Step(m, EvSecured{ItemID: "item-1"})
		check("loan done", effs, want(CueAccepted))
		m, effs = Step(m, EvTick{})
		check("nothing new", effs, nil)

		// Refused: the library system says no.
		m, effs = run(m, EvPadItem{Item: pad("item-2")})
		check("second item on the pad", effs, nil)
		_, effs = Step(m, EvCheckout{ItemID: "item-2", Result: CheckoutResult{OK: false, Messages: []string{"[RESERVED]"}}})
		check("loan refused", effs, want(CueRefused))

		// Renewals sound the same: one renewed, one refused.
		m = loggedIn(t, o, PatronStatus{})
		m, _ = run(m, in(InChoose{Screen: ScreenRenew}))
		m, _ = Step(m, EvAccount{Session: m.Session, Account: Account{Loans: []Loan{{ItemID: "l-1", Due: t0}, {ItemID: "l-2", Due: t0}}}})
		m, _ = run(m, in(InToggleRenew{ItemID: "l-1"}), in(InToggleRenew{ItemID: "l-2"}), in(InRenewChosen{}))
		m, effs = Step(m, EvRenew{Session: m.Session, ItemID: "l-1", Result: CheckoutResult{OK: true, Due: t0.AddDate(0, 0, 30)}})
		check("renewed", effs, want(CueAccepted))
		m, effs = Step(m, EvRenew{Session: m.Session, ItemID: "l-2", Result: CheckoutResult{OK: false}})
		check("renewal refused", effs, want(CueRefused))

		// Ending: once, when the idle warning appears.
		m.Now = m.LastActivity.Add(o.IdleTimeout - o.IdleWarning)
		m, effs = Step(m, EvTick{})
		check("idle warning", effs, want(CueEnding))
		m.Now = m.Now.Add(o.IdleWarning / 2)
		_, effs = Step(m, EvTick{})
		check("idle warning still shown", effs, nil)
	}
}

// TestSoundCuesOnePerKind: items settled together give one cue of each
// kind, the refusal first.
func TestSoundCuesOnePerKind(t *testing.T) {
	o := testOpts()
	o.SoundCues = true
	m := loggedIn(t, o, PatronStatus{})
	m, _ = run(m, in(InChoose{Screen: ScreenRenew}))
	m, _ = Step(m, EvAccount{Session: m.Session, Account: Account{Loans: []Loan{{ItemID: "l-1", Due: t0}, {ItemID: "l-2", Due: t0}, {ItemID: "l-3", Due: t0}}}})
	m, _ = run(m, in(InRenewAll{}))
	_, effs := Step(m, EvRenewAll{Session: m.Session, Result: RenewAllResult{Renewed: []string{"l-1", "l-2"},
		Unrenewed: []RenewRefusal{{ItemID: "l-3", Reason: "MAX_RENEWALS"}}}})
	if got := cuesOf(effs); !slices.Equal(got, []Cue{CueRefused, CueAccepted}) {
		t.Fatalf("renew all: cues %v, want [refused accepted]", got)
	}
}

// BenchmarkStepCues is the cost of the cue comparison in Step: a session
// with 20 items on the pad, stepped by ticks, cues on and off.
func BenchmarkStepCues(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			o := testOpts()
			o.SoundCues = on
			m := loggedIn(b, o, PatronStatus{})
			for i := range 20 {
				m, _ = Step(m, EvPadItem{Item: pad(fmt.Sprintf("item-%02d", i))})
			}
			b.ResetTimer()
			for range b.N {
				m, _ = Step(m, EvTick{})
			}
		})
	}
}
