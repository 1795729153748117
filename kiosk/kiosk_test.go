package kiosk

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sirupsen/logrus"
)

type rig struct {
	k      *Kiosk
	lib    *fakeLibrary
	tags   *fakeTags
	prn    *fakePrinter
	ui     *recUI
	logs   *bytes.Buffer
	cancel context.CancelFunc
	done   chan error
}

// newRig starts a kiosk on the fakes inside a synctest bubble.
func newRig(t *testing.T, o Options) *rig { t.Helper(); return newRigPorts(t, o, nil) }

// newRigPorts is newRig with the ports changed by mod before the kiosk is
// built: a port swapped once Run has started would race with it.
func newRigPorts(t *testing.T, o Options, mod func(*Ports)) *rig {
	t.Helper()
	lib := newFakeLibrary()
	r := &rig{lib: lib, tags: newFakeTags(lib), prn: &fakePrinter{}, ui: &recUI{}, logs: &bytes.Buffer{}}
	log := logrus.New()
	log.SetOutput(r.logs)
	log.SetFormatter(&logrus.JSONFormatter{})
	ports := Ports{Library: lib, Tags: r.tags, Printer: r.prn, Log: log}
	if mod != nil {
		mod(&ports)
	}
	k, err := New(o, ports, r.ui)
	if err != nil {
		t.Fatal(err)
	}
	r.k = k
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan error, 1)
	go func() { r.done <- k.Run(ctx) }()
	synctest.Wait()
	return r
}

func (r *rig) stop() {
	r.cancel()
	<-r.done
}

func (r *rig) send(ins ...Input) {
	for _, i := range ins {
		r.k.Send(i)
		synctest.Wait()
	}
}

func (r *rig) typeKeys(s string) {
	for _, c := range s {
		r.send(InKey{Key: c})
	}
}

func (r *rig) login(t *testing.T, id, pin string) {
	t.Helper()
	r.send(InChoose{Screen: ScreenLoan})
	r.k.Scan([]byte(id))
	synctest.Wait()
	r.typeKeys(pin)
	if v := r.k.View(); v.Screen != ScreenLoan {
		t.Fatalf("login failed: %+v", v)
	}
}

func runnerOpts(t *testing.T) Options {
	o := DefaultOptions()
	o.StateDir = t.TempDir()
	o.InstitutionISIL = "DK-775100"
	return o
}

func TestRunnerLoanSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		r := newRig(t, o)
		defer r.stop()
		r.login(t, testCPR, testPIN)
		for _, id := range []string{"item-1", "item-2", "item-3"} {
			r.k.PadItem(pad(id))
		}
		synctest.Wait()
		v := r.k.View()
		if len(v.Items) != 3 {
			t.Fatalf("items %+v", v.Items)
		}
		for _, it := range v.Items {
			if it.State != ItemDone || it.Due.IsZero() {
				t.Errorf("item %+v", it)
			}
			if r.tags.get(it.ItemID) != 0xC2 {
				t.Errorf("%s not unsecured", it.ItemID)
			}
			if r.lib.chargedTo(it.ItemID) != testCPR {
				t.Errorf("%s not charged", it.ItemID)
			}
		}
		if len(r.k.Journal().Entries()) != 0 {
			t.Fatalf("journal not empty: %v", r.k.Journal().Entries())
		}
		r.send(InFinish{}, InReceipt{Choice: "print"})
		if len(r.prn.receipts) != 1 || len(r.prn.receipts[0].Lines) != 3 {
			t.Fatalf("receipts %+v", r.prn.receipts)
		}
		if r.lib.ended != 1 {
			t.Fatalf("%d end sessions", r.lib.ended)
		}
		if v := r.k.View(); v.Screen != ScreenGoodbye {
			t.Fatalf("screen %v", v.Screen)
		}
		time.Sleep(o.GoodbyeFor + time.Second)
		synctest.Wait()
		if v := r.k.View(); v.Screen != ScreenWelcome {
			t.Fatalf("screen %v after goodbye", v.Screen)
		}
		if !r.k.Model().Sec.Empty() {
			t.Fatal("secrets left")
		}
		for _, pin := range r.lib.pins {
			if pin == "" {
				t.Fatal("a blank PIN was sent")
			}
		}
	})
}

func TestRunnerPipelineBoundedByPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		o.Parallel = 3
		r := newRig(t, o)
		defer r.stop()
		r.login(t, testCPR, testPIN)
		r.lib.mu.Lock()
		r.lib.latency = 100 * time.Millisecond
		r.lib.maxIn = 0
		for i := 0; i < 10; i++ {
			r.lib.items[itemName(i)] = &fakeItem{title: "x"}
		}
		r.lib.mu.Unlock()
		start := time.Now()
		for i := 0; i < 10; i++ {
			r.k.PadItem(pad(itemName(i)))
		}
		synctest.Wait()
		for !allDone(r.k.View()) {
			time.Sleep(10 * time.Millisecond)
			synctest.Wait()
		}
		elapsed := time.Since(start)
		if r.lib.maxIn > o.Parallel {
			t.Fatalf("%d requests in flight, pool is %d", r.lib.maxIn, o.Parallel)
		}
		if r.lib.maxIn < 2 {
			t.Fatalf("requests were not pipelined (max %d in flight)", r.lib.maxIn)
		}
		// Fake time: 10 checkouts over 3 connections take 4 round trips.
		if elapsed > 500*time.Millisecond {
			t.Fatalf("stack took %v of fake time; not pipelined", elapsed)
		}
	})
}

func itemName(i int) string { return "stack-" + string(rune('a'+i)) }

func allDone(v View) bool {
	if len(v.Items) == 0 {
		return false
	}
	for _, it := range v.Items {
		if it.State == ItemWorking || it.State == ItemReading {
			return false
		}
	}
	return true
}

func TestRunnerUnknownOutcomeSettled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, runnerOpts(t))
		defer r.stop()
		r.login(t, testCPR, testPIN)
		r.lib.mu.Lock()
		r.lib.loseReply = 1
		r.lib.mu.Unlock()
		r.k.PadItem(pad("item-1"))
		synctest.Wait()
		v := r.k.View().Items[0]
		if v.State != ItemDone || r.tags.get("item-1") != 0xC2 {
			t.Fatalf("item %+v afi %x", v, r.tags.get("item-1"))
		}
		if n := strings.Count(strings.Join(r.lib.calls, ","), "11"); n != 1 {
			t.Fatalf("checkout sent %d times; must never be blindly resent", n)
		}
		if len(r.tags.violations) != 0 {
			t.Fatalf("unsecured before confirmation: %v", r.tags.violations)
		}
	})
}

func TestRunnerTagFailureCancelsLoan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, runnerOpts(t))
		defer r.stop()
		r.login(t, testCPR, testPIN)
		r.tags.mu.Lock()
		r.tags.fail["item-1"] = 10
		r.tags.mu.Unlock()
		r.k.PadItem(pad("item-1"))
		synctest.Wait()
		v := r.k.View().Items[0]
		if v.State != ItemSeeStaff {
			t.Fatalf("item %+v", v)
		}
		if r.lib.chargedTo("item-1") != "" {
			t.Fatal("loan not cancelled")
		}
		if !strings.Contains(r.logs.String(), "item-1") {
			t.Fatal("staff event not logged")
		}
	})
}

func TestRunnerOfflineReturnsQueueAndForward(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		r := newRig(t, o)
		defer r.stop()
		// synctest's clock starts in 2000, which the kiosk takes for a
		// reset clock; time sync says otherwise.
		r.k.SetClockSet(true)
		synctest.Wait()
		r.lib.mu.Lock()
		r.lib.items["item-1"].charged = "someone"
		r.lib.offline = true
		r.lib.mu.Unlock()
		r.send(InChoose{Screen: ScreenReturn})
		r.k.PadItem(pad("item-1"))
		synctest.Wait()
		v := r.k.View()
		if v.Items[0].State != ItemDone || v.Items[0].Destination.ID != MsgDestOffline {
			t.Fatalf("item %+v", v.Items[0])
		}
		if r.tags.get("item-1") != 0x07 {
			t.Fatal("offline return not secured")
		}
		q := r.k.Queue().Entries()
		if len(q) != 1 || q[0].ItemID != "item-1" || q[0].KioskID != o.KioskID {
			t.Fatalf("queue %+v", q)
		}
		data, err := os.ReadFile(filepath.Join(o.StateDir, "offline-returns.json"))
		if err != nil || strings.Contains(string(data), testCPR) || strings.Contains(string(data), "someone") {
			t.Fatalf("queue file %q %v", data, err)
		}
		// Back online: the probe sees it and the queue is forwarded.
		r.lib.mu.Lock()
		r.lib.offline = false
		r.lib.mu.Unlock()
		r.k.ProbeNow(context.Background())
		synctest.Wait()
		if n := r.k.Queue().Len(); n != 0 {
			t.Fatalf("%d left in queue", n)
		}
		if r.lib.chargedTo("item-1") != "" {
			t.Fatal("forwarded return not checked in")
		}
	})
}

func TestRunnerResetClockRefusesOfflineReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, runnerOpts(t)) // fake time starts in 2000: clock not set
		defer r.stop()
		r.lib.mu.Lock()
		r.lib.offline = true
		r.lib.mu.Unlock()
		r.send(InChoose{Screen: ScreenReturn})
		r.k.PadItem(pad("item-1"))
		synctest.Wait()
		if v := r.k.View(); v.Items[0].State != ItemRefused || r.k.Queue().Len() != 0 {
			t.Fatalf("offline return accepted with an unset clock: %+v", v.Items[0])
		}
	})
}

func TestRunnerCrashRecoverySettlesJournal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		j, err := OpenJournal(o.StateDir)
		if err != nil {
			t.Fatal(err)
		}
		// A checkout that reached the library system before the crash.
		if err := j.Open(JournalEntry{ItemID: "item-1", Op: "checkout", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		lib := newFakeLibrary()
		lib.items["item-1"].charged = testCPR
		k, err := New(o, Ports{Library: lib, Tags: newFakeTags(lib)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- k.Run(ctx) }()
		synctest.Wait()
		if lib.chargedTo("item-1") != "" {
			t.Fatal("interrupted loan not cancelled")
		}
		if len(k.Journal().Entries()) != 0 {
			t.Fatal("journal not cleared")
		}
		if v := k.View(); v.Screen != ScreenWelcome {
			t.Fatalf("screen %v after recovery", v.Screen)
		}
		data, _ := os.ReadFile(filepath.Join(o.StateDir, "inflight.json"))
		if strings.Contains(string(data), testCPR) {
			t.Fatal("journal holds a patron")
		}
		cancel()
		<-done
	})
}

func TestRunnerIdleTimeoutEndsSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		r := newRig(t, o)
		defer r.stop()
		r.login(t, testCPR, testPIN)
		time.Sleep(o.IdleTimeout - o.IdleWarning + time.Second)
		synctest.Wait()
		if !r.k.View().IdleWarning {
			t.Fatal("no idle warning")
		}
		time.Sleep(o.IdleWarning)
		synctest.Wait()
		if v := r.k.View(); v.Screen != ScreenGoodbye || v.InSession {
			t.Fatalf("view %+v", v)
		}
		if r.lib.ended != 1 || !r.k.Model().Sec.Empty() {
			t.Fatal("session not ended properly")
		}
	})
}

// stuckPrinter holds every job until its context ends, like a printer whose
// paper jammed mid-job, and records that the job was given up.
type stuckPrinter struct {
	mu        sync.Mutex
	started   int
	cancelled int
}

func (p *stuckPrinter) Print(ctx context.Context, r Receipt) error {
	p.mu.Lock()
	p.started++
	p.mu.Unlock()
	<-ctx.Done()
	p.mu.Lock()
	p.cancelled++
	p.mu.Unlock()
	return ctx.Err()
}

// With the policy "always" the receipt prints without asking; a job still
// pending when the session ends is cancelled, so it can never come out for
// the next patron.
func TestRunnerAlwaysPrintsAndSessionEndCancelsJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := runnerOpts(t)
		o.Receipt = ReceiptAlways
		prn := &stuckPrinter{}
		r := newRigPorts(t, o, func(p *Ports) { p.Printer = prn })
		defer r.stop()
		r.login(t, testCPR, testPIN)
		r.k.PadItem(pad("item-1"))
		synctest.Wait()
		r.send(InFinish{})
		prn.mu.Lock()
		first := prn.started
		prn.mu.Unlock()
		if first != 1 {
			t.Fatalf("%d print jobs started without asking, want 1", first)
		}
		if v := r.k.View(); len(v.ReceiptChoices) != 0 || !v.Busy {
			t.Fatalf("the policy always asked the patron, or shows no progress: %+v", v)
		}
		time.Sleep(o.IdleTimeout + time.Second)
		synctest.Wait()
		prn.mu.Lock()
		cancelled, started := prn.cancelled, prn.started
		prn.mu.Unlock()
		if started != 1 {
			t.Fatalf("%d print jobs for one session, want 1", started)
		}
		if cancelled != 1 {
			t.Fatalf("the stuck job was not cancelled when the session ended (%d)", cancelled)
		}
		if v := r.k.View(); v.InSession || !r.k.Model().Sec.Empty() {
			t.Fatalf("session not ended: %+v", v)
		}
	})
}

// offlineReturnQueued takes the library system off line, returns item-1
// and reports whether the return went into the offline queue. It runs in
// a synctest bubble.
func (r *rig) offlineReturnQueued() bool {
	r.lib.mu.Lock()
	r.lib.offline = true
	r.lib.mu.Unlock()
	r.k.ProbeNow(context.Background())
	synctest.Wait()
	r.send(InChoose{Screen: ScreenReturn})
	r.k.PadItem(pad("item-1"))
	synctest.Wait()
	return r.k.Queue().Len() == 1
}

// The 98's time decides whether the kiosk's clock is trusted: a clock that
// agrees with the library system allows offline returns, one a year off
// does not.
func TestRunnerClockCheckedAgainstACS(t *testing.T) {
	for _, off := range []time.Duration{0, 400 * 24 * time.Hour} {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, runnerOpts(t)) // fake time starts in 2000: not trusted by itself
			defer r.stop()
			r.lib.mu.Lock()
			r.lib.acsTime = time.Now().Add(off)
			r.lib.mu.Unlock()
			r.k.ProbeNow(context.Background())
			synctest.Wait()
			if queued := r.offlineReturnQueued(); queued != (off == 0) {
				t.Fatalf("ACS clock %v away: offline return queued = %v", off, queued)
			}
		})
	}
}

// A clock that NTP is known not to have set is not trusted even when it
// agrees with the 98: offline returns stop, and the health says why. Once
// NTP has set it, they are taken again; an unknown sync state leaves the
// 98 to decide.
func TestRunnerUnsyncedClockRefusesOfflineReturns(t *testing.T) {
	for _, c := range []struct {
		name          string
		synced, known bool
		wantQueued    bool
	}{
		{"not synchronised", false, true, false},
		{"synchronised", true, true, true},
		{"unknown", false, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRigPorts(t, runnerOpts(t), func(p *Ports) {
					p.ClockSync = func() (bool, bool) { return c.synced, c.known }
				})
				defer r.stop()
				r.lib.mu.Lock()
				r.lib.acsTime = time.Now()
				r.lib.mu.Unlock()
				r.k.ProbeNow(context.Background())
				synctest.Wait()
				if got := r.k.Model().Health.ClockUnsynced; got != (c.known && !c.synced) {
					t.Fatalf("health ClockUnsynced = %v", got)
				}
				if queued := r.offlineReturnQueued(); queued != c.wantQueued {
					t.Fatalf("offline return queued = %v, want %v", queued, c.wantQueued)
				}
			})
		})
	}
}
