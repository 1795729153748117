package control

import (
	"context"
	"fmt"
	"strings"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
)

// Core is what the socket needs of the kiosk core (*kiosk.Kiosk).
type Core interface {
	Status() kiosk.StatusReport
	Control(ctx context.Context, cmd kiosk.ControlCommand) (kiosk.ControlReply, error)
	Options() kiosk.Options
	AuditControl(uid int, action, result, detail string)
}

// Reloader reads and checks the configuration file again. For an invalid
// file it returns every problem and the running options stay. Otherwise it
// returns running with the keys a reload applies taken from the file, and
// the keys that changed but take a restart.
type Reloader func(running kiosk.Options) (next kiosk.Options, restart []string, errs []error)

// KioskHandler serves the socket's commands from a kiosk core. Its answers
// are in English, the technicians' common language; Result carries the
// catalog message for a caller that translates.
type KioskHandler struct {
	core   Core
	reload Reloader
	loc    *i18n.Localizer
	update Updater
}

// NewKioskHandler serves core. reload may be nil: a kiosk started without
// a configuration file has nothing to reload.
func NewKioskHandler(core Core, reload Reloader, bundle *i18n.Bundle) *KioskHandler {
	return &KioskHandler{core: core, reload: reload, loc: bundle.Localizer("en")}
}

// Refused audits a request that was refused before it reached the core.
func (h *KioskHandler) Refused(c Caller, why string) {
	h.core.AuditControl(c.UID, "control-request", "refused", why)
}

// Handle serves one request.
func (h *KioskHandler) Handle(ctx context.Context, c Caller, r Request) Reply {
	switch r.Command {
	case CmdStatus:
		st := h.status(h.core.Status())
		return Reply{OK: true, Status: &st}
	case CmdReload:
		return h.doReload(ctx, c)
	case CmdUpdate, CmdUpdateStatus:
		return h.doUpdate(c, r)
	}
	cmd := kiosk.ControlCommand{UID: c.UID}
	switch r.Command {
	case CmdOutOfOrder:
		cmd.Action = kiosk.CtlOutOfOrder
		if *r.On {
			cmd.Preset = r.Preset
			if cmd.Preset == "" {
				cmd.Preset = kiosk.OutOfOrderPresets[0]
			}
		}
	case CmdForward:
		cmd.Action = kiosk.CtlForward
	case CmdSettle:
		cmd.Action = kiosk.CtlSettle
	case CmdPrintTest:
		cmd.Action = kiosk.CtlPrintTest
	}
	return h.run(ctx, cmd)
}

// run passes cmd to the core and words its answer.
func (h *KioskHandler) run(ctx context.Context, cmd kiosk.ControlCommand) Reply {
	rep, err := h.core.Control(ctx, cmd)
	if err != nil {
		return Reply{Error: err.Error()}
	}
	out := Reply{OK: rep.OK, Pending: rep.Pending, Message: rep.Result.In(h.loc), Result: textOf(rep.Result)}
	if !rep.OK {
		out.Error = out.Message
	}
	return out
}

func (h *KioskHandler) doReload(ctx context.Context, c Caller) Reply {
	if h.reload == nil {
		why := "control: this kiosk runs without a configuration file (no -config); there is nothing to reload"
		h.core.AuditControl(c.UID, "reload", "refused", "no configuration file")
		return Reply{Error: why}
	}
	next, restart, errs := h.reload(h.core.Options())
	if len(errs) > 0 {
		out := Reply{Error: fmt.Sprintf("control: the configuration file has %d problem(s) and was not loaded; the running configuration stays", len(errs))}
		for _, e := range errs {
			// errors.Join'ed lines come as one error per problem.
			out.Errors = append(out.Errors, strings.Split(e.Error(), "\n")...)
		}
		h.core.AuditControl(c.UID, "reload", "refused", fmt.Sprintf("%d problem(s)", len(out.Errors)))
		return out
	}
	out := h.run(ctx, kiosk.ControlCommand{Action: kiosk.CtlReload, Opts: &next, UID: c.UID})
	if out.OK {
		out.Restart = restart
	}
	return out
}

func textOf(t kiosk.Text) *Text {
	if t.ID == "" && t.Raw == "" {
		return nil
	}
	return &Text{ID: t.ID, Data: t.Data, Raw: t.Raw}
}

// status turns the status screen's facts into the reply: the same facts and
// the same lines (kiosk.StatusReport.Lines), in English.
func (h *KioskHandler) status(r kiosk.StatusReport) Status {
	s := Status{
		Kiosk: r.KioskID, Version: r.Version, Commit: r.Commit, At: r.At,
		UptimeSeconds: int64(r.Uptime.Seconds()), Mode: r.Mode.String(), OutOfOrder: r.OutOfOrder,
		ACSOnline: r.ACSOnline, QueueLen: len(r.Queue), JournalOpen: len(r.Journal),
		Reader: r.Reader, Paper: r.Paper, ClockSet: r.ClockSet, NTP: r.NTP, FreeBytes: r.FreeBytes,
	}
	if r.PrinterNone {
		s.Paper = ""
	}
	if len(r.Queue) > 0 {
		t := r.Queue[0].At
		s.QueueOldest = &t
	}
	if r.Skew != nil {
		sec := int64(r.Skew.Seconds())
		s.SkewSeconds = &sec
	}
	for _, l := range r.Lines() {
		s.Lines = append(s.Lines, Line{
			Key:    strings.TrimPrefix(l.Label, "maint.status."),
			Level:  string(l.Level),
			Word:   h.loc.T("maint.level." + string(l.Level)),
			Label:  h.loc.T(l.Label),
			Value:  l.Value.In(h.loc),
			Advice: l.Advice.In(h.loc),
		})
	}
	return s
}
