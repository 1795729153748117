package kiosk

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Observer is told what the kiosk did, as counts, labels from small fixed
// sets, and times: never a patron, an item id or a title. The metrics
// adapter (package metrics) implements it with Prometheus collectors, so
// the core needs no metrics library. Ports.Observer nil observes nothing.
//
// The runner calls it from its event loop: implementations must be quick
// and must not call back into the Kiosk.
type Observer interface {
	// SessionEnded reports one patron session: its outcome (one of the
	// Outcome constants), how long it lasted from its first screen to its
	// end, and how many items it worked on (the stack size).
	SessionEnded(outcome string, d time.Duration, items int)
	// Loan reports one item lent (confirmed and its tag unsecured or kept
	// secured on the library system's word).
	Loan()
	// Return reports one item returned, with its route (the Route
	// constants).
	Return(route string)
	// Renewal reports one renewal's result (the Renewal constants).
	Renewal(result string)
	// Refusal reports one refusal by the library system: the operation
	// ("checkout", "checkin", "renew") and its machine code, bounded to
	// the known codes (KnownCodes) and RefusalOther.
	Refusal(op, code string)
	// UnknownOutcome reports a checkout, checkin or renewal whose reply was
	// lost, once Item Information settled it (the Settled constants).
	UnknownOutcome(op, settled string)
	// WrongPIN reports one wrong PIN for a known card.
	WrongPIN()
	// CardLocked reports a card locked at this kiosk after wrong PINs.
	CardLocked()
}

// Session outcomes.
const (
	OutcomeFinished    = "finished"     // the patron ended it (done, back, receipt)
	OutcomeIdleTimeout = "idle_timeout" // nobody touched the screen for the idle timeout
	OutcomeCardLocked  = "card_locked"  // never logged in; the card was locked
	OutcomeLoginFailed = "login_failed" // never logged in after a failed login
)

// Renewal results.
const (
	RenewalRenewed = "renewed"
	RenewalRefused = "refused" // the library system said no
	RenewalUnknown = "unknown" // the reply was lost (see UnknownOutcome)
	RenewalError   = "error"   // the library system could not be asked
)

// How an unknown outcome was settled.
const (
	SettledDone       = "done"       // it had happened
	SettledNotDone    = "not_done"   // it had not: tried again or refused
	SettledUnresolved = "unresolved" // Item Information could not tell: staff
)

// watch is the runner's bookkeeping for the Observer and for the log's
// session id. It is only touched by the event loop (apply).
type watch struct {
	num    int       // Model.Session it belongs to
	id     string    // random id of the session, for log lines
	start  time.Time // zero until the session's first screen
	items  map[string]bool
	failed bool              // a login failed in it
	locked bool              // a card was locked in it
	routes map[string]string // item id → route of its checkin answer
}

func newWatch(num int) watch {
	return watch{num: num, id: randomID(), items: map[string]bool{}, routes: map[string]string{}}
}

// randomID is a per-session id for the logs: random, so nothing about the
// patron or the time can be read from it.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observe derives what the Observer is told from one step: the event, the
// model before and after it, and the effects Step asked for.
func (k *Kiosk) observe(ev Event, prev, next Model, effs []Effect) {
	w := &k.watch
	if w.start.IsZero() && (next.State.inSession() || next.LoggedIn) {
		w.start = next.Now
	}
	if next.Message.ID == MsgLoginCardLocked {
		// Locked now, or a card locked earlier was scanned again.
		w.locked = true
	}
	ended := next.Session != w.num
	if o := k.ports.Observer; o != nil {
		k.observeLogin(o, ev, prev, next)
		k.observeItems(o, ev, prev, next)
		k.observeRenewals(o, ev, prev)
		if ended && !w.start.IsZero() {
			o.SessionEnded(k.outcome(prev, effs), next.Now.Sub(w.start), len(w.items))
		}
	}
	if ended {
		*w = newWatch(next.Session)
	}
}

// outcome is how the session that ended in this step ended.
func (k *Kiosk) outcome(prev Model, effs []Effect) string {
	reason := ""
	for _, e := range effs {
		if l, ok := e.(EffLog); ok && l.Msg == logSessionEnded {
			reason = l.Reason
		}
	}
	switch {
	case !prev.LoggedIn && k.watch.locked:
		return OutcomeCardLocked
	case !prev.LoggedIn && k.watch.failed:
		return OutcomeLoginFailed
	case reason == "idle":
		return OutcomeIdleTimeout
	}
	return OutcomeFinished
}

// logSession is the session id for the log lines of a step: the session's
// while one has begun, including the step that ends it; "" outside one.
func logSession(before, after watch) string {
	switch {
	case before.num != after.num:
		if !before.start.IsZero() {
			return before.id
		}
		return ""
	case !after.start.IsZero():
		return after.id
	}
	return ""
}

func (k *Kiosk) observeLogin(o Observer, ev Event, prev, next Model) {
	e, ok := ev.(EvAuth)
	if !ok || e.Session != prev.Session || prev.State != StateAuthenticating {
		return
	}
	if e.Err != nil || e.Status.ValidPatron != "Y" || e.Status.ValidPIN != "Y" {
		k.watch.failed = true
	}
	if e.Err == nil && e.Status.ValidPatron == "Y" && e.Status.ValidPIN != "Y" {
		o.WrongPIN()
		if next.Message.ID == MsgLoginCardLocked {
			o.CardLocked()
		}
	}
}

// observeItems counts the items that reached their end in this step, the
// library system's refusals and the settled unknown outcomes.
func (k *Kiosk) observeItems(o Observer, ev Event, prev, next Model) {
	w := &k.watch
	switch e := ev.(type) {
	case EvCheckout:
		if e.Err == nil && !e.Result.OK {
			o.Refusal("checkout", refusalCode(e.Result.Messages))
		}
	case EvCheckin:
		if e.Err == nil && !e.Result.OK {
			o.Refusal("checkin", refusalCode(e.Result.Messages))
		}
		if e.Err == nil && e.Result.OK {
			w.routes[e.ItemID], _ = returnRoute(e.Result)
		}
	}
	before := map[string]item{}
	for _, it := range prev.Items {
		before[it.Pad.ItemID] = it
	}
	for _, it := range next.Items {
		id := it.Pad.ItemID
		w.items[id] = true
		was, had := before[id]
		if had && was.Phase == phaseSettle && it.Phase != phaseSettle && !was.Reconcile {
			op := "checkout"
			if it.Flow == flowReturn {
				op = "checkin"
			}
			o.UnknownOutcome(op, settledHow(it))
		}
		if !it.Phase.terminal() || had && was.Phase.terminal() {
			continue
		}
		if it.Phase != phaseDone {
			continue
		}
		if it.Flow == flowLoan {
			o.Loan()
			continue
		}
		o.Return(routeOf(it, w.routes[id]))
	}
}

// settledHow says how Item Information settled an item's unknown outcome,
// from the item after the step.
func settledHow(it item) string {
	switch {
	case it.Confirmed:
		return SettledDone
	case it.Phase == phaseStaff || it.Reason.ID == MsgStaffOutcomeUnknown:
		return SettledUnresolved
	}
	return SettledNotDone
}

// routeOf is the route of a returned item: the destination shown, and for a
// sort bin (which may stand for any route) the route of the checkin answer.
func routeOf(it item, fromAnswer string) string {
	switch it.Dest.ID {
	case MsgDestReservations:
		return RouteHold
	case MsgDestOtherLibrary:
		return RouteTransit
	case MsgDestStaff:
		return RouteStaff
	case MsgDestOffline:
		return RouteOffline
	case MsgDestShelf:
		return RouteShelf
	}
	if fromAnswer != "" {
		return fromAnswer
	}
	return RouteShelf
}

func (k *Kiosk) observeRenewals(o Observer, ev Event, prev Model) {
	switch e := ev.(type) {
	case EvRenew:
		if e.Session != prev.Session {
			return
		}
		switch {
		case e.Err != nil:
			o.Renewal(renewalFailure(e.Err))
		case e.Result.OK:
			o.Renewal(RenewalRenewed)
		default:
			o.Renewal(RenewalRefused)
			o.Refusal("renew", refusalCode(e.Result.Messages))
		}
	case EvRenewChecked:
		if e.Session != prev.Session {
			return
		}
		if l := k.model.findLoan(e.ItemID); l != nil {
			switch {
			case l.Renewed:
				o.UnknownOutcome("renew", SettledDone)
			case l.Reason.ID == MsgRenewNotDone:
				o.UnknownOutcome("renew", SettledNotDone)
			default:
				o.UnknownOutcome("renew", SettledUnresolved)
			}
		}
	case EvRenewAll:
		if e.Session != prev.Session {
			return
		}
		if e.Err != nil {
			o.Renewal(renewalFailure(e.Err))
			return
		}
		for range e.Result.Renewed {
			o.Renewal(RenewalRenewed)
		}
		for _, r := range e.Result.Unrenewed {
			o.Renewal(RenewalRefused)
			o.Refusal("renew", refusalCode([]string{"[" + r.Reason + "]"}))
		}
	}
}

// renewalFailure is the renewal result of a call that failed: unknown when
// the reply was lost, error when the library system could not be asked.
func renewalFailure(err error) string {
	if isUnknown(err) {
		return RenewalUnknown
	}
	return RenewalError
}

// Gauges are the kiosk's current facts for the metrics: what a scrape
// reads, never a patron.
type Gauges struct {
	KioskID     string
	Mode        Mode
	ModeReason  Text
	OutOfOrder  string // the technician's preset, "" when none
	Maintenance bool   // a technician is in maintenance mode
	ACSOnline   bool
	Reader      bool
	Paper       string // PaperOK, PaperNearEnd, PaperOut, PaperOffline; "" without a printer
	QueueLen    int
	// OldestQueued is the time of the oldest offline return; zero when
	// the queue is empty.
	OldestQueued time.Time
	Journal      int // unsettled in-flight journal entries
	LockedCards  int
	Skew         *time.Duration // our clock minus the last 98's, nil when unknown
	// System is the installed system as the update client read it from
	// RAUC (booted slot and bundle version); "" when not known.
	System string
	Now    time.Time
}

// InService reports whether the kiosk serves patrons, and when not, why:
// the /healthz answer.
func (g Gauges) InService() (bool, string) {
	switch {
	case g.OutOfOrder != "":
		return false, "out of order: " + g.OutOfOrder
	case g.Maintenance:
		return false, "maintenance"
	case g.Mode == ModeOutOfOrder:
		return false, "out of order: " + g.ModeReason.ID
	}
	return true, ""
}

// Gauges returns the current facts for the metrics.
func (k *Kiosk) Gauges() Gauges {
	now := k.ports.Clock.Now()
	k.mu.Lock()
	m := k.model
	locked := m.Throttle.LockedCards(now)
	k.mu.Unlock()
	g := Gauges{
		KioskID: k.opts.KioskID, Mode: m.Mode, ModeReason: m.ModeReason, OutOfOrder: m.OutOfOrder,
		Maintenance: m.State.inMaint(), ACSOnline: m.Health.ACSOnline, Reader: m.Health.Reader,
		QueueLen: k.queue.Len(), Journal: len(k.journal.Entries()), LockedCards: locked, Now: now,
	}
	if !m.Health.PrinterNone {
		g.Paper = m.Health.Paper
	}
	if q := k.queue.Entries(); len(q) > 0 {
		g.OldestQueued = q[0].At
	}
	k.statMu.Lock()
	if k.skew != nil {
		d := *k.skew
		g.Skew = &d
	}
	g.System = k.system
	k.statMu.Unlock()
	return g
}

// SessionID is the random id of the current session as the log lines carry
// it (field "session").
func (k *Kiosk) SessionID() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.watch.id
}
