package kiosk

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// weekdays 08:00–20:00, Saturday 10:00–14:00, Sunday closed, and one
// closed date. t0 is Tuesday 24 November 2026, 12:00.
func testHours() Hours {
	h := Hours{Set: true, Closed: map[string]bool{"2026-12-24": true}}
	for d := time.Monday; d <= time.Friday; d++ {
		h.Week[d] = []Span{{8 * time.Hour, 20 * time.Hour}}
	}
	h.Week[time.Saturday] = []Span{{10 * time.Hour, 12 * time.Hour}, {13 * time.Hour, 14 * time.Hour}}
	return h
}

func at(day, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, time.UTC) }

func TestHoursOpenAt(t *testing.T) {
	h := testHours()
	cases := []struct {
		t    time.Time
		open bool
	}{
		{at(24, 7, 59), false},
		{at(24, 8, 0), true},
		{at(24, 19, 59), true},
		{at(24, 20, 0), false},
		{at(28, 11, 0), true},   // Saturday morning
		{at(28, 12, 30), false}, // Saturday lunch
		{at(28, 13, 30), true},
		{at(29, 12, 0), false}, // Sunday
		{time.Date(2026, 12, 24, 12, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 12, 23, 12, 0, 0, 0, time.UTC), true},
	}
	for _, c := range cases {
		if got := h.OpenAt(c.t); got != c.open {
			t.Errorf("%s: open = %v, want %v", c.t.Format("Mon 2006-01-02 15:04"), got, c.open)
		}
	}
	if !(Hours{}).OpenAt(at(29, 3, 0)) {
		t.Error("no hours configured must mean always open")
	}
}

func hoursModel() Model {
	o := testOpts()
	o.Hours = testHours()
	return welcome(o)
}

func tickAt(m Model, now time.Time) (Model, []Effect) {
	m.Now = now
	return Step(m, EvTick{})
}

func screenEffects(effs []Effect) []bool {
	var out []bool
	for _, e := range effs {
		if s, ok := e.(EffScreen); ok {
			out = append(out, s.On)
		}
	}
	return out
}

func TestClosingTimeSwitchesTheScreenOffAndServesNoOne(t *testing.T) {
	m := hoursModel()
	m, effs := tickAt(m, at(24, 19, 59))
	if m.Closed || len(screenEffects(effs)) != 0 {
		t.Fatal("closed before closing time")
	}
	m, effs = tickAt(m, at(24, 20, 0))
	if !m.Closed || !m.ScreenOff || m.State != StateOutOfOrder || m.Mode != ModeOutOfOrder {
		t.Fatalf("at closing time: closed %v screen off %v state %v", m.Closed, m.ScreenOff, m.State)
	}
	if got := screenEffects(effs); len(got) != 1 || got[0] {
		t.Fatalf("screen effects %v, want one off", got)
	}
	// A touch and a card at night do nothing.
	m.Now = at(24, 23, 0)
	for _, ev := range []Event{in(InChoose{Screen: ScreenReturn}), in(InChoose{Screen: ScreenLoan}), in(InMaintEnter{}), EvScan{Text: []byte(testCPR)}} {
		var effs []Effect
		m, effs = Step(m, ev)
		if m.State != StateOutOfOrder || !m.Sec.Empty() || len(screenEffects(effs)) != 0 {
			t.Fatalf("%s at night: state %v, screen %v", EventName(ev), m.State, screenEffects(effs))
		}
	}
	m, effs = tickAt(m, at(25, 8, 0))
	if m.Closed || m.ScreenOff || m.State != StateWelcome {
		t.Fatalf("at opening: closed %v state %v", m.Closed, m.State)
	}
	if got := screenEffects(effs); len(got) != 1 || !got[0] {
		t.Fatalf("screen effects at opening %v, want one on", got)
	}
}

func TestASessionAtClosingTimeEndsFirst(t *testing.T) {
	m := hoursModel()
	m.Now = at(24, 19, 59)
	m, _ = Step(m, in(InChoose{Screen: ScreenLoan}))
	if m.State != StateIdentify {
		t.Fatalf("state %v", m.State)
	}
	m, effs := tickAt(m, at(24, 20, 0))
	if m.Closed || m.State != StateIdentify || len(screenEffects(effs)) != 0 {
		t.Fatalf("the patron was cut off at closing time: state %v closed %v", m.State, m.Closed)
	}
	m.Now = at(24, 20, 0).Add(10 * time.Second)
	m, _ = Step(m, in(InBack{}))
	m, effs = tickAt(m, m.Now.Add(time.Second))
	if !m.Closed || len(screenEffects(effs)) != 1 {
		t.Fatalf("after the session: closed %v effects %v", m.Closed, screenEffects(effs))
	}
}

func TestATouchWakesTheScreenOnlyWithinOpeningHours(t *testing.T) {
	m := hoursModel()
	m, _ = tickAt(m, at(24, 21, 0))
	m.Now = at(24, 21, 5)
	m, effs := Step(m, in(InActivity{}))
	if !m.ScreenOff || len(screenEffects(effs)) != 0 {
		t.Fatal("a touch at night woke the screen")
	}
	// The clock jumped into opening hours without a tick seen yet: the
	// touch wakes the screen and is not taken as a press.
	m.Now = at(25, 9, 0)
	m, effs = Step(m, in(InChoose{Screen: ScreenLoan}))
	if m.ScreenOff || m.Closed || m.State != StateWelcome {
		t.Fatalf("touch within hours: screen off %v closed %v state %v", m.ScreenOff, m.Closed, m.State)
	}
	if got := screenEffects(effs); len(got) != 1 || !got[0] {
		t.Fatalf("screen effects %v, want one on", got)
	}
}

func rebootModel(started time.Time) Model {
	o := testOpts()
	o.Reboot, o.RebootAt = true, 3*time.Hour+30*time.Minute
	m := NewModel(o, nil, started)
	m, _ = Step(m, EvStarted{})
	return m
}

func reboots(effs []Effect) int {
	n := 0
	for _, e := range effs {
		if a, ok := e.(EffMaintAction); ok && a.Action == ActionReboot {
			n++
		}
	}
	return n
}

func TestNightlyReboot(t *testing.T) {
	m := rebootModel(at(24, 12, 0))
	m, effs := tickAt(m, at(25, 3, 29))
	if reboots(effs) != 0 {
		t.Fatal("rebooted before the time")
	}
	m, effs = tickAt(m, at(25, 3, 30))
	if reboots(effs) != 1 {
		t.Fatalf("no reboot at the time: %v", effs)
	}
	if a, ok := find[EffAudit](effs); !ok || a.Action != "nightly-reboot" {
		t.Errorf("reboot not audited: %+v", a)
	}
	if _, effs = tickAt(m, at(25, 3, 31)); reboots(effs) != 0 {
		t.Fatal("rebooted twice in one night")
	}
	// The kiosk that comes up after the reboot does not reboot again.
	m2 := rebootModel(at(25, 3, 32))
	if _, effs = tickAt(m2, at(25, 3, 40)); reboots(effs) != 0 {
		t.Fatal("the kiosk rebooted again after its reboot")
	}
	// The next night it does.
	if _, effs = tickAt(m2, at(26, 3, 30)); reboots(effs) != 1 {
		t.Fatal("no reboot the next night")
	}
	// No reboot configured, none done.
	m3 := welcome(testOpts())
	if _, effs = tickAt(m3, at(25, 3, 30)); reboots(effs) != 0 {
		t.Fatal("rebooted without Options.Reboot")
	}
}

func TestNightlyRebootWaitsForTheSession(t *testing.T) {
	m := rebootModel(at(24, 12, 0))
	m.Now = at(25, 3, 29)
	m, _ = Step(m, in(InChoose{Screen: ScreenReturn}))
	if m.State != StateReturn {
		t.Fatalf("state %v", m.State)
	}
	m, effs := tickAt(m, at(25, 3, 30))
	if reboots(effs) != 0 || !m.RebootWaiting || m.State != StateReturn {
		t.Fatalf("rebooted during a session: %v", effs)
	}
	m.Now = at(25, 3, 31)
	m, _ = Step(m, in(InFinish{}))
	// Goodbye: the patron is done.
	for i := 0; i < 10 && m.State != StateGoodbye && m.State != StateWelcome; i++ {
		m, _ = tickAt(m, m.Now.Add(time.Second))
	}
	m, effs = tickAt(m, m.Now.Add(time.Second))
	if reboots(effs) != 1 || m.RebootWaiting {
		t.Fatalf("no reboot after the session (state %v): %v", m.State, effs)
	}
}

// recDisplay logs the screen switches the runner makes.
type recDisplay struct {
	mu    sync.Mutex
	calls []string
}

func (d *recDisplay) SetScreen(_ context.Context, on bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if on {
		d.calls = append(d.calls, "on")
	} else {
		d.calls = append(d.calls, "off")
	}
	return nil
}

// TestRunnerSwitchesTheDisplay runs the runner's clock through a closing
// and an opening in a synctest bubble; the display port sees off, then on.
func TestRunnerSwitchesTheDisplay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &recDisplay{}
		o := runnerOpts(t)
		now := time.Now()
		y, mo, day := now.Date()
		midnight := time.Date(y, mo, day, 0, 0, 0, 0, now.Location())
		// Open now for one more minute, then closed for two, then open.
		from, to := now.Sub(midnight)-time.Hour, now.Sub(midnight)+time.Minute
		o.Hours = Hours{Set: true}
		o.Hours.Week[now.Weekday()] = []Span{{from, to}, {to + 2*time.Minute, 24 * time.Hour}}
		r := newRigPorts(t, o, func(p *Ports) { p.Display = d })
		defer r.stop()
		time.Sleep(90 * time.Second)
		synctest.Wait()
		if v := r.k.View(); v.Screen != ScreenOutOfOrder {
			t.Fatalf("closed: screen %s", v.Screen)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		d.mu.Lock()
		got := strings.Join(d.calls, ",")
		d.mu.Unlock()
		if got != "off,on" {
			t.Fatalf("display calls %q, want off,on", got)
		}
		if v := r.k.View(); v.Screen != ScreenWelcome {
			t.Fatalf("open again: screen %s", v.Screen)
		}
	})
}
