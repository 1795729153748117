package kiosk

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Step is the transition function: given a model and an event it returns the
// next model and the effects to perform. It does no I/O and reads no clock
// (m.Now is set by the runner), so it is tested with plain tables.
func Step(m Model, ev Event) (Model, []Effect) {
	n := m.clone()
	s := &stepper{m: &n}
	s.handle(ev)
	s.ctlApplyPending()
	n.Mode, n.ModeReason = n.computeMode()
	s.applyMode()
	s.cues(&m)
	return n, s.effs
}

type stepper struct {
	m    *Model
	effs []Effect
}

func (s *stepper) emit(e ...Effect) { s.effs = append(s.effs, e...) }

func (s *stepper) log(level, msg, itemID, reason string) {
	s.emit(EffLog{Level: level, Msg: msg, ItemID: itemID, Reason: reason})
}

func (s *stepper) handle(ev Event) {
	m := s.m
	switch e := ev.(type) {
	case EvInput:
		if s.hoursInput() {
			break
		}
		if s.maintInput(e.In) {
			break
		}
		if m.State.inSession() || m.LoggedIn || m.State == StateWelcome {
			// On the welcome screen too: a language chosen there is kept
			// for one idle timeout from the last touch.
			m.LastActivity = m.Now
			m.IdleWarning = false
		}
		s.input(e.In)
	case EvScan:
		if m.State.inMaint() {
			s.maintScan(e.Text)
			break
		}
		s.scan(e.Text)
	case EvPadItem:
		s.padItem(e.Item)
	case EvPadRemoved:
		s.padRemoved(e.ItemID)
	case EvPadUnreadableGone:
		delete(m.PadUnreadable, e.UID)
	case EvMaintAFI:
		s.maintAFIWritten(e)
	case EvMaintScan:
		s.maintScanned(e)
	case EvPadUnreadable:
		s.unreadable(e.UID, e.Reason)
		if m.State == StateLoan || m.State == StateReturn {
			m.Message = Text{ID: MsgPadUnreadable}
		}
	case EvTick:
		s.tick()
	case EvStarted:
		if m.State != StateStarting {
			return
		}
		m.Health.QueueLen = e.QueueLen
		m.Health.QueueFull = m.Opts.OfflineQueueMax > 0 && e.QueueLen >= m.Opts.OfflineQueueMax
		if e.OpenEntries > 0 {
			m.Settling = true
			s.emit(EffSettleJournal{})
		} else {
			m.Health.Recovering = false
			m.State = StateWelcome
		}
		s.maybeForward()
	case EvJournalSettled:
		m.Settling = false
		s.maintSettled(e.Open)
		s.ctlFinished(ActionSettle, "settle-journal", settledText(e.Open), strconv.Itoa(e.Open)+" open")
		if e.Open > 0 {
			// A loan or return interrupted by the crash is still
			// unsettled: serving patrons could leave a tag that disagrees
			// with the library system. Stay out of order and try again
			// when the library system answers (reliability.md #35).
			s.log("error", "crash journal not settled; out of order until it is", "", "")
			return
		}
		m.Health.Recovering = false
		if m.State == StateStarting {
			m.State = StateWelcome
		}
		s.maybeForward()
	case EvHealth:
		h := e.Health
		if m.Health.Reader && !h.Reader {
			// Without the reader nothing is known about the pad: an item
			// taken off meanwhile must not be lent in the next session. The
			// watcher reports what lies there when the reader is back.
			clear(m.Pad)
			clear(m.PadUnreadable)
			// Nor is it known whether the last session's items were lifted;
			// forgetting them is the lesser harm than ignoring an item
			// forever because its lifting was never seen.
			clear(m.Carried)
			for i := range m.Items {
				m.Items[i].OnPad = false
			}
		}
		h.Recovering = m.Health.Recovering
		h.QueueLen, h.QueueFull = m.Health.QueueLen, m.Health.QueueFull
		m.Health = h
		if m.Health.Recovering && m.State == StateStarting && !m.Settling && h.ACSOnline {
			m.Settling = true
			s.emit(EffSettleJournal{})
		}
		s.maybeForward()
	case EvQueueForwarded:
		m.Forwarding = false
		m.Health.QueueLen = e.Len
		m.Health.QueueFull = m.Opts.OfflineQueueMax > 0 && e.Len >= m.Opts.OfflineQueueMax
		s.maintQueueForwarded(e.Len)
		s.ctlFinished(ActionForward, "forward-queue", forwardedText(e.Len, m.Health.ACSOnline), strconv.Itoa(e.Len)+" left")
	case EvMaintChecked:
		s.maintChecked(e)
	case EvMaintStatus:
		m.Maint.Gathering = false
		if m.State == StateMaintenance {
			r := e.Report
			m.Maint.Status = &r
		}
	case EvMaintResult:
		s.maintResult(e)
	case EvControl:
		s.control(e)
	case EvMaintLog:
		if m.State == StateMaintenance {
			m.Maint.Log = e.Lines
		}
	case EvAuth:
		s.auth(e)
	case EvAccount:
		s.account(e)
	case EvCheckout:
		s.checkoutResult(e)
	case EvSettled:
		s.settled(e)
	case EvSecured:
		s.secured(e)
	case EvCancelled:
		s.cancelled(e)
	case EvCheckin:
		s.checkinResult(e)
	case EvQueued:
		s.queued(e)
	case EvRenew:
		s.renewResult(e)
	case EvRenewChecked:
		s.renewChecked(e)
	case EvRenewAll:
		s.renewAllResult(e)
	case EvItemTitle:
		s.itemTitle(e)
	case EvPrinted:
		s.printed(e)
	}
	s.maybeEnd()
}

// ---- inputs ----

func (s *stepper) input(in Input) {
	m := s.m
	switch x := in.(type) {
	case InLanguage:
		if supportedLang(x.Lang) {
			m.Lang = x.Lang
		}
	case InLargeText:
		m.LargeText = x.On
	case InActivity, InStillHere:
		// The activity reset above is all they do.
	case InChoose:
		s.choose(x.Screen)
	case InKey:
		s.key(x.Key)
	case InBackspace:
		switch m.State {
		case StateIdentify:
			if n := len(m.Sec.Typed); n > 0 {
				m.Sec.Typed[n-1] = 0
				m.Sec.Typed = m.Sec.Typed[:n-1]
			}
		case StatePIN:
			if n := len(m.Sec.PIN); n > 0 {
				m.Sec.PIN[n-1] = 0
				m.Sec.PIN = m.Sec.PIN[:n-1]
			}
		}
	case InClear:
		switch m.State {
		case StateIdentify:
			zero(m.Sec.Typed)
			m.Sec.Typed = m.Sec.Typed[:0]
		case StatePIN:
			zero(m.Sec.PIN)
			m.Sec.PIN = m.Sec.PIN[:0]
		}
	case InSubmit:
		switch m.State {
		case StateIdentify:
			text := string(m.Sec.Typed)
			zero(m.Sec.Typed)
			m.Sec.Typed = nil
			s.identified([]byte(text))
		case StatePIN:
			s.submitPIN()
		}
	case InBack:
		switch m.State {
		case StateIdentify, StatePIN:
			s.endSession("back")
		case StateLoan, StateRenew, StateAccount, StateReturn:
			if m.LoggedIn {
				m.State = StateWelcome
				m.Message = Text{}
			} else {
				s.requestEnd("back")
			}
		case StateReceipt:
			s.endSession("back")
		}
	case InFinish:
		switch m.State {
		case StateGoodbye:
			// The goodbye screen's Done button: the patron is finished, so
			// the next one need not wait for the goodbye timer.
			m.endGoodbye()
		case StateIdentify, StatePIN, StateReceipt:
			s.endSession("finish")
		case StateWelcome, StateLoan, StateReturn, StateRenew, StateAccount:
			if m.LoggedIn || m.State != StateWelcome {
				s.requestEnd("finish")
			}
		}
	case InToggleRenew:
		if m.State == StateRenew {
			if l := m.findLoan(x.ItemID); l != nil && !l.Renewing && !l.Reserved {
				l.Selected = !l.Selected
			}
		}
	case InRenewChosen:
		if m.State == StateRenew {
			for i := range m.Loans {
				l := &m.Loans[i]
				if l.Selected && !l.Renewing {
					l.Renewing, l.Selected, l.Reason = true, false, Text{}
					s.emit(EffRenew{Session: m.Session, ItemID: l.ItemID, Patron: s.patron()})
				}
			}
		}
	case InRenewAll:
		if m.State == StateRenew && len(m.Loans) > 0 {
			for i := range m.Loans {
				m.Loans[i].Renewing, m.Loans[i].Selected, m.Loans[i].Reason = true, false, Text{}
			}
			m.Busy++
			s.emit(EffRenewAll{Session: m.Session, Patron: s.patron()})
		}
	case InReceipt:
		if m.State != StateReceipt {
			return
		}
		switch x.Choice {
		case "print":
			if m.Mode == ModeNoReceipt {
				return
			}
			m.State = StatePrinting
			s.emit(EffPrint{Session: m.Session, Receipt: m.receipt()})
		case "qr":
			m.ReceiptQR = receiptText(m.Receipt)
		case "none":
			s.endSession("finish")
		}
	case InKeyboardScan:
		s.scan(x.Text)
	}
}

func supportedLang(l string) bool {
	switch l {
	case "da", "en", "de", "sv", "uk", "pl", "tr":
		return true
	}
	return false
}

func (s *stepper) choose(sc Screen) {
	m := s.m
	switch m.State {
	case StateGoodbye:
		// The next patron need not wait for the goodbye screen to pass.
		m.endGoodbye()
		if m.Mode == ModeOutOfOrder {
			m.State = StateOutOfOrder
			return
		}
	case StateWelcome, StateLoan, StateReturn, StateRenew, StateAccount:
	default:
		return
	}
	m.Message = Text{}
	switch sc {
	case ScreenReturn:
		if m.Mode == ModeOutOfOrder {
			return
		}
		if m.returnsOff() {
			// 98 said checkin ok = N: say so instead of taking items the
			// library system would refuse (reliability.md #4).
			m.Message = Text{ID: MsgModeCheckinDisabled}
			return
		}
		if !m.State.inSession() && !m.LoggedIn {
			m.LastActivity = m.Now
		}
		m.State = StateReturn
		s.startPending()
	case ScreenLoan, ScreenRenew, ScreenAccount:
		if m.Mode >= ModeReturnsOnly {
			m.Message = Text{ID: MsgModeReturnsOnly}
			return
		}
		if !m.LoggedIn {
			if m.State != StateWelcome {
				return
			}
			m.Intent = sc
			m.LastActivity = m.Now
			m.State = StateIdentify
			return
		}
		s.enter(sc)
	}
}

// enter goes to a logged-in screen, loading the account where needed.
func (s *stepper) enter(sc Screen) {
	m := s.m
	switch sc {
	case ScreenLoan:
		m.State = StateLoan
		s.loadAccountForReceipt()
		s.startPending()
	case ScreenRenew, ScreenAccount:
		if sc == ScreenRenew {
			m.State = StateRenew
		} else {
			m.State = StateAccount
		}
		m.Busy++
		s.emit(EffLoadAccount{Session: m.Session, Patron: s.patron()})
	default:
		m.State = StateLoan
		s.loadAccountForReceipt()
		s.startPending()
	}
}

func (s *stepper) key(k rune) {
	m := s.m
	switch m.State {
	case StateIdentify:
		if len(m.Sec.Typed) < 24 && (k >= '0' && k <= '9' || k >= 'A' && k <= 'Z' || k >= 'a' && k <= 'z' || k == '-') {
			m.Sec.Typed = appendSecret(m.Sec.Typed, byte(k))
		}
	case StatePIN:
		if k >= '0' && k <= '9' && len(m.Sec.PIN) < m.Opts.PINLength {
			m.Sec.PIN = appendSecret(m.Sec.PIN, byte(k))
			if len(m.Sec.PIN) == m.Opts.PINLength {
				s.submitPIN()
			}
		}
	}
}

// ---- login ----

func (s *stepper) scan(text []byte) {
	m := s.m
	switch m.State {
	case StateWelcome, StateIdentify, StatePIN, StateGoodbye:
		if m.LoggedIn {
			s.anotherCard(text)
			return
		}
		if m.Mode >= ModeReturnsOnly {
			zero(text)
			m.Message = Text{ID: MsgModeReturnsOnly}
			return
		}
		if m.State == StateGoodbye {
			m.State = StateWelcome
		}
		if m.Intent == ScreenWelcome || m.State == StateWelcome {
			m.Intent = ScreenLoan
		}
		m.LastActivity = m.Now
		zero(m.Sec.PIN)
		m.Sec.PIN = nil
		s.identified(text)
	case StateLoan, StateReturn, StateRenew, StateAccount, StateReceipt:
		s.anotherCard(text)
	default:
		zero(text)
	}
}

// anotherCard ends the current session and serves the new card afterwards.
func (s *stepper) anotherCard(text []byte) {
	m := s.m
	if m.Mode >= ModeReturnsOnly {
		zero(text)
		return
	}
	zero(m.Sec.Next)
	m.Sec.Next = takeSecret(text)
	s.requestEnd("another-card")
}

// identified validates an identifier and moves to the PIN screen. text is
// zeroed.
func (s *stepper) identified(text []byte) {
	m := s.m
	id, err := s.identify(text)
	zero(text)
	if err != nil {
		m.State = StateIdentify
		if r, ok := err.(*Rejection); ok {
			m.Message = Text{ID: r.ID}
		} else {
			m.Message = Text{ID: MsgIdentifyInvalid}
		}
		return
	}
	zero(m.Sec.ID)
	m.Sec.ID = id
	if m.Throttle.Locked(m.Throttle.Key(id, m.Now), m.Now) {
		zero(m.Sec.ID)
		m.Sec.ID = nil
		m.State = StateIdentify
		m.Message = Text{ID: MsgLoginCardLocked, Data: map[string]any{"Minutes": int(m.Opts.LockFor / time.Minute)}}
		return
	}
	m.Message = Text{}
	m.State = StatePIN
}

func (s *stepper) identify(text []byte) ([]byte, error) {
	if s.m.Identify != nil {
		return s.m.Identify(text)
	}
	return minimalIdentify(text)
}

// minimalIdentify accepts a 10-digit CPR (with or without the dash) or a
// card number of 4–20 letters and digits.
func minimalIdentify(text []byte) ([]byte, error) {
	out := make([]byte, 0, 24)
	for _, c := range text {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
			out = append(out, c)
		case c == '-' || c == ' ' || c == '\r' || c == '\n':
		default:
			zero(out)
			return nil, &Rejection{ID: MsgIdentifyInvalid}
		}
	}
	if len(out) < 4 || len(out) > 20 {
		zero(out)
		return nil, &Rejection{ID: MsgIdentifyInvalid}
	}
	return out, nil
}

func (s *stepper) submitPIN() {
	m := s.m
	if len(m.Sec.PIN) != m.Opts.PINLength {
		m.Message = Text{ID: MsgPINTooShort, Data: map[string]any{"Digits": m.Opts.PINLength}}
		return
	}
	k := m.Throttle.Key(m.Sec.ID, m.Now)
	if m.Throttle.Locked(k, m.Now) {
		s.loginFailed(Text{ID: MsgLoginCardLocked, Data: map[string]any{"Minutes": int(m.Opts.LockFor / time.Minute)}})
		return
	}
	if w := m.Throttle.Wait(m.Now); w > 0 {
		zero(m.Sec.PIN)
		m.Sec.PIN = m.Sec.PIN[:0]
		m.Message = Text{ID: MsgLoginWait, Data: map[string]any{"Seconds": int((w + time.Second - 1) / time.Second)}}
		return
	}
	m.Message = Text{}
	m.State = StateAuthenticating
	m.Busy++
	s.emit(EffAuthenticate{Session: m.Session, Patron: s.patron()})
}

// patron copies the session's identity for one request.
func (s *stepper) patron() Patron {
	return clonePatron(Patron{ID: s.m.Sec.ID, PIN: s.m.Sec.PIN})
}

// loginFailed forgets the identity and goes back to the identify screen.
func (s *stepper) loginFailed(msg Text) {
	m := s.m
	m.Sec.Wipe()
	m.State = StateIdentify
	m.Message = msg
}

func (s *stepper) auth(e EvAuth) {
	m := s.m
	if e.Session != m.Session || m.State != StateAuthenticating {
		zero(e.Status.Name)
		return
	}
	m.Busy--
	if e.Err != nil {
		zero(e.Status.Name)
		if isOffline(e.Err) {
			m.Health.ACSOnline = false
			s.loginFailed(Text{ID: MsgLoginUnavailable})
		} else {
			s.loginFailed(Text{ID: MsgLoginFailed})
		}
		s.log("warn", "login check failed", "", e.Err.Error())
		return
	}
	st := e.Status
	k := m.Throttle.Key(m.Sec.ID, m.Now)
	switch {
	case st.ValidPatron == "Y" && st.ValidPIN == "Y":
		m.Throttle.Succeed(k)
		m.LoggedIn = true
		zero(m.Sec.Name)
		m.Sec.Name = st.Name
		m.Sec.Greeting = ""
		if m.Opts.Greet && len(st.Name) > 0 {
			m.Sec.Greeting = firstName(st.Name)
		}
		m.Blocked = blockText(st.Blocks)
		m.NoRenew = noRenewText(st.Blocks)
		s.enter(m.Intent)
	case st.ValidPatron == "Y":
		// A wrong, blank or missing CQ: never a login.
		zero(st.Name)
		wrong, total, locked := m.Throttle.Fail(&k, m.Now)
		if m.Opts.BlockPatronAfter > 0 && total == m.Opts.BlockPatronAfter {
			s.emit(EffBlockPatron{Patron: Patron{ID: append([]byte(nil), m.Sec.ID...)}, Message: m.Opts.BlockMessage})
			s.log("warn", "card blocked in the library system after wrong PINs", "", "")
		}
		if locked {
			s.log("warn", "card locked at this kiosk after wrong PINs", "", "")
			s.loginFailed(Text{ID: MsgLoginCardLocked, Data: map[string]any{"Minutes": int(m.Opts.LockFor / time.Minute)}})
			return
		}
		zero(m.Sec.PIN)
		m.Sec.PIN = m.Sec.PIN[:0]
		m.State = StatePIN
		m.Message = Text{ID: MsgLoginWrongPIN, Data: map[string]any{"Left": m.Opts.MaxWrongPINs - wrong}}
	default:
		zero(st.Name)
		m.Throttle.Fail(nil, m.Now)
		s.loginFailed(Text{ID: MsgLoginUnknownPatron})
	}
}

func (s *stepper) account(e EvAccount) {
	m := s.m
	if e.Session != m.Session {
		zero(e.Account.Status.Name)
		return
	}
	zero(e.Account.Status.Name)
	if e.Background {
		if e.Err != nil {
			// The receipt goes without holds and fees; the loans do not
			// depend on it.
			s.log("info", "account for the receipt not loaded", "", e.Err.Error())
			return
		}
	} else {
		m.Busy--
	}
	if e.Err != nil {
		if isOffline(e.Err) {
			m.Health.ACSOnline = false
		}
		m.Message = Text{ID: MsgAccountUnavailable}
		return
	}
	a := e.Account
	// Keep what this session learnt about each loan (renewed, refused)
	// across a reload.
	prev := map[string]loan{}
	for _, l := range m.Loans {
		prev[l.ItemID] = l
	}
	m.Loans = m.Loans[:0]
	for _, l := range a.Loans {
		n := loan{Loan: l}
		if p, ok := prev[l.ItemID]; ok {
			n.Renewed, n.Reason, n.Renewing = p.Renewed, p.Reason, p.Renewing
			n.HoldAsked, n.Reserved = p.HoldAsked, p.Reserved
		}
		m.Loans = append(m.Loans, n)
	}
	s.askHolds()
	m.Holds = append(m.Holds[:0], a.Holds...)
	m.FeeTotal = a.FeeTotal
	if a.Currency != "" {
		m.Currency = a.Currency
	}
	if b := blockText(a.Status.Blocks); b.ID != "" {
		m.Blocked = b
	}
	if b := noRenewText(a.Status.Blocks); b.ID != "" {
		m.NoRenew = b
	}
}

// ---- pad and items ----

func (s *stepper) find(id string) int {
	for i := range s.m.Items {
		if s.m.Items[i].Pad.ItemID == id {
			return i
		}
	}
	return -1
}

func (s *stepper) padItem(p PadItem) {
	m := s.m
	if p.ItemID == "" {
		return
	}
	m.Pad[p.ItemID] = p
	if m.State.inSession() {
		m.LastActivity = m.Now
		m.IdleWarning = false
	}
	if i := s.find(p.ItemID); i >= 0 {
		it := &m.Items[i]
		it.OnPad = true
		// The tags are kept, not replaced: a part that drops out of one
		// inventory while the library system is asked (a tag at the edge
		// of the field) must still get its security bit written, or the
		// set leaves lent with one part secured (found by the core soak).
		// A part that really left fails its write and goes to staff.
		it.Pad.Present, it.Pad.Parts, it.Pad.Tags = p.Present, p.Parts, unionTags(it.Pad.Tags, p.Tags)
		if it.Phase == phaseIncomplete && s.active(it.Flow) {
			s.start(i)
		}
		return
	}
	s.startPending()
}

// unionTags returns the tags of had followed by those of now not in had.
func unionTags(had, now []string) []string {
	out := append([]string(nil), had...)
	for _, t := range now {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// active reports whether items of flow f are being processed now.
func (s *stepper) active(f flow) bool {
	switch s.m.State {
	case StateLoan:
		return f == flowLoan
	case StateReturn:
		return f == flowReturn
	}
	return false
}

// startPending picks up every pad item that has no record in this session
// when the loan or return screen is showing.
func (s *stepper) startPending() {
	m := s.m
	var f flow
	switch m.State {
	case StateLoan:
		f = flowLoan
	case StateReturn:
		f = flowReturn
	default:
		return
	}
	if m.Ending != "" {
		return
	}
	for _, id := range sortedKeys(m.Pad) {
		if s.find(id) >= 0 || m.Carried[id] {
			continue
		}
		m.Items = append(m.Items, item{Pad: m.Pad[id], Flow: f, OnPad: true, Phase: phaseIncomplete})
		s.start(len(m.Items) - 1)
	}
}

func sortedKeys(p map[string]PadItem) []string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	// Insertion sort: pads hold a handful of items.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func (s *stepper) otherLibrary(p PadItem) bool {
	own := s.m.Opts.InstitutionISIL
	return own != "" && p.OwnerISIL != "" && !strings.EqualFold(own, p.OwnerISIL)
}

// start begins the work on a new (or now complete) item.
func (s *stepper) start(i int) {
	m := s.m
	it := &m.Items[i]
	if !it.Pad.Complete() {
		it.Phase = phaseIncomplete
		s.askTitle(it)
		return
	}
	id := it.Pad.ItemID
	if it.Flow == flowLoan {
		switch {
		case s.otherLibrary(it.Pad) && m.Opts.OtherLibraryLoan == OtherLibraryRefuse:
			it.Phase, it.Reason = phaseRefused, Text{ID: MsgRefusalOtherLibrary}
		case m.Blocked.ID != "" || m.Blocked.Raw != "":
			it.Phase, it.Reason = phaseRefused, m.Blocked
		case !m.Health.ACSOnline || !m.Health.CheckoutOK || m.Health.QueueLen > 0:
			// Loans are never accepted offline, nor before the returns
			// taken off line have reached the library system.
			it.Phase, it.Reason = phaseRefused, Text{ID: MsgRefusalUnavailable}
		case m.Opts.AlreadyLent == AlreadyLentRefuse && m.hasLoan(id):
			// Known from the account loaded behind the loan screen; an ACS
			// that renews on a repeated checkout (Koha) is not asked.
			it.Phase, it.Reason = phaseRefused, Text{ID: MsgRefusalAlreadyLent}
		default:
			it.Phase = phaseCheckout
			it.Attempts++
			s.emit(EffJournal{Open: true, ItemID: id, Op: "checkout"},
				EffCheckout{ItemID: id, Patron: s.patron(), Renew: m.Opts.AlreadyLent == AlreadyLentRenew})
		}
		return
	}
	if s.otherLibrary(it.Pad) && m.Opts.OtherLibraryReturn == OtherLibraryRefuse {
		it.Phase, it.Reason = phaseRefused, Text{ID: MsgRefusalOtherReturn}
		return
	}
	if !m.Health.ACSOnline {
		s.offlineReturn(it)
		return
	}
	if m.returnsOff() {
		it.Phase, it.Reason = phaseRefused, Text{ID: MsgModeCheckinDisabled}
		return
	}
	it.Phase = phaseCheckin
	it.Attempts++
	s.emit(EffJournal{Open: true, ItemID: id, Op: "checkin"}, EffCheckin{ItemID: id, OwnerISIL: it.Pad.OwnerISIL})
}

// askTitle asks the library system once for the title of an incomplete
// set, which no checkout or checkin has named yet.
func (s *stepper) askTitle(it *item) {
	m := s.m
	if it.Title != "" || it.TitleAsked || !m.Health.ACSOnline {
		return
	}
	it.TitleAsked = true
	s.emit(EffItemTitle{Session: m.Session, ItemID: it.Pad.ItemID})
}

// itemTitle takes the title Item Information gave an incomplete set. An
// error leaves the row as it was: the number still identifies the set.
func (s *stepper) itemTitle(e EvItemTitle) {
	m := s.m
	if e.Session != m.Session {
		return
	}
	if m.HoldAsk != "" && e.ItemID == m.HoldAsk {
		s.loanHolds(e)
	}
	if e.Err != nil || e.Title == "" {
		return
	}
	if i := s.find(e.ItemID); i >= 0 && m.Items[i].Title == "" {
		m.Items[i].Title = e.Title
	}
}

// maxHoldAsks bounds the Item Information requests one renew screen makes:
// a patron with hundreds of loans still gets a screen, with the first of
// them marked, and the library system at most this many requests.
const maxHoldAsks = 50

// askHolds asks the library system (17) for the hold queue of the next
// loan not asked yet, so that a loan reserved for another patron is marked
// before the patron ticks it. One request at a time: the screen stays
// usable while the answers arrive, and the next is asked when one comes.
func (s *stepper) askHolds() {
	m := s.m
	if m.HoldAsk != "" || m.State != StateRenew || !m.Health.ACSOnline {
		return
	}
	asked := 0
	for i := range m.Loans {
		l := &m.Loans[i]
		if l.HoldAsked {
			asked++
			continue
		}
		if asked >= maxHoldAsks {
			return
		}
		if l.Renewed {
			continue
		}
		l.HoldAsked = true
		m.HoldAsk = l.ItemID
		s.emit(EffItemTitle{Session: m.Session, ItemID: l.ItemID})
		return
	}
}

// loanHolds takes Item Information's hold queue for a loan and asks the
// next. A failed request leaves the loan tickable: the renewal itself
// then says whether the library system allows it.
func (s *stepper) loanHolds(e EvItemTitle) {
	m := s.m
	m.HoldAsk = ""
	if l := m.findLoan(e.ItemID); l != nil && e.Err == nil && e.HoldQueue > 0 {
		l.Reserved, l.Selected = true, false
	}
	if e.Err != nil {
		s.log("info", "hold queue of a loan not known", e.ItemID, e.Err.Error())
		if isOffline(e.Err) {
			return
		}
	}
	s.askHolds()
}

// findLoan returns the patron's loan of the item, or nil.
func (m *Model) findLoan(itemID string) *loan {
	for i := range m.Loans {
		if m.Loans[i].ItemID == itemID {
			return &m.Loans[i]
		}
	}
	return nil
}

// hasLoan reports whether the patron's account lists the item as lent.
func (m *Model) hasLoan(itemID string) bool { return m.findLoan(itemID) != nil }

// returnsOff reports that the library system is online but refuses
// returns (98 checkin ok = N).
func (m *Model) returnsOff() bool {
	return m.Health.ACSOnline && !m.Health.CheckinOK && m.Health.CheckoutOK
}

// offlinePossible reports whether returns may go to the offline queue.
func (m *Model) offlinePossible() bool {
	h := m.Health
	return m.Opts.OfflineReturns && m.Opts.StateDir != "" && h.OfflineOK && h.ClockSet && !h.QueueFull
}

func (s *stepper) offlineReturn(it *item) {
	m := s.m
	if !m.offlinePossible() {
		it.Phase, it.Reason = phaseRefused, Text{ID: MsgRefusalUnavailable}
		return
	}
	it.Phase = phaseQueue
	s.emit(EffQueueOffline{ItemID: it.Pad.ItemID, OwnerISIL: it.Pad.OwnerISIL, At: m.Now})
}

func (s *stepper) padRemoved(id string) {
	m := s.m
	delete(m.Pad, id)
	delete(m.Carried, id)
	i := s.find(id)
	if i < 0 {
		return
	}
	it := &m.Items[i]
	it.OnPad = false
	if it.Phase == phaseIncomplete {
		m.Items = append(m.Items[:i], m.Items[i+1:]...)
	}
}

// finish puts an item in a final phase and closes its journal entry.
func (s *stepper) finish(it *item, p phase, reason Text) {
	it.Phase = p
	if reason.ID != "" || reason.Raw != "" {
		it.Reason = reason
	}
	op := "checkout"
	if it.Flow == flowReturn {
		op = "checkin"
	}
	s.emit(EffJournal{Open: false, ItemID: it.Pad.ItemID, Op: op})
	if p == phaseStaff {
		s.log("warn", "item needs staff", it.Pad.ItemID, it.Reason.ID)
		m := s.m
		if m.Ending != "" {
			// The session was about to end, but the patron must see this
			// outcome first: the end waits for the next Finish or timeout.
			m.Ending = ""
			m.LastActivity = m.Now
			m.Message = Text{ID: MsgSessionSeeStaff}
		}
		// Show the item's screen, wherever the patron went meanwhile
		// (unless a login check is in flight: the screens show staff items
		// of either flow anyway).
		if m.State == StateAuthenticating {
			return
		}
		if !m.LoggedIn && (m.State == StateIdentify || m.State == StatePIN) {
			zero(m.Sec.Typed)
			zero(m.Sec.PIN)
			m.Sec.Typed, m.Sec.PIN = nil, nil
		}
		switch {
		case it.Flow == flowLoan && m.State != StateLoan && m.LoggedIn && m.State.inSession() || it.Flow == flowLoan && m.State == StateWelcome && m.LoggedIn:
			m.State = StateLoan
			m.Message = Text{ID: MsgSessionSeeStaff}
		case it.Flow == flowReturn && m.State != StateReturn && (m.State.inSession() || m.State == StateWelcome && m.LoggedIn):
			m.State = StateReturn
			m.Message = Text{ID: MsgSessionSeeStaff}
		}
	}
}

// secure starts a tag write for the item.
func (s *stepper) secure(it *item, secured bool) {
	it.Phase = phaseSecure
	it.TagTries++
	s.emit(EffSecure{Item: it.Pad, Secured: secured})
}

func (s *stepper) checkoutResult(e EvCheckout) {
	m := s.m
	i := s.find(e.ItemID)
	if i < 0 || m.Items[i].Phase != phaseCheckout {
		if e.Err == nil && e.Result.OK {
			// A loan confirmed for an item this session no longer tracks:
			// undo it so the library system matches the secured tag.
			s.emit(EffCancelCheckout{ItemID: e.ItemID})
			s.log("error", "loan confirmed for an untracked item: cancelled", e.ItemID, MsgStaffItemLifted)
		}
		return
	}
	it := &m.Items[i]
	switch {
	case isUnknown(e.Err):
		it.Phase = phaseSettle
		s.emit(EffSettle{ItemID: it.Pad.ItemID, Patron: s.patron()})
	case e.Err != nil:
		if isOffline(e.Err) {
			m.Health.ACSOnline = false
		}
		s.finish(it, phaseRefused, Text{ID: MsgRefusalUnavailable})
	case !e.Result.OK:
		// The refusal names the title when the library system sent one
		// (AJ), so the patron knows which of the stack it concerns.
		if e.Result.Title != "" {
			it.Title = e.Result.Title
		}
		s.finish(it, phaseRefused, reasonFrom(e.Result.Messages, MsgRefusalGeneric))
	default:
		s.loanConfirmed(it, e.Result.Title, e.Result.Due, e.Result.RenewalOK,
			e.Result.Desensitize == "N" || e.Result.SecurityInhibit)
	}
}

// loanConfirmed continues after the library system confirmed a loan: only
// now may the tag be unsecured.
func (s *stepper) loanConfirmed(it *item, title string, due time.Time, renewed, keepSecured bool) {
	it.Confirmed = true
	if title != "" {
		it.Title = title
	}
	it.Due, it.Renewed = due, renewed
	switch {
	case keepSecured:
		it.KeepSecure = true
		s.finish(it, phaseDone, Text{ID: MsgLoanKeepSecured})
	case !it.OnPad:
		s.cancel(it, MsgStaffItemLifted)
	default:
		s.secure(it, false)
	}
}

// cancel undoes a confirmed loan whose tag stays secured.
func (s *stepper) cancel(it *item, reason string) {
	it.Phase = phaseCancel
	it.Reason = Text{ID: reason}
	s.emit(EffCancelCheckout{ItemID: it.Pad.ItemID})
}

func (s *stepper) settled(e EvSettled) {
	m := s.m
	it := s.awaiting(e.ItemID, phaseSettle)
	if it == nil {
		return
	}
	if it.Flow == flowLoan {
		switch {
		case e.Err != nil:
			s.finish(it, phaseStaff, Text{ID: MsgStaffOutcomeUnknown})
		case e.Status.Charged() && e.OnAccount:
			s.loanConfirmed(it, e.Status.Title, e.Status.Due, false, false)
		case e.Status.Circulation == "03" && it.Attempts < 2:
			it.Phase = phaseCheckout
			it.Attempts++
			s.emit(EffCheckout{ItemID: it.Pad.ItemID, Patron: s.patron(), Renew: m.Opts.AlreadyLent == AlreadyLentRenew})
		case e.Status.Circulation == "03":
			s.finish(it, phaseRefused, Text{ID: MsgRefusalUnavailable})
		default:
			s.finish(it, phaseStaff, Text{ID: MsgStaffOutcomeUnknown})
		}
		return
	}
	if it.Reconcile {
		if e.Err == nil && !e.Status.Charged() {
			// Not on loan: the tag must agree and be secured; the item
			// goes to staff, who sort out why the return was refused.
			s.log("warn", "refused return not on loan: securing the tag", it.Pad.ItemID, it.Reason.ID)
			it.Dest = Text{ID: MsgDestStaff}
			s.secure(it, true)
			return
		}
		// On loan (or unknown): the lent tag agrees with the loan.
		s.finish(it, phaseRefused, Text{})
		return
	}
	// A return whose outcome is unknown: securing is always safe, so the tag
	// is secured whatever the answer; only the destination differs.
	switch {
	case e.Err == nil && !e.Status.Charged():
		it.Confirmed = true
		if e.Status.Title != "" {
			it.Title = e.Status.Title
		}
		it.Dest = Text{ID: MsgDestShelf}
		if e.Status.Circulation == "08" {
			it.Dest = destination(m.Opts, CheckinResult{AlertType: "01"})
		} else if e.Status.Circulation == "10" {
			it.Dest = destination(m.Opts, CheckinResult{AlertType: "04"})
		}
		s.secure(it, true)
	case e.Err == nil && it.Attempts < 2:
		it.Phase = phaseCheckin
		it.Attempts++
		s.emit(EffCheckin{ItemID: it.Pad.ItemID, OwnerISIL: it.Pad.OwnerISIL})
	default:
		it.Reason = Text{ID: MsgStaffOutcomeUnknown}
		it.Dest = Text{ID: MsgDestStaff}
		s.secure(it, true)
	}
}

func (s *stepper) secured(e EvSecured) {
	m := s.m
	it := s.awaiting(e.ItemID, phaseSecure)
	if it == nil {
		return
	}
	if it.Flow == flowLoan {
		if e.Err == nil {
			it.Unsecured = true
			s.finish(it, phaseDone, Text{})
			return
		}
		if it.OnPad && it.TagTries < m.Opts.TagAttempts {
			s.secure(it, false)
			return
		}
		reason := MsgStaffTagWriteFailed
		if !it.OnPad {
			reason = MsgStaffItemLifted
		}
		s.cancel(it, reason)
		return
	}
	if e.Err == nil {
		switch {
		case it.Reconcile:
			// Secured to agree with the library system; still refused.
			s.finish(it, phaseRefused, Text{})
		case it.Reason.ID == MsgStaffOutcomeUnknown:
			s.finish(it, phaseStaff, Text{})
		default:
			s.finish(it, phaseDone, Text{})
		}
		return
	}
	if it.OnPad && it.TagTries < m.Opts.TagAttempts {
		s.secure(it, true)
		return
	}
	it.Dest = Text{ID: MsgDestStaff}
	s.finish(it, phaseStaff, Text{ID: MsgStaffResecureFailed})
}

// awaiting returns the session's item with id when it waits for an answer
// in phase p, or nil: an answer to anything else is stale and ignored.
func (s *stepper) awaiting(id string, p phase) *item {
	i := s.find(id)
	if i < 0 || s.m.Items[i].Phase != p {
		return nil
	}
	return &s.m.Items[i]
}

func (s *stepper) cancelled(e EvCancelled) {
	it := s.awaiting(e.ItemID, phaseCancel)
	if it == nil {
		return
	}
	if e.Err != nil {
		// The loan stands in the library system with the tag secured: staff
		// must sort it out, and the patron is told so.
		s.log("error", "cancelling a loan failed", it.Pad.ItemID, e.Err.Error())
		s.finish(it, phaseStaff, Text{ID: MsgStaffCancelFailed})
		return
	}
	it.Confirmed = false
	s.finish(it, phaseStaff, Text{})
}

func (s *stepper) checkinResult(e EvCheckin) {
	m := s.m
	it := s.awaiting(e.ItemID, phaseCheckin)
	if it == nil {
		return
	}
	switch {
	case isUnknown(e.Err):
		it.Phase = phaseSettle
		s.emit(EffSettle{ItemID: it.Pad.ItemID})
	case isOffline(e.Err):
		m.Health.ACSOnline = false
		s.emit(EffJournal{Open: false, ItemID: it.Pad.ItemID, Op: "checkin"})
		s.offlineReturn(it)
	case e.Err != nil:
		s.finish(it, phaseRefused, Text{ID: MsgRefusalUnavailable})
	case !e.Result.OK:
		reason := reasonFrom(e.Result.Messages, MsgRefusalReturnGeneric)
		if !it.Pad.Secured {
			// A refused return with the tag reading as lent: if the item is
			// not on loan either, it is in the library with the gate bit
			// off. Item Information tells; the refusal stands either way.
			it.Reason, it.Reconcile, it.Phase = reason, true, phaseSettle
			s.emit(EffSettle{ItemID: it.Pad.ItemID})
			return
		}
		s.finish(it, phaseRefused, reason)
	default:
		it.Confirmed = true
		if e.Result.Title != "" {
			it.Title = e.Result.Title
		}
		it.Dest = destination(m.Opts, e.Result)
		if s.otherLibrary(it.Pad) && m.Opts.OtherLibraryReturn == OtherLibraryStaff {
			it.Dest = Text{ID: MsgDestStaff}
		}
		if e.Result.Resensitize == "N" {
			s.finish(it, phaseDone, Text{})
			return
		}
		s.secure(it, true)
	}
}

func (s *stepper) queued(e EvQueued) {
	m := s.m
	if e.Err == nil {
		m.Health.QueueLen = e.Len
	}
	m.Health.QueueFull = m.Opts.OfflineQueueMax > 0 && (e.Len >= m.Opts.OfflineQueueMax || e.Err != nil)
	it := s.awaiting(e.ItemID, phaseQueue)
	if it == nil {
		return
	}
	if e.Err != nil {
		s.log("error", "offline queue refused a return", it.Pad.ItemID, e.Err.Error())
		it.Phase, it.Reason = phaseRefused, Text{ID: MsgRefusalQueueFull}
		return
	}
	it.Offline, it.Confirmed = true, true
	it.Dest = Text{ID: MsgDestOffline}
	s.secure(it, true)
}

func (s *stepper) maybeForward() {
	m := s.m
	if m.Health.ACSOnline && m.Health.QueueLen > 0 && !m.Forwarding && !m.Health.Recovering {
		m.Forwarding = true
		s.emit(EffForwardQueue{})
	}
}

// ---- renewals ----

func (s *stepper) renewResult(e EvRenew) {
	m := s.m
	if e.Session != m.Session {
		return
	}
	if l := m.findLoan(e.ItemID); l != nil && l.Renewing {
		l.Renewing = false
		switch {
		case isUnknown(e.Err):
			// Never resend a 29 blindly: a second one would use a renewal.
			// Item Information's due date tells whether it went through.
			l.Renewing, l.Checking = true, true
			s.emit(EffCheckRenew{Session: m.Session, ItemID: l.ItemID})
		case e.Err != nil:
			l.Reason = Text{ID: MsgRefusalUnavailable}
		case e.Result.OK:
			l.Renewed, l.Reason = true, Text{}
			if !e.Result.Due.IsZero() {
				l.Due, l.Overdue = e.Result.Due, false
			}
		default:
			l.Reason = reasonFrom(e.Result.Messages, "refusal.renewal_denied")
		}
	}
}

func (s *stepper) renewChecked(e EvRenewChecked) {
	m := s.m
	if e.Session != m.Session {
		return
	}
	if l := m.findLoan(e.ItemID); l != nil && l.Checking {
		l.Renewing, l.Checking = false, false
		switch {
		case e.Err != nil || !e.Status.Charged() || e.Status.Due.IsZero():
			l.Reason = Text{ID: MsgRenewOutcomeUnknown}
		case e.Status.Due.After(l.Due):
			l.Renewed, l.Reason = true, Text{}
			l.Due, l.Overdue = e.Status.Due, false
		case l.Due.After(m.Now):
			// The due date did not move, but a renewal would not have
			// moved it either when the loan (or its last renewal) was
			// made today: the new due date is today plus the loan
			// period, the old one. "Not renewed, try again" could make
			// the patron spend a second renewal.
			l.Reason = Text{ID: MsgRenewOutcomeUnknown}
		default:
			// Due already: a renewal would have moved the date.
			l.Reason = Text{ID: MsgRenewNotDone}
		}
	}
}

func (s *stepper) renewAllResult(e EvRenewAll) {
	m := s.m
	if e.Session != m.Session {
		return
	}
	m.Busy--
	renewed := map[string]bool{}
	for _, id := range e.Result.Renewed {
		renewed[id] = true
	}
	refused := map[string]string{}
	for _, r := range e.Result.Unrenewed {
		refused[r.ItemID] = r.Reason
	}
	undated := false
	for i := range m.Loans {
		l := &m.Loans[i]
		l.Renewing = false
		switch {
		case e.Err != nil && isUnknown(e.Err):
			l.Reason = Text{ID: MsgRenewOutcomeUnknown}
		case e.Err != nil:
			l.Reason = Text{ID: MsgRefusalUnavailable}
		case renewed[l.ItemID]:
			l.Renewed, l.Reason, l.Overdue = true, Text{}, false
			if due := e.Result.Due[l.ItemID]; !due.IsZero() {
				l.Due = due
			} else {
				// The old due date is no longer true: showing it as the
				// renewed one would send the patron back on the wrong
				// day if the account below cannot be loaded. No date
				// until the account gives the new one.
				l.Due = time.Time{}
				undated = true
			}
		default:
			if r, ok := refused[l.ItemID]; ok {
				l.Reason = reasonFrom([]string{"[" + r + "]"}, "refusal.renewal_denied")
				if _, known := knownCodes[strings.ToUpper(r)]; !known {
					l.Reason = librarySays(r)
				}
			}
		}
	}
	if e.Err == nil && undated {
		// Some new due dates are only in the account: reload it.
		m.Busy++
		s.emit(EffLoadAccount{Session: m.Session, Patron: s.patron()})
	}
}

// loadAccountForReceipt fetches the account behind the loan screen, so a
// loan receipt can list the holds ready for pickup and the fee total (one
// extra 63 per loan session; none when receipts are off).
func (s *stepper) loadAccountForReceipt() {
	m := s.m
	if m.Opts.Receipt == ReceiptNever {
		return
	}
	s.emit(EffLoadAccount{Session: m.Session, Patron: s.patron(), Background: true})
}

// ---- session end ----

// pending reports whether calls for this session are still in flight.
func (s *stepper) pending() bool {
	m := s.m
	if m.Busy > 0 {
		return true
	}
	for _, it := range m.Items {
		if !it.Phase.terminal() && it.Phase != phaseIncomplete {
			return true
		}
	}
	for _, l := range m.Loans {
		if l.Renewing {
			return true
		}
	}
	return false
}

// requestEnd ends the session as soon as nothing is in flight.
func (s *stepper) requestEnd(reason string) {
	if s.m.Ending == "" {
		s.m.Ending = reason
	}
}

func (s *stepper) maybeEnd() {
	m := s.m
	if m.Ending == "" || s.pending() {
		return
	}
	reason := m.Ending
	m.Ending = ""
	lines := receiptLines(m.Items, m.Loans)
	canPrint := m.Mode != ModeNoReceipt && !m.Health.PrinterNone
	if reason == "idle" && len(lines) > 0 && canPrint &&
		(m.Opts.Receipt == ReceiptAlways || m.Opts.Receipt == ReceiptTimeout) {
		// The patron walked away: the policy says print anyway.
		m.keepReceipt(lines)
		m.State = StatePrinting
		m.LastActivity = m.Now // a stuck printer ends it after another IdleTimeout
		m.forgetPatron()
		s.emit(EffPrint{Session: m.Session, Receipt: m.receipt()})
		return
	}
	if reason == "finish" && len(lines) > 0 && m.Opts.Receipt != ReceiptNever {
		m.keepReceipt(lines)
		if m.Opts.Receipt == ReceiptAlways && m.Mode != ModeNoReceipt {
			m.State = StatePrinting
			m.LastActivity = m.Now // a stuck printer ends it after another IdleTimeout
			m.forgetPatron()
			s.emit(EffPrint{Session: m.Session, Receipt: m.receipt()})
			return
		}
		m.State = StateReceipt
		if m.Opts.Receipt == ReceiptAlways {
			m.ReceiptQR = receiptText(lines)
		}
		m.forgetPatron()
		return
	}
	s.endSession(reason)
}

// keepReceipt keeps the receipt's lines, and the holds ready and fee total
// from the account when this session loaded it, for the patron to print
// after forgetPatron.
func (m *Model) keepReceipt(lines []ReceiptLine) {
	m.Receipt = lines
	m.ReceiptHolds = m.ReceiptHolds[:0]
	for _, h := range m.Holds {
		m.ReceiptHolds = append(m.ReceiptHolds, ReceiptHold(h))
	}
	m.ReceiptFee = m.FeeTotal
	m.ReceiptAt = m.Now
	m.ReceiptName = ""
	if m.Opts.ReceiptName && len(m.Sec.Name) > 0 {
		m.ReceiptName = firstName(m.Sec.Name)
	}
}

// receipt is the receipt kept by keepReceipt, in the session's language.
func (m *Model) receipt() Receipt {
	return Receipt{Lang: m.Lang, At: m.ReceiptAt, Lines: m.Receipt, Holds: m.ReceiptHolds,
		FeeTotal: m.ReceiptFee, Currency: m.Currency, PatronName: m.ReceiptName}
}

// forgetPatron drops what the session knows about the patron except the
// receipt lines (titles and due dates) the patron may still print.
func (m *Model) forgetPatron() {
	for _, it := range m.Items {
		if _, on := m.Pad[it.Pad.ItemID]; on {
			if m.Carried == nil {
				m.Carried = map[string]bool{}
			}
			m.Carried[it.Pad.ItemID] = true
		}
	}
	m.Items, m.Loans, m.Holds = nil, nil, nil
	m.FeeTotal = 0
	m.Blocked, m.NoRenew = Text{}, Text{}
	m.HoldAsk = ""
	zero(m.Sec.Name)
	m.Sec.Name = nil
	m.Sec.Greeting = ""
}

func (s *stepper) printed(e EvPrinted) {
	m := s.m
	if e.Session != m.Session || m.State != StatePrinting {
		return
	}
	if e.Err != nil {
		// On a jam, show the receipt on screen; never print it later.
		m.State = StateReceipt
		m.ReceiptQR = receiptText(m.Receipt)
		m.Message = Text{ID: MsgReceiptPrintFailed}
		m.forgetPatron()
		return
	}
	s.endSession("printed")
}

// logSessionEnded is the log message of a session's end; the runner's
// Observer bookkeeping reads the reason from it.
const logSessionEnded = "session ended"

// endSession sends 35, wipes everything about the patron and shows goodbye
// (or serves a card scanned meanwhile).
func (s *stepper) endSession(reason string) {
	m := s.m
	if m.LoggedIn {
		s.emit(EffEndSession{Patron: s.patron()})
	}
	s.emit(EffDiscardPrints{})
	for _, it := range m.Items {
		if !it.Phase.terminal() && it.Phase != phaseIncomplete {
			s.log("error", "session ended with an item in flight", it.Pad.ItemID, it.Phase.String())
		}
	}
	next := m.Sec.Next
	m.Sec.Next = nil
	m.Sec.Wipe()
	m.forgetPatron()
	m.Session++
	m.LoggedIn = false
	m.Intent = ScreenWelcome
	m.Message = Text{}
	m.Receipt, m.ReceiptQR = nil, ""
	m.ReceiptHolds, m.ReceiptFee, m.ReceiptName = nil, 0, ""
	m.IdleWarning = false
	m.Ending = ""
	m.Busy = 0
	// The goodbye screen still speaks the patron's language and size; both
	// reset when it gives way to the welcome screen (or to the next card).
	s.log("info", logSessionEnded, "", reason)
	if len(next) > 0 && m.Mode < ModeReturnsOnly {
		m.resetLook()
		m.State = StateWelcome
		m.Intent = ScreenLoan
		m.LastActivity = m.Now
		m.Message = Text{ID: MsgSessionEndingAnother}
		s.identified(next)
		return
	}
	zero(next)
	m.State = StateGoodbye
	m.GoodbyeUntil = m.Now.Add(m.Opts.GoodbyeFor)
}

func (p phase) String() string {
	return [...]string{"incomplete", "checkout", "settle", "secure", "cancel", "checkin", "queue", "done", "refused", "staff"}[p]
}

// ---- time ----

func (s *stepper) tick() {
	m := s.m
	s.hoursTick()
	if m.State.inMaint() {
		s.maintTick()
		return
	}
	if m.State == StateGoodbye && !m.Now.Before(m.GoodbyeUntil) {
		m.endGoodbye()
		return
	}
	if m.State == StateWelcome && !m.LoggedIn && (m.Lang != m.Opts.startLang() || m.LargeText) &&
		m.Now.Sub(m.LastActivity) >= m.Opts.IdleTimeout {
		// Someone chose a language or larger text and walked away: the
		// next patron must not inherit it.
		m.resetLook()
		return
	}
	if !(m.State.inSession() || m.LoggedIn || m.State == StatePrinting) || m.State == StateAuthenticating {
		return
	}
	idle := m.Now.Sub(m.LastActivity)
	switch {
	case idle >= m.Opts.IdleTimeout:
		m.IdleWarning = false
		if m.State == StateReceipt && m.Opts.Receipt == ReceiptTimeout && m.Mode != ModeNoReceipt &&
			!m.Health.PrinterNone && len(m.Receipt) > 0 {
			// The patron walked away from the question: print, as the
			// timeout policy says, then end.
			m.State = StatePrinting
			m.LastActivity = m.Now
			s.emit(EffPrint{Session: m.Session, Receipt: m.receipt()})
			return
		}
		if m.State == StateIdentify || m.State == StatePIN || m.State == StateReceipt || m.State == StatePrinting {
			// A printer stuck for a whole idle timeout: the job is
			// discarded with the session, never printed for the next one.
			s.endSession("idle")
			return
		}
		s.requestEnd("idle")
	case idle >= m.Opts.IdleTimeout-m.Opts.IdleWarning:
		m.IdleWarning = true
	}
}

// endGoodbye gives the goodbye screen way to the welcome screen. Whether the
// timer ran out or the patron pressed Done, the next patron gets the same
// start: the kiosk's language and normal text size. (applyMode then shows
// the out-of-order screen instead when the kiosk cannot serve.)
func (m *Model) endGoodbye() {
	m.State = StateWelcome
	m.resetLook()
}

// resetLook returns the language and text size to the kiosk's defaults.
func (m *Model) resetLook() {
	m.Lang = m.Opts.startLang()
	m.LargeText = false
}

// IdleLeft is how long until the idle timeout.
func (m Model) IdleLeft() time.Duration {
	d := m.Opts.IdleTimeout - m.Now.Sub(m.LastActivity)
	if d < 0 {
		return 0
	}
	return d
}

// ---- health ----

func (m Model) computeMode() (Mode, Text) {
	h := m.Health
	switch {
	case m.OutOfOrder != "":
		// A technician's word outranks every health reason: the patron
		// sees what the technician chose (printer, network, closed …).
		return ModeOutOfOrder, forcedReason(m.OutOfOrder)
	case m.Closed:
		// Outside opening hours: the screen is off; the reason is for
		// the status screen and a screen that stayed on.
		return ModeOutOfOrder, forcedReason("closed")
	case h.Recovering:
		return ModeOutOfOrder, Text{ID: MsgModeRecovering}
	case h.QueueFull:
		return ModeOutOfOrder, Text{ID: MsgModeQueueFull}
	case !h.Reader:
		return ModeOutOfOrder, Text{ID: MsgModeReaderMissing}
	case !h.ACSOnline:
		if m.offlinePossible() {
			return ModeReturnsOnly, Text{ID: MsgModeOfflineReturns}
		}
		return ModeOutOfOrder, Text{ID: MsgModeACSOffline}
	case !h.CheckoutOK && !h.CheckinOK:
		return ModeOutOfOrder, Text{ID: MsgModeCirculationOff}
	case !h.CheckoutOK:
		return ModeReturnsOnly, Text{ID: MsgModeCheckoutDisabled}
	case h.QueueLen > 0:
		// Returns taken off line go to the library system before any
		// other circulation (reliability.md §3): a patron who borrowed
		// again an item whose return is still queued would be told "lent"
		// (a renewal of the open loan), and then the forwarded return
		// would end that loan behind their back (found by the core soak).
		return ModeReturnsOnly, Text{ID: MsgModeReturnsOnly}
	case !h.PrinterNone && h.Paper != PaperOK && h.Paper != PaperNearEnd && h.Paper != "":
		return ModeNoReceipt, Text{ID: MsgModeNoPaper}
	case !h.CheckinOK:
		// Loans go on; the welcome screen offers no returns and says why.
		return ModeNormal, Text{ID: MsgModeCheckinDisabled}
	}
	return ModeNormal, Text{}
}

// applyMode moves an idle kiosk into or out of the out-of-order screen.
func (s *stepper) applyMode() {
	m := s.m
	switch {
	case m.State == StateWelcome && !m.LoggedIn && m.Mode == ModeOutOfOrder:
		m.State = StateOutOfOrder
	case m.State == StateOutOfOrder && m.Mode != ModeOutOfOrder:
		m.State = StateWelcome
	case m.State == StateStarting && !m.Health.Recovering:
		m.State = StateWelcome
		if m.Mode == ModeOutOfOrder {
			m.State = StateOutOfOrder
		}
	}
}

// ---- receipts ----

func receiptLines(items []item, loans []loan) []ReceiptLine {
	var out []ReceiptLine
	for _, it := range items {
		if it.Phase != phaseDone {
			continue
		}
		kind := "loan"
		if it.Flow == flowReturn {
			kind = "return"
		} else if it.Renewed {
			kind = "renewal"
		}
		l := ReceiptLine{ItemID: it.Pad.ItemID, Title: it.Title, Kind: kind}
		if it.Flow == flowLoan {
			l.Due = it.Due
		}
		out = append(out, l)
	}
	for _, l := range loans {
		if l.Renewed {
			out = append(out, ReceiptLine{ItemID: l.ItemID, Title: l.Title, Due: l.Due, Kind: "renewal"})
		}
	}
	return out
}

// receiptText is the receipt as plain text for an on-screen QR code: titles,
// item ids and dates only.
func receiptText(lines []ReceiptLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Kind)
		b.WriteString(" ")
		b.WriteString(l.ItemID)
		if l.Title != "" {
			b.WriteString(" ")
			b.WriteString(l.Title)
		}
		if !l.Due.IsZero() {
			b.WriteString(" ")
			b.WriteString(l.Due.Format("2006-01-02"))
		}
		b.WriteString("\n")
	}
	return b.String()
}
