package kiosk

import "bytes"

// View builds what the UI shows from the model. It never copies the card
// number or the PIN: only their lengths.
func (m Model) View() View {
	v := View{
		Screen:      m.screen(),
		Mode:        m.Mode,
		ModeReason:  m.ModeReason,
		Lang:        m.Lang,
		LargeText:   m.LargeText,
		Busy:        m.Busy > 0 || m.State == StateAuthenticating || m.State == StatePrinting,
		PINDigits:   len(m.Sec.PIN),
		PINLength:   m.Opts.PINLength,
		Typed:       len(m.Sec.Typed),
		Message:     m.Message,
		FeeTotal:    m.FeeTotal,
		Currency:    m.Currency,
		Blocked:     m.Blocked,
		IdleWarning: m.IdleWarning,
		Paper:       m.Health.Paper,
		InSession:   m.LoggedIn,
		State:       m.State.String(),
	}
	if m.State == StateIdentify {
		v.Card = CardShown(m.Sec.Typed)
	}
	if v.Currency == "" {
		v.Currency = "DKK"
	}
	if m.State.inMaint() {
		// Nothing of a patron on a technician's screen: the maintenance
		// view is built from the kiosk's own facts only.
		v.Busy = m.State == StateMaintCheck || m.Maint.Busy != ""
		v.Maint = m.maintView()
		v.Message, v.Blocked = Text{}, Text{}
		return v
	}
	if len(m.Opts.PayWhere) > 0 {
		v.PayWhere = Text{Lib: m.Opts.PayWhere}
	}
	if m.IdleWarning {
		v.IdleLeft = m.IdleLeft()
	}
	if m.Opts.Greet && len(m.Sec.Name) > 0 {
		v.Greeting = m.Sec.Greeting
	}
	var want flow = flowLoan
	if m.State == StateReturn {
		want = flowReturn
	}
	for _, it := range m.Items {
		// Items that need staff show on both screens, so the patron sees
		// them wherever they are.
		if it.Flow != want && it.Phase != phaseStaff {
			continue
		}
		iv := it.view()
		iv.Destination = m.Opts.libraryDest(iv.Destination)
		v.Items = append(v.Items, iv)
	}
	for _, l := range m.Loans {
		iv := ItemView{ItemID: l.ItemID, Title: l.Title, Due: l.Due, Overdue: l.Overdue,
			Selected: l.Selected, Renewed: l.Renewed, Reason: l.Reason, Parts: 1, State: ItemDone}
		switch {
		case l.Renewing:
			iv.State = ItemWorking
		case l.Reason.ID != "" || l.Reason.Raw != "":
			iv.State = ItemRefused
		case l.Reserved && !l.Renewed:
			// The loan's own reason before the patron-wide one: it is
			// the more specific, and stays true when the other is lifted.
			iv.CannotRenew = Text{ID: MsgRenewReservedOther}
		case !l.Renewed:
			iv.CannotRenew = m.NoRenew
		}
		v.Loans = append(v.Loans, iv)
	}
	for _, h := range m.Holds {
		v.Holds = append(v.Holds, HoldView(h))
	}
	if m.State == StateReceipt {
		v.ReceiptQR = m.ReceiptQR
		if m.Mode != ModeNoReceipt && !m.Health.PrinterNone {
			v.ReceiptChoices = append(v.ReceiptChoices, "print")
		}
		v.ReceiptChoices = append(v.ReceiptChoices, "qr", "none")
	}
	return v
}

func (it item) view() ItemView {
	parts := it.Pad.Parts
	if parts < 1 {
		parts = 1
	}
	v := ItemView{ItemID: it.Pad.ItemID, Title: it.Title, Parts: parts, Reason: it.Reason,
		Destination: it.Dest, KeepSecured: it.KeepSecure, Renewed: it.Renewed}
	switch it.Phase {
	case phaseIncomplete:
		v.State = ItemIncomplete
		v.MissingParts = it.Pad.Missing()
	case phaseDone:
		v.State = ItemDone
		if it.Flow == flowLoan {
			v.Due = it.Due
		}
	case phaseRefused:
		v.State = ItemRefused
	case phaseStaff:
		v.State = ItemSeeStaff
		if it.Flow == flowReturn {
			v.Destination = Text{ID: MsgDestStaff}
		}
	default:
		v.State = ItemWorking
	}
	return v
}

func (m Model) screen() Screen {
	switch m.State {
	case StateIdentify:
		return ScreenIdentify
	case StatePIN, StateAuthenticating:
		return ScreenPIN
	case StateLoan:
		return ScreenLoan
	case StateReturn:
		return ScreenReturn
	case StateRenew:
		return ScreenRenew
	case StateAccount:
		return ScreenAccount
	case StateReceipt, StatePrinting:
		return ScreenReceipt
	case StateGoodbye:
		return ScreenGoodbye
	case StateOutOfOrder, StateStarting:
		return ScreenOutOfOrder
	case StateMaintLogin, StateMaintCheck:
		return ScreenMaintLogin
	case StateMaintenance:
		return ScreenMaintenance
	}
	return ScreenWelcome
}

// firstName is the first word of a patron's name, the most of it the kiosk
// ever shows or prints.
// firstName is the one place the patron's name becomes a string: the
// greeting goes to a Fyne label and the receipt name to the printer, which
// both take strings. Only the first name is converted, never the whole name,
// and only when the library turned the greeting or the receipt name on
// (both off by default); these copies cannot be zeroed and stay in freed
// memory until it is reused, which the memory test (run with both off) does
// not cover.
func firstName(name []byte) string {
	if i := bytes.IndexByte(name, ' '); i > 0 {
		name = name[:i]
	}
	return string(name)
}

func (m Model) maintView() *MaintView {
	mv := &MaintView{
		Page:       m.Maint.Page,
		Tech:       m.Maint.Tech,
		Typed:      len(m.Sec.Cred),
		Checking:   m.State == StateMaintCheck,
		Locked:     m.Maint.Lock.Locked(m.Now),
		Message:    m.Maint.Message,
		Result:     m.Maint.Result,
		Busy:       m.Maint.Busy,
		OutOfOrder: m.OutOfOrder,
		Presets:    OutOfOrderPresets,
		Log:        m.Maint.Log,
		Warning:    m.Maint.Warning,
		Demo:       m.Opts.Info.Demo,
	}
	if mv.Warning {
		mv.IdleLeft = max(0, m.Opts.MaintIdle-m.Now.Sub(m.Maint.LastTouch))
	}
	if m.State == StateMaintenance && m.Maint.Page == PageTests {
		mv.Tags = m.inspectTags()
		if _, _, ok := m.padTag(m.Maint.Selected); ok {
			mv.Selected = m.Maint.Selected
		}
		if c := m.Maint.Confirm; c != nil {
			cc := *c
			mv.Confirm = &cc
		}
		mv.ScanKind = m.Maint.ScanKind
	}
	if r := m.Maint.Status; r != nil {
		mv.Lines = r.Lines()
		mv.Queue, mv.Journal = r.Queue, r.Journal
	}
	return mv
}
