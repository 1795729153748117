package kiosk

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// This file is the control socket's side of the core (issue 15): the
// commands `kioskctl` sends to a running kiosk. They go through Step like a
// technician's touches and reuse maintenance mode's code paths
// (setOutOfOrder, startForward, startSettle, the runner's maintAction), so
// the socket is a second way in, not a second implementation. The socket
// itself, its JSON and the peer check live in package control.

// The control commands that change something. Status is a read and does
// not pass through Step.
const (
	CtlOutOfOrder = "out-of-order"  // Preset: a preset, or "" for back in service
	CtlForward    = ActionForward   // forward the offline queue now
	CtlSettle     = ActionSettle    // settle the in-flight journal now
	CtlPrintTest  = ActionPrintTest // print the test receipt on the kiosk's printer
	CtlReload     = "reload"        // Opts: the re-read configuration's core options
)

// Message ids of control replies (i18n/locales/ctl.<lang>.json).
const (
	MsgCtlSessionOpen   = "ctl.result.session_open"
	MsgCtlPending       = "ctl.result.out_of_order_pending"
	MsgCtlOutOfOrderOn  = "ctl.result.out_of_order_on"
	MsgCtlOutOfOrderOff = "ctl.result.out_of_order_off"
	MsgCtlReloaded      = "ctl.result.reloaded"
	MsgCtlReloadPending = "ctl.result.reload_pending"
	MsgCtlBadPreset     = "ctl.result.bad_preset"
	MsgCtlBadOptions    = "ctl.result.bad_options"
	MsgCtlUnknown       = "ctl.result.unknown_command"
)

// ControlCommand is one command of a control-socket caller.
type ControlCommand struct {
	Action string // one of the Ctl constants
	Preset string // CtlOutOfOrder: the preset, "" for back in service
	// Opts are the core options after a reload (CtlReload): the running
	// options with the keys a reload applies taken from the file.
	Opts *Options
	// UID is the caller's user id from SO_PEERCRED, for the audit log.
	UID int
}

// ControlReply is the core's answer to a ControlCommand.
type ControlReply struct {
	OK bool
	// Pending says the command waits for the patron's session to end
	// (out of order, reload) before it takes effect.
	Pending bool
	Result  Text
}

// Ctl is the control socket's part of the model.
type Ctl struct {
	// Waits are the callers whose command has not finished yet.
	Waits []ctlWait
	// OutOfOrder is a switch asked for while a patron was being served; it
	// is applied when the session ends, so the patron finishes first.
	OutOfOrder *ctlPending
	// Opts are reloaded options waiting for the session to end, so that a
	// patron's session never changes its rules half-way.
	Opts    *Options
	OptsUID int
}

type ctlWait struct {
	ID     int
	Action string
	UID    int
}

type ctlPending struct {
	Preset string
	UID    int
}

// EvControl is a control-socket command; ID names its reply.
type EvControl struct {
	ID  int
	Cmd ControlCommand
}

// EffControlReply answers control request ID.
type EffControlReply struct {
	ID    int
	Reply ControlReply
}

func (EvControl) eventName() string        { return "control" }
func (EffControlReply) effectName() string { return "control-reply" }

// auditCtl writes an audit line for a control caller.
func (s *stepper) auditCtl(uid int, action, result, detail string) {
	s.emit(EffAudit{Action: action, Result: result, Detail: detail, Via: "control", UID: uid})
}

func (s *stepper) reply(id int, ok bool, result Text) {
	s.emit(EffControlReply{ID: id, Reply: ControlReply{OK: ok, Result: result}})
}

// sessionOpen reports whether a patron is being served: from the first
// touch to the receipt, and while any call of the session is in flight.
// The goodbye screen is not a session any more.
func (s *stepper) sessionOpen() bool {
	m := s.m
	return m.State.inSession() || m.State == StatePrinting || m.LoggedIn || m.Ending != "" || s.pending()
}

// control handles one control command.
func (s *stepper) control(e EvControl) {
	m := s.m
	c := e.Cmd
	switch c.Action {
	case CtlOutOfOrder:
		if c.Preset != "" && !validPreset(c.Preset) {
			s.reply(e.ID, false, Text{ID: MsgCtlBadPreset, Data: map[string]any{"Preset": c.Preset, "Presets": strings.Join(OutOfOrderPresets, ", ")}})
			return
		}
		switch {
		case c.Preset == m.OutOfOrder:
			// Already so; a switch still waiting for the session to end
			// is called off.
			m.Ctl.OutOfOrder = nil
			s.auditCtl(c.UID, ctlOutOfOrderAction(c.Preset), "ok", "unchanged")
			s.reply(e.ID, true, ctlOutOfOrderText(c.Preset))
		case s.sessionOpen():
			// Switching in the middle of a session would take the
			// screens from under the patron's items; the switch waits.
			m.Ctl.OutOfOrder = &ctlPending{Preset: c.Preset, UID: c.UID}
			s.auditCtl(c.UID, ctlOutOfOrderAction(c.Preset), "pending", c.Preset)
			s.emit(EffControlReply{ID: e.ID, Reply: ControlReply{OK: true, Pending: true, Result: Text{ID: MsgCtlPending}}})
		default:
			m.Ctl.OutOfOrder = nil
			action, detail := s.setOutOfOrder(c.Preset)
			s.auditCtl(c.UID, action, "ok", detail)
			s.reply(e.ID, true, ctlOutOfOrderText(c.Preset))
		}
	case CtlForward:
		// Forwarding during a session is what the core does by itself
		// whenever the library system comes back: no patron is harmed.
		if refused := s.startForward(); refused.ID != "" {
			s.auditCtl(c.UID, "forward-queue", "refused", refused.ID)
			s.reply(e.ID, false, refused)
			return
		}
		m.Ctl.Waits = append(m.Ctl.Waits, ctlWait{ID: e.ID, Action: CtlForward, UID: c.UID})
	case CtlSettle, CtlPrintTest:
		name := "settle-journal"
		if c.Action == CtlPrintTest {
			name = ActionPrintTest
		}
		if s.sessionOpen() {
			// The journal holds the session's own loans in flight, and
			// the printer may be printing the patron's receipt: both wait
			// for the session to end, and the caller is told to retry.
			s.auditCtl(c.UID, name, "refused", "session open")
			s.reply(e.ID, false, Text{ID: MsgCtlSessionOpen})
			return
		}
		if c.Action == CtlSettle {
			if refused := s.startSettle(); refused.ID != "" {
				s.auditCtl(c.UID, name, "refused", refused.ID)
				s.reply(e.ID, false, refused)
				return
			}
		} else {
			s.emit(EffMaintAction{Action: ActionPrintTest, Ctl: e.ID})
		}
		m.Ctl.Waits = append(m.Ctl.Waits, ctlWait{ID: e.ID, Action: c.Action, UID: c.UID})
	case CtlReload:
		if c.Opts == nil {
			s.reply(e.ID, false, Text{ID: MsgCtlBadOptions, Data: map[string]any{"Error": "no options"}})
			return
		}
		if err := c.Opts.Validate(); err != nil {
			s.auditCtl(c.UID, "reload", "refused", err.Error())
			s.reply(e.ID, false, Text{ID: MsgCtlBadOptions, Raw: err.Error(), Data: map[string]any{"Error": err.Error()}})
			return
		}
		o := *c.Opts
		if s.sessionOpen() {
			m.Ctl.Opts, m.Ctl.OptsUID = &o, c.UID
			s.auditCtl(c.UID, "reload", "pending", "")
			s.emit(EffControlReply{ID: e.ID, Reply: ControlReply{OK: true, Pending: true, Result: Text{ID: MsgCtlReloadPending}}})
			return
		}
		m.Ctl.Opts = nil
		m.Opts = &o
		s.auditCtl(c.UID, "reload", "ok", "")
		s.reply(e.ID, true, Text{ID: MsgCtlReloaded})
	case CtlUpdateIdle, CtlUpdateReboot:
		s.updateControl(e)
	default:
		s.reply(e.ID, false, Text{ID: MsgCtlUnknown, Data: map[string]any{"Command": c.Action}})
	}
}

func ctlOutOfOrderAction(preset string) string {
	if preset == "" {
		return "out-of-order-off"
	}
	return "out-of-order-on"
}

func ctlOutOfOrderText(preset string) Text {
	if preset == "" {
		return Text{ID: MsgCtlOutOfOrderOff}
	}
	return Text{ID: MsgCtlOutOfOrderOn, Data: map[string]any{"Preset": preset}}
}

// ctlFinished answers every caller waiting for action with result, and
// writes their audit lines.
func (s *stepper) ctlFinished(action, auditAction string, result Text, detail string) {
	m := s.m
	kept := m.Ctl.Waits[:0]
	for _, w := range m.Ctl.Waits {
		if w.Action != action {
			kept = append(kept, w)
			continue
		}
		s.auditCtl(w.UID, auditAction, "ok", detail)
		s.reply(w.ID, true, result)
	}
	m.Ctl.Waits = kept
}

// ctlActionDone answers the caller of a print test.
func (s *stepper) ctlActionDone(e EvMaintResult) {
	m := s.m
	for i, w := range m.Ctl.Waits {
		if w.ID != e.Ctl {
			continue
		}
		m.Ctl.Waits = append(m.Ctl.Waits[:i], m.Ctl.Waits[i+1:]...)
		result := "ok"
		if !e.OK {
			result = "failed"
		}
		s.auditCtl(w.UID, e.Action, result, e.Result.Raw)
		s.reply(w.ID, e.OK, e.Result)
		return
	}
}

// ctlApplyPending applies what control callers asked for during a session
// once no patron is being served any more.
func (s *stepper) ctlApplyPending() {
	m := s.m
	if (m.Ctl.OutOfOrder == nil && m.Ctl.Opts == nil) || s.sessionOpen() {
		return
	}
	if p := m.Ctl.OutOfOrder; p != nil {
		m.Ctl.OutOfOrder = nil
		action, detail := s.setOutOfOrder(p.Preset)
		s.auditCtl(p.UID, action, "applied", detail)
		s.log("info", "out-of-order switch of the control socket applied after the session", "", p.Preset)
	}
	if o := m.Ctl.Opts; o != nil {
		m.Ctl.Opts = nil
		m.Opts = o
		s.auditCtl(m.Ctl.OptsUID, "reload", "applied", "")
		s.log("info", "reloaded configuration applied after the session", "", "")
	}
}

// Control performs one control command through the core and waits for its
// answer: at once for most, when the queue is forwarded, the journal
// settled or the test receipt printed for the others. When ctx ends first
// the command still runs to its end; only the answer is lost.
func (k *Kiosk) Control(ctx context.Context, cmd ControlCommand) (ControlReply, error) {
	ch := make(chan ControlReply, 1)
	k.ctlMu.Lock()
	if k.ctlWait == nil {
		k.ctlWait = map[int]chan ControlReply{}
	}
	k.ctlNext++
	id := k.ctlNext
	k.ctlWait[id] = ch
	k.ctlMu.Unlock()
	defer func() {
		k.ctlMu.Lock()
		delete(k.ctlWait, id)
		k.ctlMu.Unlock()
	}()
	select {
	case k.events <- EvControl{ID: id, Cmd: cmd}:
	case <-k.done:
		return ControlReply{}, errors.New("kiosk: the core has stopped")
	case <-ctx.Done():
		return ControlReply{}, fmt.Errorf("kiosk: control %s: %w", cmd.Action, ctx.Err())
	}
	select {
	case r := <-ch:
		return r, nil
	case <-k.done:
		return ControlReply{}, errors.New("kiosk: the core has stopped")
	case <-ctx.Done():
		return ControlReply{}, fmt.Errorf("kiosk: control %s: %w", cmd.Action, ctx.Err())
	}
}

// deliverControl hands a reply to the waiting caller, if it still waits.
func (k *Kiosk) deliverControl(x EffControlReply) {
	k.ctlMu.Lock()
	ch := k.ctlWait[x.ID]
	k.ctlMu.Unlock()
	if ch != nil {
		select {
		case ch <- x.Reply:
		default:
		}
	}
}

// Status gathers the facts of the maintenance status screen, for the
// control socket's status command.
func (k *Kiosk) Status() StatusReport { return k.statusReport() }

// Options returns the options the core runs with now (after any reload).
func (k *Kiosk) Options() Options {
	k.mu.Lock()
	defer k.mu.Unlock()
	return *k.model.Opts
}

// AuditControl writes an audit line for a control request that never
// reached the core: refused callers, malformed requests, reloads refused
// for an invalid file.
func (k *Kiosk) AuditControl(uid int, action, result, detail string) {
	k.writeAudit(EffAudit{Action: action, Result: result, Detail: detail, Via: "control", UID: uid})
}
