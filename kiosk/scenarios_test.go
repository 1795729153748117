package kiosk

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// Tests of reliability.md §7 scenarios that had none.

// TestScenario3LoginRefusedBacksOff: the library system refuses the
// kiosk's login (94 ok=0). The kiosk goes out of service and probes again
// with a doubling interval, capped at HealthBackoffMax, instead of every
// HealthEvery; once the login works the interval is HealthEvery again.
func TestScenario3LoginRefusedBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		o.HealthEvery = 30 * time.Second
		o.HealthBackoffMax = 5 * time.Minute
		r := newRig(t, o)
		defer r.stop()
		r.lib.mu.Lock()
		r.lib.statusErr = fmt.Errorf("%w: sip2: login refused", ErrOffline)
		r.lib.mu.Unlock()
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		if v := r.k.View(); v.Screen != ScreenOutOfOrder {
			t.Fatalf("screen %v with the login refused, want out of order", v.Screen)
		}
		r.lib.mu.Lock()
		at := append([]time.Time(nil), r.lib.statusAt...)
		r.lib.statusErr = nil
		r.lib.mu.Unlock()
		var gaps []time.Duration
		for i := 1; i < len(at); i++ {
			gaps = append(gaps, at[i].Sub(at[i-1]))
		}
		// The first probe works (at start), the second fails 30 s later;
		// then 60 s, 120 s, 240 s, and 300 s from there on.
		want := []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second, 240 * time.Second, 300 * time.Second}
		if len(gaps) < len(want)+2 {
			t.Fatalf("probe gaps %v: too few probes", gaps)
		}
		for i, w := range want {
			if gaps[i] != w {
				t.Fatalf("probe gaps %v, want them to start %v and stay at 5m", gaps, want)
			}
		}
		for _, g := range gaps[len(want):] {
			if g != o.HealthBackoffMax {
				t.Fatalf("probe gaps %v: not capped at %v", gaps, o.HealthBackoffMax)
			}
		}
		// 30 minutes of a refused login: a handful of attempts, not 60.
		if n := len(at); n > 12 {
			t.Fatalf("%d probes in 30 minutes", n)
		}
		// Back in service: the next probe works, and the one after comes
		// HealthEvery later.
		time.Sleep(o.HealthBackoffMax + 2*o.HealthEvery)
		synctest.Wait()
		r.lib.mu.Lock()
		at = append([]time.Time(nil), r.lib.statusAt...)
		r.lib.mu.Unlock()
		if g := at[len(at)-1].Sub(at[len(at)-2]); g != o.HealthEvery {
			t.Fatalf("probe gap %v after recovery, want %v", g, o.HealthEvery)
		}
		if v := r.k.View(); v.Screen == ScreenOutOfOrder {
			t.Fatal("still out of order after the login works again")
		}
	})
}

// TestScenario29PaperOutBeforeSession: with the paper out before a session,
// the next 99 tells the library system (status code 1), the patron is told
// there is no receipt, and loans go on.
func TestScenario29PaperOutBeforeSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		prn := &fakePrinter{paper: PaperOut}
		r := newRigPorts(t, o, func(p *Ports) { p.Printer = prn })
		defer r.stop()
		time.Sleep(o.HealthEvery)
		synctest.Wait()
		r.lib.mu.Lock()
		sent := append([]bool(nil), r.lib.statusPaperOut...)
		r.lib.mu.Unlock()
		if len(sent) == 0 || !sent[len(sent)-1] {
			t.Fatalf("99s sent with paper out = %v, want the last to say so (status code 1)", sent)
		}
		v := r.k.View()
		if v.Mode != ModeNoReceipt || v.Paper != PaperOut {
			t.Fatalf("mode %v paper %q, want no-receipt mode", v.Mode, v.Paper)
		}
		r.login(t, testCPR, testPIN)
		r.k.PadItem(pad("item-1"))
		synctest.Wait()
		if it := r.k.View().Items[0]; it.State != ItemDone {
			t.Fatalf("loan without paper: %+v", it)
		}
		r.send(InFinish{})
		for _, c := range r.k.View().ReceiptChoices {
			if c == "print" {
				t.Fatal("printing offered with the paper out")
			}
		}
	})
}
