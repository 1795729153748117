package kiosk

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
	"pgregory.net/rapid"
)

// world drives Step the way the runner does, but completes the pending
// effects in an order rapid chooses, so every interleaving of concurrent
// library calls and tag writes gets explored. Effects run against the
// fakes through Kiosk.execute, the runner's own code.
type world struct {
	t       *rapid.T
	m       Model
	k       *Kiosk
	lib     *fakeLibrary
	tags    *fakeTags
	now     time.Time
	pending []Effect
	// seeStaff collects every item ever shown as "see staff".
	seeStaff map[string]bool
	// keptSecured collects items lent with desensitize=N.
	keptSecured map[string]bool
	onPad       map[string]bool
}

var worldItems = []string{"item-1", "item-2", "item-3", "item-4", "item-5", "item-6"}

func newWorld(t *rapid.T) *world {
	lib := newFakeLibrary()
	tags := newFakeTags(lib)
	o := DefaultOptions()
	o.StateDir = ""
	o.OfflineReturns = false
	k, err := New(o, Ports{Library: lib, Tags: tags}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, k: k, lib: lib, tags: tags, now: t0, seeStaff: map[string]bool{},
		keptSecured: map[string]bool{}, onPad: map[string]bool{}}
	w.m = NewModel(o, nil, t0)
	w.step(EvStarted{})
	return w
}

func (w *world) step(ev Event) {
	w.m.Now = w.now
	m, effs := Step(w.m, ev)
	w.m = m
	for _, e := range effs {
		switch e.(type) {
		case EffLog, EffJournal, EffDiscardPrints:
		default:
			w.pending = append(w.pending, e)
		}
	}
	for _, it := range m.View().Items {
		if it.State == ItemSeeStaff {
			w.seeStaff[it.ItemID] = true
		}
		if it.KeepSecured {
			w.keptSecured[it.ItemID] = true
		}
	}
	w.check()
}

// check holds the invariants that must be true after every event.
func (w *world) check() {
	if len(w.tags.violations) > 0 {
		w.t.Fatalf("AFI 0xC2 written without a confirmed loan: %v", w.tags.violations)
	}
	v := w.m.View()
	text := fmt.Sprintf("%+v", v)
	if strings.Contains(text, testCPR) || strings.Contains(text, "0101700001") {
		w.t.Fatalf("a card number reached the view: %s", text)
	}
	if !w.m.LoggedIn && w.m.State != StatePIN && w.m.State != StateAuthenticating && len(w.m.Sec.PIN) > 0 {
		w.t.Fatalf("PIN kept outside login in state %v", w.m.State)
	}
}

func (w *world) complete(i int) {
	e := w.pending[i]
	w.pending = slices.Delete(w.pending, i, i+1)
	if ev := w.k.execute(context.Background(), e); ev != nil {
		w.step(ev)
	}
}

// drain completes everything pending, oldest first.
func (w *world) drain() {
	for n := 0; len(w.pending) > 0 && n < 1000; n++ {
		w.complete(0)
	}
}

func TestPropertyCoreInvariants(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := newWorld(rt)
		cards := []string{testCPR, "0101700001", "0101709999"}
		pins := []string{testPIN, "4321", "0000", "12"}
		actions := map[string]func(*rapid.T){
			"choose": func(t *rapid.T) {
				sc := rapid.SampledFrom([]Screen{ScreenLoan, ScreenReturn, ScreenRenew, ScreenAccount}).Draw(t, "screen")
				w.step(EvInput{In: InChoose{Screen: sc}})
			},
			"scan": func(t *rapid.T) {
				w.step(EvScan{Text: []byte(rapid.SampledFrom(cards).Draw(t, "card"))})
			},
			"pin": func(t *rapid.T) {
				for _, c := range rapid.SampledFrom(pins).Draw(t, "pin") {
					w.step(EvInput{In: InKey{Key: c}})
				}
				w.step(EvInput{In: InSubmit{}})
			},
			"place": func(t *rapid.T) {
				id := rapid.SampledFrom(worldItems).Draw(t, "item")
				w.onPad[id] = true
				w.step(EvPadItem{Item: PadItem{ItemID: id, Parts: 1, Present: []int{1}, Tags: []string{id}}})
			},
			"lift": func(t *rapid.T) {
				id := rapid.SampledFrom(worldItems).Draw(t, "item")
				delete(w.onPad, id)
				w.step(EvPadRemoved{ItemID: id})
			},
			"complete": func(t *rapid.T) {
				if len(w.pending) == 0 {
					t.Skip("nothing pending")
				}
				w.complete(rapid.IntRange(0, len(w.pending)-1).Draw(t, "which"))
			},
			"fault-lose-reply": func(t *rapid.T) {
				w.lib.mu.Lock()
				w.lib.loseReply++
				w.lib.mu.Unlock()
			},
			"fault-lose-before": func(t *rapid.T) {
				w.lib.mu.Lock()
				w.lib.loseBefore++
				w.lib.mu.Unlock()
			},
			"fault-tag": func(t *rapid.T) {
				id := rapid.SampledFrom(worldItems).Draw(t, "item")
				w.tags.mu.Lock()
				w.tags.fail[id] += rapid.IntRange(1, 4).Draw(t, "failures")
				w.tags.mu.Unlock()
			},
			"fault-offline": func(t *rapid.T) {
				w.lib.mu.Lock()
				w.lib.offline = rapid.Bool().Draw(t, "offline")
				w.lib.mu.Unlock()
			},
			"fault-cancel": func(t *rapid.T) {
				w.lib.mu.Lock()
				w.lib.failCancel = rapid.Bool().Draw(t, "failCancel")
				w.lib.mu.Unlock()
			},
			"login": func(t *rapid.T) {
				// A whole successful login, so that loans happen often.
				w.step(EvInput{In: InChoose{Screen: ScreenLoan}})
				w.step(EvScan{Text: []byte(testCPR)})
				for _, c := range testPIN {
					w.step(EvInput{In: InKey{Key: c}})
				}
				for i, e := range w.pending {
					if _, ok := e.(EffAuthenticate); ok {
						w.complete(i)
						break
					}
				}
			},
			"finish": func(t *rapid.T) { w.step(EvInput{In: InFinish{}}) },
			"receipt": func(t *rapid.T) {
				w.step(EvInput{In: InReceipt{Choice: rapid.SampledFrom([]string{"print", "qr", "none"}).Draw(t, "choice")}})
			},
			"idle": func(t *rapid.T) {
				w.now = w.now.Add(rapid.SampledFrom([]time.Duration{time.Second, 75 * time.Second, 2 * time.Minute}).Draw(t, "wait"))
				w.step(EvTick{})
			},
			"renew-all": func(t *rapid.T) { w.step(EvInput{In: InRenewAll{}}) },
		}
		steps := rapid.IntRange(5, 60).Draw(rt, "steps")
		names := make([]string, 0, len(actions))
		for n := range actions {
			names = append(names, n)
		}
		slices.Sort(names)
		// Weight the actions that make loans and interleavings happen.
		names = append(names, "login", "place", "place", "complete", "complete", "complete", "fault-lose-before")
		for i := 0; i < steps; i++ {
			name := rapid.SampledFrom(names).Draw(rt, "action")
			if name == "complete" && len(w.pending) == 0 {
				continue
			}
			actions[name](rt)
		}

		// Let everything finish with the faults cleared, then end the session.
		w.lib.mu.Lock()
		w.lib.offline, w.lib.loseReply, w.lib.loseBefore = false, 0, 0
		w.lib.mu.Unlock()
		w.drain()
		w.step(EvInput{In: InFinish{}})
		w.drain()
		w.step(EvInput{In: InReceipt{Choice: "none"}})
		for i := 0; i < 4; i++ {
			w.now = w.now.Add(10 * time.Minute)
			w.step(EvTick{})
			w.drain()
		}

		// A loan confirmed in the library system with the tag still secured
		// must have ended in a visible "see staff".
		for _, id := range worldItems {
			if w.lib.chargedTo(id) != "" && w.tags.get(id) == 0x07 && !w.seeStaff[id] && !w.keptSecured[id] {
				rt.Fatalf("%s is lent in the ACS but still secured, and the patron was never sent to staff", id)
			}
		}
		// No patron data remains after the session.
		if w.m.LoggedIn || !w.m.Sec.Empty() || len(w.m.Items) != 0 || len(w.m.Loans) != 0 || w.m.Receipt != nil {
			rt.Fatalf("patron data left after the session: state %v secrets empty %v items %d",
				w.m.State, w.m.Sec.Empty(), len(w.m.Items))
		}
		if w.m.State != StateWelcome && w.m.State != StateOutOfOrder {
			rt.Fatalf("kiosk did not return to welcome: %v", w.m.State)
		}
		// A blank or short PIN never reached the library system.
		for _, p := range w.lib.pins {
			if len(p) != 4 {
				rt.Fatalf("PIN of length %d sent", len(p))
			}
		}
	})
}

// TestPropertyAgainstSimulators drives random sessions through the whole
// stack (ACS simulator over TCP with injected connection faults, virtual
// pad with write failures and lifted items) and checks the safety
// invariants on the real devices' state.
func TestPropertyAgainstSimulators(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a simulator per case")
	}
	limitRapidChecks(t, 15)
	rapid.Check(t, func(rt *rapid.T) {
		e := newE2EIn(rt, t.TempDir(), nil, func(o *Options) { o.BackoffAfter = 0 })
		pool := availableItems(rt, e.lib, 6)
		e.login(rt, demoPatron, demoPIN)
		uidsOf := map[string][]feig.UID{}
		liftedAFI := map[string][]byte{} // item → AFI of its tags when lifted
		faults := []acs.FaultKind{acs.FaultCloseAfterCommit, acs.FaultCloseBeforeCommit, acs.FaultAnswer96}
		steps := rapid.IntRange(1, 12).Draw(rt, "steps")
		for i := 0; i < steps; i++ {
			switch rapid.IntRange(0, 4).Draw(rt, "action") {
			case 0, 1:
				id := rapid.SampledFrom(pool).Draw(rt, "item")
				if _, on := uidsOf[id]; on {
					continue
				}
				uidsOf[id] = e.place(rt, id, 1)
			case 2:
				if len(uidsOf) == 0 {
					continue
				}
				var ids []string
				for id := range uidsOf {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				id := rapid.SampledFrom(ids).Draw(rt, "lift")
				for _, u := range uidsOf[id] {
					tg, _ := e.pad.Tag(u)
					liftedAFI[id] = append(liftedAFI[id], tg.AFI)
				}
				e.pad.Remove(uidsOf[id]...)
				delete(uidsOf, id)
			case 3:
				e.srv.InjectOnce(rapid.SampledFrom(faults).Draw(rt, "fault"), rapid.SampledFrom([]sip2.Code{sip2.MsgCheckout, sip2.MsgItemInfo, sip2.MsgCheckin}).Draw(rt, "code"))
			case 4:
				id := rapid.SampledFrom(pool).Draw(rt, "failing")
				for _, u := range uidsOf[id] {
					e.pad.FailWrites(u, rapid.IntRange(1, 12).Draw(rt, "writeFailures"))
				}
			}
		}
		e.eventually(rt, "no item in flight", func() bool {
			v := e.k.View()
			for _, it := range v.Items {
				if it.State == ItemWorking {
					return false
				}
			}
			return !v.Busy
		})
		seeStaff := map[string]bool{}
		e.ui.mu.Lock()
		for _, v := range e.ui.views {
			for _, it := range v.Items {
				if it.State == ItemSeeStaff {
					seeStaff[it.ItemID] = true
				}
			}
		}
		e.ui.mu.Unlock()
		for _, id := range pool {
			charged := e.chargedTo(id)
			var afis []byte
			for _, u := range uidsOf[id] {
				tg, _ := e.pad.Tag(u)
				afis = append(afis, tg.AFI)
			}
			afis = append(afis, liftedAFI[id]...)
			for _, a := range afis {
				if a == 0xC2 && charged != demoPatron {
					rt.Fatalf("%s unsecured but not lent to the patron (charged to %q)", id, charged)
				}
				if a == 0x07 && charged == demoPatron && !seeStaff[id] {
					rt.Fatalf("%s lent in the ACS with its tag secured, and no see-staff shown", id)
				}
			}
		}
		if e.dialer.maxSeen > 1 {
			rt.Fatalf("%d requests in flight on one SIP2 connection", e.dialer.maxSeen)
		}
		e.k.Send(InFinish{})
		e.eventually(rt, "receipt or goodbye", func() bool {
			s := e.k.View().Screen
			return s == ScreenReceipt || s == ScreenGoodbye || s == ScreenLoan
		})
		e.k.Send(InFinish{})
		e.k.Send(InReceipt{Choice: "none"})
		// The second Finish may land on the goodbye screen already, whose
		// Done button ends it: the welcome screen of no session is as good.
		e.eventually(rt, "goodbye", func() bool {
			v := e.k.View()
			return v.Screen == ScreenGoodbye || v.Screen == ScreenWelcome && !v.InSession
		})
		if m := e.k.Model(); !m.Sec.Empty() || m.LoggedIn || len(m.Items) != 0 {
			rt.Fatalf("patron data left after the session")
		}
	})
}

// limitRapidChecks lowers rapid's number of cases for an expensive
// property, unless -rapid.checks was given on the command line.
func limitRapidChecks(t *testing.T, n int) {
	f := flag.Lookup("rapid.checks")
	if f == nil || f.Value.String() != f.DefValue {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set(fmt.Sprint(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Value.Set(old) })
}
