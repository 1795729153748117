package kiosk

import (
	"context"
	"time"
)

// This file is issue 11's opening hours and nightly reboot in the core.
// Outside the configured hours the kiosk serves no sessions and its screen
// is switched off through the Display port; a touch does nothing then. A
// session still open at closing time is served to its end first. At the
// configured time each night the machine reboots through maintenance
// mode's reboot action, postponed while a patron is being served.

// Span is one opening of a day, from From to To after midnight (local time).
type Span struct{ From, To time.Duration }

// Hours are the opening hours. The zero value (Set false) is always open.
type Hours struct {
	Set bool
	// Week holds each weekday's openings (index time.Weekday); a day
	// without spans is closed.
	Week [7][]Span
	// Closed are whole days closed ("2006-01-02"), e.g. public holidays.
	Closed map[string]bool
}

// OpenAt reports whether t (in the kiosk's zone) is within opening hours.
func (h Hours) OpenAt(t time.Time) bool {
	if !h.Set {
		return true
	}
	if h.Closed[t.Format(time.DateOnly)] {
		return false
	}
	y, mo, d := t.Date()
	since := t.Sub(time.Date(y, mo, d, 0, 0, 0, 0, t.Location()))
	for _, s := range h.Week[t.Weekday()] {
		if since >= s.From && since < s.To {
			return true
		}
	}
	return false
}

// Display switches the screen on and off (DPMS through the compositor).
type Display interface {
	SetScreen(ctx context.Context, on bool) error
}

// EffScreen switches the screen on or off.
type EffScreen struct{ On bool }

func (EffScreen) effectName() string { return "screen" }

// hoursTick closes the kiosk at closing time and opens it at opening time,
// and starts the nightly reboot when it is due.
func (s *stepper) hoursTick() {
	m := s.m
	open := m.Opts.Hours.OpenAt(m.Now)
	switch {
	case open && m.Closed:
		m.Closed = false
		s.screen(true)
		s.log("info", "opening hours: open", "", "")
	case !open && !m.Closed && !s.sessionOpen() && !m.State.inMaint():
		// A patron still being served at closing time finishes first;
		// so does a technician.
		m.Closed = true
		s.screen(false)
		s.log("info", "opening hours: closed; screen off", "", "")
	}
	s.nightlyReboot()
	s.updateTick()
}

func (s *stepper) screen(on bool) {
	s.m.ScreenOff = !on
	s.emit(EffScreen{On: on})
}

// hoursInput handles a touch while the screen is off. Outside opening
// hours it does nothing at all; within them (the screen was left off, say
// after the clock was set) it wakes the screen, and the touch that woke it
// is not taken as a press. It reports whether the input was used up.
func (s *stepper) hoursInput() bool {
	m := s.m
	if !m.ScreenOff {
		return false
	}
	if m.Opts.Hours.OpenAt(m.Now) {
		m.Closed = false
		s.screen(true)
		s.log("info", "screen woken by a touch within opening hours", "", "")
	}
	return true
}

// nightlyReboot reboots once a night at Options.RebootAt, through
// maintenance mode's reboot action. It is due when today's reboot time has
// passed and the kiosk has run since before it (so the kiosk that comes up
// after the reboot does not reboot again); while a patron is being served
// or a technician is at the screen it waits, and the first tick after
// that reboots.
func (s *stepper) nightlyReboot() {
	m := s.m
	if !m.Opts.Reboot {
		return
	}
	y, mo, d := m.Now.Date()
	due := time.Date(y, mo, d, 0, 0, 0, 0, m.Now.Location()).Add(m.Opts.RebootAt)
	day := m.Now.Format(time.DateOnly)
	if m.Now.Before(due) || !m.Started.Before(due) || m.RebootDay == day {
		return
	}
	if s.busy() {
		if !m.RebootWaiting {
			m.RebootWaiting = true
			s.log("info", "nightly reboot postponed: the kiosk is in use", "", "")
		}
		return
	}
	m.RebootDay, m.RebootWaiting = day, false
	s.emit(EffAudit{Action: "nightly-reboot", Result: "started"})
	s.log("warn", "nightly maintenance reboot", "", "")
	s.emit(EffMaintAction{Action: ActionReboot})
}

// setScreen performs EffScreen; without a Display port (the demo off the
// image) it only logs what it would do.
func (k *Kiosk) setScreen(on bool) {
	if k.ports.Display == nil {
		k.log.Infof("screen on = %v (no display port: not switched)", on)
		return
	}
	k.async(func() Event {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := k.ports.Display.SetScreen(ctx, on); err != nil {
			k.log.WithError(err).Errorf("kiosk: switching the screen on = %v failed", on)
		}
		return nil
	})
}
