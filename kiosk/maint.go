package kiosk

import (
	"strconv"
	"time"
)

// This file is the maintenance mode in the pure core: the way in (only from
// the idle welcome or out-of-order screen), the credential check, the
// lockout, the idle exit and the technician's actions. The runner performs
// what it asks for (the argon2id check, the audit log, the status facts) in
// maintrun.go.

// The pages of maintenance mode.
const (
	PageStatus     = "status"
	PageTests      = "tests"
	PageOutOfOrder = "out-of-order"
	PageQueue      = "queue"
	PageLog        = "log"
)

// MaintPages lists the pages in the order of the technician's tabs.
var MaintPages = []string{PageStatus, PageTests, PageOutOfOrder, PageQueue, PageLog}

// The technician's actions (InMaintAction).
const (
	ActionRefresh   = "refresh"    // gather the status facts again
	ActionForward   = "forward"    // forward the offline queue now
	ActionSettle    = "settle"     // settle the in-flight journal now
	ActionPrintTest = "print-test" // print a test receipt
	ActionACSCheck  = "acs-check"  // log in and send 99 over the configured connection
	ActionRestart   = "restart"    // restart the kiosk app
	ActionReboot    = "reboot"     // reboot the machine
)

// OutOfOrderPresets are the reasons a technician can put the kiosk out of
// order with; each is a translated message on the patron's screen.
var OutOfOrderPresets = []string{"maintenance", "printer", "network", "closed"}

// Message ids of maintenance mode that the core emits.
const (
	MsgModeForcedMaintenance = "mode.forced_maintenance"
	MsgModeForcedPrinter     = "mode.forced_printer"
	MsgModeForcedNetwork     = "mode.forced_network"
	MsgModeForcedClosed      = "mode.forced_closed"
	MsgMaintWrong            = "maint.login.wrong"
	MsgMaintLocked           = "maint.login.locked"
	MsgMaintCredUnavailable  = "maint.login.unavailable"
	MsgMaintForwarded        = "maint.result.forwarded"
	MsgMaintForwardOffline   = "maint.result.forward_offline"
	MsgMaintForwardRecover   = "maint.result.forward_recovering"
	MsgMaintSettled          = "maint.result.settled"
	MsgMaintSettleOpen       = "maint.result.settle_open"
	MsgMaintBusy             = "maint.result.busy"
)

// forcedReason is the patron's reason for a technician's preset.
func forcedReason(preset string) Text {
	switch preset {
	case "printer":
		return Text{ID: MsgModeForcedPrinter}
	case "network":
		return Text{ID: MsgModeForcedNetwork}
	case "closed":
		return Text{ID: MsgModeForcedClosed}
	}
	return Text{ID: MsgModeForcedMaintenance}
}

func validPreset(p string) bool {
	for _, x := range OutOfOrderPresets {
		if x == p {
			return true
		}
	}
	return false
}

// Maint is the maintenance mode's part of the model.
type Maint struct {
	Tech      string // the technician's name from the PIN file, while in the mode
	Page      string
	LastTouch time.Time
	Warning   bool // the idle exit is near
	Message   Text // on the credential screen: wrong, locked, unavailable
	Result    Text // the outcome of the last action
	Busy      string
	Status    *StatusReport // the latest facts; replaced whole, never changed
	StatusAt  time.Time
	Gathering bool
	Log       []string // the last log lines, newest first, for the log page
	// Selected is the UID of the tag chosen in the tag inspector, Confirm
	// the AFI write waiting for the technician's yes.
	Selected string
	Confirm  *AFIRequest
	// ScanKind is what the scanner test read last: a ScanKind constant,
	// never the number.
	ScanKind string
	// Lock is the credential lockout, persisted in the state directory.
	Lock MaintLock
}

// MaintLock is the lockout state kept across restarts. It holds no
// credential, only counts and a time.
type MaintLock struct {
	Failures int       `json:"failures"` // wrong credentials since the last lockout or success
	Lockouts int       `json:"lockouts"` // lockouts in a row, for the doubling
	Until    time.Time `json:"until"`
}

// Locked reports whether the credential screen refuses tries at now.
func (l MaintLock) Locked(now time.Time) bool { return now.Before(l.Until) }

// The inputs of maintenance mode.
type (
	// InMaintEnter is the long press on the header: the way in.
	InMaintEnter struct{}
	// InMaintPage shows one page of maintenance mode.
	InMaintPage struct{ Page string }
	// InMaintOutOfOrder puts the kiosk out of order with a preset, or back
	// in service with "".
	InMaintOutOfOrder struct{ Preset string }
	// InMaintAction is one of the Action constants.
	InMaintAction struct{ Action string }
	// InMaintExit leaves maintenance mode.
	InMaintExit struct{}
)

func (InMaintEnter) isInput()      {}
func (InMaintPage) isInput()       {}
func (InMaintOutOfOrder) isInput() {}
func (InMaintAction) isInput()     {}
func (InMaintExit) isInput()       {}

// The events of maintenance mode.
type (
	// EvMaintChecked is the result of the credential check: Tech is the
	// matching technician, "" for a wrong credential; Err says the file
	// could not be used.
	EvMaintChecked struct {
		Tech string
		Err  error
	}
	// EvMaintStatus carries freshly gathered status facts.
	EvMaintStatus struct{ Report StatusReport }
	// EvMaintResult is the outcome of a technician's action.
	EvMaintResult struct {
		Action string
		OK     bool
		Result Text
		Ctl    int // copied from EffMaintAction
	}
	// EvMaintLog carries the last log lines, newest first.
	EvMaintLog struct{ Lines []string }
)

func (EvMaintChecked) eventName() string { return "maint-checked" }
func (EvMaintStatus) eventName() string  { return "maint-status" }
func (EvMaintResult) eventName() string  { return "maint-result" }
func (EvMaintLog) eventName() string     { return "maint-log" }

// The effects of maintenance mode.
type (
	// EffMaintCheck checks a credential against the PIN file (argon2id).
	// The runner zeroes Secret when done.
	EffMaintCheck struct{ Secret []byte }
	// EffAudit writes one line to the audit log. It never carries patron
	// data: a technician's name, an action, a result, item ids.
	EffAudit struct {
		Tech, Action, Result, Detail string
		// Via is "control" for an action asked for on the control
		// socket, whose caller is UID (SO_PEERCRED); "" for the screen.
		Via string
		UID int
	}
	// EffMaintSaveLock persists the lockout state.
	EffMaintSaveLock struct{ Lock MaintLock }
	// EffSaveOutOfOrder persists the technician's out-of-order preset.
	EffSaveOutOfOrder struct{ Preset string }
	// EffMaintStatus gathers the status facts.
	EffMaintStatus struct{}
	// EffMaintLog fetches the last log lines.
	EffMaintLog struct{}
	// EffMaintAction performs a test or a system action.
	EffMaintAction struct {
		Action string
		Tech   string
		Ctl    int // the control request that asked for it; 0 for the screen
	}
)

func (EffMaintCheck) effectName() string     { return "maint-check" }
func (EffAudit) effectName() string          { return "audit" }
func (EffMaintSaveLock) effectName() string  { return "maint-save-lock" }
func (EffSaveOutOfOrder) effectName() string { return "save-out-of-order" }
func (EffMaintStatus) effectName() string    { return "maint-status" }
func (EffMaintLog) effectName() string       { return "maint-log" }
func (EffMaintAction) effectName() string    { return "maint-action" }

// inMaint reports the states of maintenance mode.
func (s State) inMaint() bool {
	return s == StateMaintLogin || s == StateMaintCheck || s == StateMaintenance
}

// maxCred bounds a typed credential: a passphrase, not a document.
const maxCred = 64

// statusEvery is how often the status page refreshes its facts while shown.
const statusEvery = 5 * time.Second

func (s *stepper) audit(action, result, detail string) {
	s.emit(EffAudit{Tech: s.m.Maint.Tech, Action: action, Result: result, Detail: detail})
}

// maintEnter handles the long press. The way in exists only on the idle
// welcome and out-of-order screens, and only with a credential file.
func (s *stepper) maintEnter() {
	m := s.m
	idle := (m.State == StateWelcome && !m.LoggedIn) || m.State == StateOutOfOrder
	if !idle {
		return
	}
	if m.Opts.MaintPINFile == "" {
		s.log("info", "maintenance gesture ignored: no maintenance.pin_file is configured", "", "")
		return
	}
	if m.LoggedIn || !m.Sec.Empty() || len(m.Items) > 0 {
		// No patron may be half-served behind the technician: whatever
		// is left of a session ends now (35, wipe).
		s.endSession("maintenance")
		zero(m.Sec.Next)
		m.Sec.Next = nil
	}
	m.resetLook()
	m.State = StateMaintLogin
	m.Maint.LastTouch = m.Now
	m.Maint.Warning = false
	m.Maint.Message = Text{}
	if m.Maint.Lock.Locked(m.Now) {
		m.Maint.Message = s.lockedText()
	}
	s.log("info", "maintenance credential screen opened", "", "")
}

func (s *stepper) lockedText() Text {
	left := s.m.Maint.Lock.Until.Sub(s.m.Now)
	return Text{ID: MsgMaintLocked, Data: map[string]any{"Minutes": int((left + time.Minute - 1) / time.Minute)}}
}

// maintInput handles the inputs of the maintenance states; it reports
// whether the input was one of them.
func (s *stepper) maintInput(in Input) bool {
	m := s.m
	if !m.State.inMaint() {
		if _, ok := in.(InMaintEnter); ok {
			s.maintEnter()
			return true
		}
		switch in.(type) {
		case InMaintPage, InMaintOutOfOrder, InMaintAction, InMaintExit,
			InMaintSelectTag, InMaintAFI, InMaintConfirm:
			return true // nothing outside the mode
		}
		return false
	}
	m.Maint.LastTouch = m.Now
	m.Maint.Warning = false
	switch x := in.(type) {
	case InLanguage:
		// Danish or English (or any catalog language) for the technician.
		if supportedLang(x.Lang) {
			m.Lang = x.Lang
		}
	case InKey:
		if m.State == StateMaintLogin && !m.Maint.Lock.Locked(m.Now) && len(m.Sec.Cred) < maxCred && x.Key > ' ' && x.Key < 0x7f {
			m.Sec.Cred = appendSecret(m.Sec.Cred, byte(x.Key))
		}
	case InBackspace:
		if n := len(m.Sec.Cred); n > 0 {
			m.Sec.Cred[n-1] = 0
			m.Sec.Cred = m.Sec.Cred[:n-1]
		}
	case InClear:
		zero(m.Sec.Cred)
		m.Sec.Cred = m.Sec.Cred[:0]
	case InSubmit:
		if m.State != StateMaintLogin || len(m.Sec.Cred) == 0 {
			return true
		}
		if m.Maint.Lock.Locked(m.Now) {
			zero(m.Sec.Cred)
			m.Sec.Cred = nil
			m.Maint.Message = s.lockedText()
			return true
		}
		m.State = StateMaintCheck
		m.Maint.Message = Text{}
		secret := takeSecret(m.Sec.Cred)
		m.Sec.Cred = nil
		s.emit(EffMaintCheck{Secret: secret})
	case InBack:
		if m.State != StateMaintenance {
			s.maintLeave("cancelled")
		}
	case InMaintExit:
		s.maintLeave("exit")
	case InMaintPage:
		if m.State == StateMaintenance {
			s.maintPage(x.Page)
		}
	case InMaintOutOfOrder:
		if m.State != StateMaintenance || (x.Preset != "" && !validPreset(x.Preset)) {
			return true
		}
		action, detail := s.setOutOfOrder(x.Preset)
		s.audit(action, "ok", detail)
	case InMaintAction:
		if m.State == StateMaintenance {
			s.maintAction(x.Action)
		}
	case InMaintSelectTag, InMaintAFI, InMaintConfirm:
		if m.State == StateMaintenance {
			s.maintTagInput(in)
		}
	}
	return true
}

func (s *stepper) maintPage(page string) {
	m := s.m
	for _, p := range MaintPages {
		if p == page {
			m.Maint.Page = page
			m.Maint.Result = Text{}
			m.Maint.Confirm = nil
			m.Maint.ScanKind = ""
			switch page {
			case PageLog:
				s.emit(EffMaintLog{})
			case PageStatus, PageQueue:
				s.gather()
			}
			return
		}
	}
}

// gather asks for fresh status facts unless a gathering is under way.
func (s *stepper) gather() {
	m := s.m
	if m.Maint.Gathering {
		return
	}
	m.Maint.Gathering = true
	m.Maint.StatusAt = m.Now
	s.emit(EffMaintStatus{})
}

func (s *stepper) maintAction(a string) {
	m := s.m
	if m.Maint.Busy != "" {
		m.Maint.Result = Text{ID: MsgMaintBusy}
		return
	}
	m.Maint.Result = Text{}
	switch a {
	case ActionRefresh:
		s.gather()
		if m.Maint.Page == PageLog {
			s.emit(EffMaintLog{})
		}
	case ActionForward:
		if refused := s.startForward(); refused.ID != "" {
			m.Maint.Result = refused
			if refused.ID == MsgMaintForwardRecover {
				s.audit("forward-queue", "refused", "journal not settled")
			}
			return
		}
		m.Maint.Busy = a
	case ActionSettle:
		if refused := s.startSettle(); refused.ID != "" {
			m.Maint.Result = refused
			return
		}
		m.Maint.Busy = a
	case ActionPrintTest, ActionACSCheck, ActionRestart, ActionReboot:
		m.Maint.Busy = a
		if a == ActionRestart || a == ActionReboot {
			// The mode ends with the process; the audit says why first.
			s.audit("exit", a, "")
		}
		s.emit(EffMaintAction{Action: a, Tech: m.Maint.Tech})
	}
}

// setOutOfOrder switches the kiosk out of order with preset, or back in
// service with "", and keeps the switch across restarts. Maintenance mode
// and the control socket both switch through it; it returns the audit
// action and detail for the caller to write with its own actor.
func (s *stepper) setOutOfOrder(preset string) (action, detail string) {
	s.m.OutOfOrder = preset
	s.emit(EffSaveOutOfOrder{Preset: preset})
	if preset == "" {
		return "out-of-order-off", ""
	}
	return "out-of-order-on", preset
}

// startForward forwards the offline queue now, for a technician or a
// control caller. It returns why it cannot (the zero Text when started):
// returns go after the interrupted loans are settled, or a forwarded return
// could end a loan the journal undoes; and one forwarding at a time.
func (s *stepper) startForward() (refused Text) {
	m := s.m
	switch {
	case m.Health.Recovering:
		return Text{ID: MsgMaintForwardRecover}
	case m.Forwarding:
		return Text{ID: MsgMaintBusy}
	}
	m.Forwarding = true
	s.emit(EffForwardQueue{})
	return Text{}
}

// startSettle settles the in-flight journal now; it returns why it cannot
// (the zero Text when started).
func (s *stepper) startSettle() (refused Text) {
	m := s.m
	if m.Settling {
		return Text{ID: MsgMaintBusy}
	}
	m.Settling = true
	s.emit(EffSettleJournal{})
	return Text{}
}

// forwardedText and settledText word the outcome of forwarding the queue
// and settling the journal, for the maintenance screen and the control
// socket alike.
func forwardedText(left int, online bool) Text {
	if left > 0 && !online {
		return Text{ID: MsgMaintForwardOffline, Data: map[string]any{"Left": left}}
	}
	return Text{ID: MsgMaintForwarded, Data: map[string]any{"Left": left}}
}

func settledText(open int) Text {
	if open > 0 {
		return Text{ID: MsgMaintSettleOpen, Data: map[string]any{"Open": open}}
	}
	return Text{ID: MsgMaintSettled}
}

// maintLeave ends maintenance mode for reason and returns to the welcome
// screen; applyMode shows the out-of-order screen instead when the kiosk
// cannot serve (or a technician said so).
func (s *stepper) maintLeave(reason string) {
	m := s.m
	if m.State == StateMaintenance {
		s.audit("exit", reason, "")
	}
	zero(m.Sec.Cred)
	m.Sec.Cred = nil
	tech := m.Maint.Tech
	lock := m.Maint.Lock
	m.Maint = Maint{Lock: lock}
	// The next patron starts in the kiosk's language, whichever the
	// technician read the screens in.
	m.resetLook()
	m.State = StateWelcome
	m.LastActivity = m.Now
	if tech != "" {
		s.log("info", "maintenance mode left", "", reason)
	}
}

// maintChecked handles the credential check's result.
func (s *stepper) maintChecked(e EvMaintChecked) {
	m := s.m
	if m.State != StateMaintCheck {
		return
	}
	m.State = StateMaintLogin
	switch {
	case e.Err != nil:
		// The file is missing, malformed or readable by others: not the
		// technician's fault, so no try is counted.
		m.Maint.Message = Text{ID: MsgMaintCredUnavailable}
		s.audit("login", "error", "credential file unusable")
		s.log("error", "maintenance credential file unusable", "", e.Err.Error())
	case e.Tech != "":
		m.Maint.Lock = MaintLock{}
		s.emit(EffMaintSaveLock{Lock: m.Maint.Lock})
		m.Maint.Tech = e.Tech
		m.Maint.Message = Text{}
		m.State = StateMaintenance
		m.Maint.Page = PageStatus
		s.audit("enter", "ok", "")
		s.gather()
	default:
		l := &m.Maint.Lock
		l.Failures++
		s.audit("login", "wrong credential", "")
		if l.Failures >= m.Opts.MaintTries {
			l.Lockouts++
			l.Failures = 0
			d := m.Opts.MaintLockout
			for i := 1; i < l.Lockouts && d < m.Opts.MaintLockoutMax; i++ {
				d *= 2
			}
			d = min(d, m.Opts.MaintLockoutMax)
			l.Until = m.Now.Add(d)
			s.audit("lockout", "locked", d.String())
			s.log("warn", "maintenance credential locked after wrong tries", "", d.String())
			m.Maint.Message = s.lockedText()
		} else {
			m.Maint.Message = Text{ID: MsgMaintWrong, Data: map[string]any{"Left": m.Opts.MaintTries - l.Failures}}
		}
		s.emit(EffMaintSaveLock{Lock: *l})
	}
}

// maintTick runs the idle exit and the status refresh.
func (s *stepper) maintTick() {
	m := s.m
	idle := m.Now.Sub(m.Maint.LastTouch)
	switch {
	case idle >= m.Opts.MaintIdle:
		s.maintLeave("idle")
		return
	case idle >= m.Opts.MaintIdle-m.Opts.MaintIdleWarning:
		m.Maint.Warning = true
	}
	if m.State == StateMaintenance && (m.Maint.Page == PageStatus || m.Maint.Page == PageQueue) &&
		m.Now.Sub(m.Maint.StatusAt) >= statusEvery {
		s.gather()
	}
}

// maintResult shows the outcome of an action.
func (s *stepper) maintResult(e EvMaintResult) {
	m := s.m
	if e.Ctl != 0 {
		s.ctlActionDone(e)
		return
	}
	if m.Maint.Busy == e.Action {
		m.Maint.Busy = ""
	}
	if m.State != StateMaintenance {
		return
	}
	m.Maint.Result = e.Result
	result := "ok"
	if !e.OK {
		result = "failed"
	}
	if e.Action != ActionRestart && e.Action != ActionReboot {
		s.audit(e.Action, result, e.Result.Raw)
	}
	s.gather()
}

// maintFinished clears the busy mark of action and reports whether its
// result is for a technician still in maintenance mode: an answer to an
// action nobody started, or after the technician left, is only logged.
func (s *stepper) maintFinished(action string) bool {
	m := s.m
	if m.Maint.Busy != action {
		return false
	}
	m.Maint.Busy = ""
	return m.State == StateMaintenance
}

// maintQueueForwarded and maintSettled report the queue and journal actions
// when a technician started them.
func (s *stepper) maintQueueForwarded(left int) {
	if !s.maintFinished(ActionForward) {
		return
	}
	m := s.m
	m.Maint.Result = forwardedText(left, m.Health.ACSOnline)
	s.audit("forward-queue", "ok", strconv.Itoa(left)+" left")
	s.gather()
}

func (s *stepper) maintSettled(open int) {
	if !s.maintFinished(ActionSettle) {
		return
	}
	s.m.Maint.Result = settledText(open)
	s.audit("settle-journal", "ok", strconv.Itoa(open)+" open")
	s.gather()
}
