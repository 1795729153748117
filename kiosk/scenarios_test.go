package kiosk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
	"github.com/sirupsen/logrus"
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

// TestScenario8LostCheckinReplySettled: the reply to a checkin (09) is lost
// with the connection. The kiosk settles it with Item Information (17)
// instead of resending blindly: a checkin the library system made counts as
// done (one 09 executed), one it never got is sent once more; either way
// the item ends returned and secured.
func TestScenario8LostCheckinReplySettled(t *testing.T) {
	for _, fault := range []acs.FaultKind{acs.FaultCloseAfterCommit, acs.FaultCloseBeforeCommit} {
		t.Run(fault.String(), func(t *testing.T) {
			e := newE2E(t, nil, nil)
			items := availableItems(t, e.lib, 1)
			e.login(t, demoPatron, demoPIN)
			uids := e.place(t, items[0], 1)
			e.eventually(t, "lent", func() bool { return viewDone(e.k.View(), 1) })
			if e.chargedTo(items[0]) != demoPatron {
				t.Fatal("not lent")
			}
			e.k.Send(InFinish{})
			e.eventually(t, "receipt screen", func() bool { return e.k.View().Screen == ScreenReceipt })
			e.k.Send(InReceipt{Choice: "none"})
			e.eventually(t, "goodbye", func() bool { return e.k.View().Screen == ScreenGoodbye })

			e.liftAndPutBack(t, items, uids...)
			e.srv.InjectOnce(fault, sip2.MsgCheckin)
			e.k.Send(InChoose{Screen: ScreenReturn})
			e.eventually(t, "return settled", func() bool {
				v := e.k.View()
				return v.Screen == ScreenReturn && viewDone(v, 1)
			})
			v := e.k.View().Items[0]
			if v.State != ItemDone || v.Destination.ID == "" {
				t.Fatalf("return %+v", v)
			}
			if got := e.chargedTo(items[0]); got != "" {
				t.Fatalf("still charged to %q", got)
			}
			if a := e.afi(uids[0]); a != 0x07 {
				t.Fatalf("AFI %#x after the return, want 0x07", a)
			}
			if e.srv.Received(sip2.MsgItemInfo) < 1 {
				t.Fatal("the lost reply was not settled with Item Information")
			}
			if n := e.srv.Executed(sip2.MsgCheckin); n != 1 {
				t.Fatalf("checkin executed %d times, want 1", n)
			}
		})
	}
}

// TestScenario22CheckoutWithDesensitizeYAndSecurityInhibit: a checkout the
// library system confirms with desensitize Y unsecures the tag (AFI 0xC2);
// one it confirms with desensitize N, or with security inhibit (CI=Y),
// keeps the item secured and says so.
func TestScenario22CheckoutWithDesensitizeYAndSecurityInhibit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(m *sip2.Message)
		wantAFI   byte
		keepSecur bool
	}{
		{"desensitize Y", nil, 0xC2, false},
		{"desensitize N", func(m *sip2.Message) { m.SetFixed(sip2.FDesensitize, "N") }, 0x07, true},
		{"security inhibit", func(m *sip2.Message) { m.Set("CI", "Y") }, 0x07, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t, nil, nil)
			items := availableItems(t, e.lib, 1)
			e.login(t, demoPatron, demoPIN)
			if tc.edit != nil {
				e.dialer.setRewrite(func(b []byte) []byte {
					m, err := sip2.Decode(b, sip2.DecodeOptions{})
					if err != nil || m.Code != sip2.MsgCheckoutResponse {
						return b
					}
					tc.edit(m)
					out, err := sip2.Encode(m, sip2.EncodeOptions{ErrorDetection: m.HasSeq, Lax: true})
					if err != nil {
						return b
					}
					return out
				})
			}
			uids := e.place(t, items[0], 1)
			e.eventually(t, "lent", func() bool { return viewDone(e.k.View(), 1) })
			e.dialer.setRewrite(nil)
			v := e.k.View().Items[0]
			if v.State != ItemDone || e.chargedTo(items[0]) != demoPatron {
				t.Fatalf("item %+v charged to %q", v, e.chargedTo(items[0]))
			}
			if a := e.afi(uids[0]); a != tc.wantAFI {
				t.Fatalf("AFI %#x, want %#x", a, tc.wantAFI)
			}
			if v.KeepSecured != tc.keepSecur {
				t.Fatalf("KeepSecured = %v, want %v (the patron must be told)", v.KeepSecured, tc.keepSecur)
			}
		})
	}
}

// failingWriter is a log sink that is broken: every write fails.
type failingWriter struct{ writes atomic.Int32 }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes.Add(1)
	return 0, errors.New("log sink: no space left on device")
}

// breakStateDir makes writes of the journal and the throttle in dir fail,
// as on a full disk: their files become non-empty directories, which a
// rename cannot replace (chmod would not stop root).
func breakStateDir(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"inflight.json", throttleLockFile} {
		p := filepath.Join(dir, name)
		os.RemoveAll(p)
		if err := os.MkdirAll(filepath.Join(p, "full"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScenario38DiskFullOrLogSinkBroken: with the state directory unwritable
// or the log sink failing, service goes on: a patron logs in (a wrong PIN
// first, which the throttle cannot save) and borrows, and the tag is
// unsecured. The journal failure is logged where the log works.
func TestScenario38DiskFullOrLogSinkBroken(t *testing.T) {
	for _, broken := range []string{"state dir", "log sink"} {
		t.Run(broken, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				o := runnerOpts(t)
				sink := &failingWriter{}
				r := newRigPorts(t, o, func(p *Ports) {
					if broken == "log sink" {
						log := logrus.New()
						log.SetOutput(sink)
						log.SetLevel(logrus.DebugLevel)
						p.Log = log
					}
				})
				defer r.stop()
				if broken == "state dir" {
					breakStateDir(t, o.StateDir)
				}
				r.send(InChoose{Screen: ScreenLoan})
				r.k.Scan([]byte(testCPR))
				synctest.Wait()
				r.typeKeys("9999")
				if v := r.k.View(); v.Message.ID != MsgLoginWrongPIN {
					t.Fatalf("wrong PIN: %+v", v.Message)
				}
				r.typeKeys(testPIN)
				if v := r.k.View(); v.Screen != ScreenLoan {
					t.Fatalf("login failed: %+v", v)
				}
				r.k.PadItem(pad("item-1"))
				synctest.Wait()
				if v := r.k.View().Items[0]; v.State != ItemDone || r.tags.get("item-1") != 0xC2 {
					t.Fatalf("loan with a broken %s: %+v afi %#x", broken, v, r.tags.get("item-1"))
				}
				if r.lib.chargedTo("item-1") != testCPR {
					t.Fatal("not lent in the library system")
				}
				// The session ends as usual (the end is logged).
				r.send(InFinish{})
				time.Sleep(o.IdleTimeout + time.Second)
				synctest.Wait()
				if v := r.k.View(); v.InSession || !r.k.Model().Sec.Empty() {
					t.Fatalf("session not ended: %+v", v)
				}
				switch broken {
				case "state dir":
					if !strings.Contains(r.logs.String(), "journal write failed") {
						t.Errorf("the journal failure was not logged:\n%s", r.logs.String())
					}
				case "log sink":
					if sink.writes.Load() == 0 {
						t.Error("nothing was written to the broken sink: the test proves nothing")
					}
				}
			})
		})
	}
}

// TestScenario19SlowLibrarySystem: with 12 s per request, the patron sees
// progress while waiting, and repeated taps and reads send nothing twice:
// one 23 for the PIN, one 11 for the item.
func TestScenario19SlowLibrarySystem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		o.CallTimeout = 30 * time.Second
		r := newRig(t, o)
		defer r.stop()
		r.lib.mu.Lock()
		r.lib.latency = 12 * time.Second
		r.lib.mu.Unlock()
		count := func(code string) int {
			r.lib.mu.Lock()
			defer r.lib.mu.Unlock()
			n := 0
			for _, c := range r.lib.calls {
				if c == code {
					n++
				}
			}
			return n
		}
		r.send(InChoose{Screen: ScreenLoan})
		r.k.Scan([]byte(testCPR))
		synctest.Wait()
		r.typeKeys(testPIN)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if v := r.k.View(); !v.Busy || v.Screen != ScreenPIN {
			t.Fatalf("no progress shown while the PIN is checked: screen %v busy %v", v.Screen, v.Busy)
		}
		// The patron taps again and again.
		r.typeKeys(testPIN)
		r.typeKeys(testPIN)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if v := r.k.View(); v.Screen != ScreenLoan {
			t.Fatalf("not logged in after the slow check: %+v", v)
		}
		if n := count("23"); n != 1 {
			t.Fatalf("%d patron checks sent, want 1", n)
		}
		r.k.PadItem(pad("item-1"))
		time.Sleep(5 * time.Second)
		synctest.Wait()
		// Checkouts run while the patron adds items, so the progress is
		// the item's own state, not the whole screen's.
		if v := r.k.View(); len(v.Items) != 1 || v.Items[0].State != ItemWorking {
			t.Fatalf("no progress shown during the checkout: items %+v", v.Items)
		}
		// The reader reports the item again, as a flickering tag does.
		r.k.PadItem(pad("item-1"))
		r.k.PadItem(pad("item-1"))
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if v := r.k.View(); len(v.Items) != 1 || v.Items[0].State != ItemDone {
			t.Fatalf("items after the slow checkout: %+v", v.Items)
		}
		if n := count("11"); n != 1 {
			t.Fatalf("%d checkouts sent for one item, want 1", n)
		}
	})
}

// blockingUI is a UI whose Render hangs while block is set, as a deadlocked
// screen would.
type blockingUI struct {
	recUI
	block   atomic.Bool
	release chan struct{}
}

func (u *blockingUI) Render(v View) {
	if u.block.Load() {
		<-u.release
	}
	u.recUI.Render(v)
}

// TestScenario36StuckCoreStopsHeartbeat: the core's heartbeat, which feeds
// the systemd watchdog (cmd/kiosk), goes on while the core idles and stops
// while its event loop is stuck, here in a UI that never returns.
func TestScenario36StuckCoreStopsHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ui := &blockingUI{release: make(chan struct{})}
		r := newRig(t, runnerOpts(t))
		r.k.SetUI(ui)
		defer r.stop()
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if age := time.Since(r.k.Heartbeat()); age > 2*time.Second {
			t.Fatalf("an idle core's heartbeat is %v old", age)
		}
		ui.block.Store(true)
		r.k.Send(InChoose{Screen: ScreenLoan})
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if age := time.Since(r.k.Heartbeat()); age < 25*time.Second {
			t.Fatalf("a stuck core's heartbeat is only %v old: the watchdog would go on being fed", age)
		}
		ui.block.Store(false)
		close(ui.release)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if age := time.Since(r.k.Heartbeat()); age > 2*time.Second {
			t.Fatalf("the heartbeat did not resume: %v old", age)
		}
	})
}
