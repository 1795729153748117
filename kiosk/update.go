package kiosk

// This file is the core's side of the A/B updates (issue 16): the update
// client (package update) asks the core, through Control, to wait until no
// patron is being served before it polls, and to reboot into a newly
// installed slot once no patron is being served. Both wait on the same
// condition as the nightly reboot (busy) and are released by the same
// once-a-second tick, so there is one notion of "the kiosk is in use", not
// two.

// The update client's control commands (not on the control socket: the
// kiosk's own update client sends them).
const (
	// CtlUpdateIdle answers once no patron is being served and no
	// technician is at the screen: at once, or at the first tick after.
	CtlUpdateIdle = "update-idle"
	// CtlUpdateReboot reboots through maintenance mode's reboot action
	// once the kiosk is free; Preset carries the installed version, for
	// the audit line.
	CtlUpdateReboot = "update-reboot"
)

// Message ids of the update replies (i18n/locales/update.<lang>.json).
const (
	MsgUpdateIdle          = "update.result.idle"
	MsgUpdateReboot        = "update.result.reboot"
	MsgUpdateRebootPending = "update.result.reboot_pending"
)

// UpdateWait is what the update client waits for in the core.
type UpdateWait struct {
	// Reboot is the version a reboot waits to start for the kiosk to be
	// free; "" when none waits.
	Reboot string
	// Waiting says the "postponed" line was logged already.
	Waiting bool
}

// busy reports whether the kiosk is in use: a patron is being served or a
// technician is at the screen. The nightly reboot and the updates wait
// while it is.
func (s *stepper) busy() bool { return s.sessionOpen() || s.m.State.inMaint() }

// updateControl handles the update client's commands.
func (s *stepper) updateControl(e EvControl) {
	m := s.m
	switch e.Cmd.Action {
	case CtlUpdateIdle:
		if !s.busy() {
			s.reply(e.ID, true, Text{ID: MsgUpdateIdle})
			return
		}
		s.updatePostponed("update check postponed: the kiosk is in use")
		m.Ctl.Waits = append(m.Ctl.Waits, ctlWait{ID: e.ID, Action: CtlUpdateIdle})
	case CtlUpdateReboot:
		m.Update.Reboot = e.Cmd.Preset
		if m.Update.Reboot == "" {
			m.Update.Reboot = "?"
		}
		if s.busy() {
			s.updatePostponed("reboot into the update postponed: the kiosk is in use")
			s.emit(EffControlReply{ID: e.ID, Reply: ControlReply{OK: true, Pending: true, Result: Text{ID: MsgUpdateRebootPending}}})
			return
		}
		s.reply(e.ID, true, Text{ID: MsgUpdateReboot})
		s.updateTick()
	}
}

func (s *stepper) updatePostponed(msg string) {
	if !s.m.Update.Waiting {
		s.m.Update.Waiting = true
		s.log("info", msg, "", "")
	}
}

// updateTick releases what waits for the kiosk to be free: the update
// client's idle waits, then a reboot into a new slot.
func (s *stepper) updateTick() {
	m := s.m
	if s.busy() {
		return
	}
	m.Update.Waiting = false
	// The waits are answered without an audit line: a wait changes
	// nothing; the update client audits what it then does.
	kept := m.Ctl.Waits[:0]
	for _, w := range m.Ctl.Waits {
		if w.Action == CtlUpdateIdle {
			s.reply(w.ID, true, Text{ID: MsgUpdateIdle})
			continue
		}
		kept = append(kept, w)
	}
	m.Ctl.Waits = kept
	if v := m.Update.Reboot; v != "" {
		m.Update.Reboot = ""
		s.emit(EffAudit{Action: "update-reboot", Result: "started", Detail: v, Via: "update"})
		s.log("warn", "reboot into the installed update", "", v)
		s.emit(EffMaintAction{Action: ActionReboot})
	}
}

// SetSystem records the installed system for the status screen and the
// control socket's status: the booted slot and its bundle's version, as
// the update client read them from RAUC. "" means not known (no RAUC).
func (k *Kiosk) SetSystem(s string) {
	k.statMu.Lock()
	k.system = s
	k.statMu.Unlock()
}

// AuditUpdate writes an audit line of the kiosk's own update client.
func (k *Kiosk) AuditUpdate(action, result, detail string) {
	k.writeAudit(EffAudit{Action: action, Result: result, Detail: detail, Via: "update"})
}
