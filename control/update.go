package control

import (
	"context"
	"errors"

	"github.com/danbib/kiosk/update"
)

// Updater is what the socket needs of the update client (*update.Client).
type Updater interface {
	Push(ctx context.Context, src string, done func(error)) error
	State() update.State
}

// SetUpdater serves update and update-status from u. Without one (a kiosk
// whose update client is not running) both are refused with a reason.
func (h *KioskHandler) SetUpdater(u Updater) { h.update = u }

// doUpdate starts the install of a pushed bundle. It answers once RAUC has
// the bundle in hand, not when it is written: writing a slot takes minutes,
// and `kioskctl update status` follows it. The reboot waits for the kiosk
// to be free, as a polled update's does.
func (h *KioskHandler) doUpdate(c Caller, r Request) Reply {
	if h.update == nil {
		if r.Command == CmdUpdate {
			h.core.AuditControl(c.UID, "update", "refused", "no update client")
		}
		return Reply{Error: "control: this kiosk runs no update client (the demo, or no rauc)"}
	}
	if r.Command == CmdUpdateStatus {
		st := h.update.State()
		return Reply{OK: true, Update: &st, Message: st.Phase}
	}
	// The update outlives the request: its own context, not the socket's.
	err := h.update.Push(context.Background(), r.Bundle, func(err error) {
		result := "ok"
		if err != nil {
			result = "failed"
		}
		h.core.AuditControl(c.UID, "update-pushed", result, r.Bundle)
	})
	if err != nil {
		result := "refused"
		if errors.Is(err, update.ErrBusy) {
			result = "busy"
		}
		h.core.AuditControl(c.UID, "update", result, err.Error())
		return Reply{Error: err.Error()}
	}
	h.core.AuditControl(c.UID, "update", "started", r.Bundle)
	st := h.update.State()
	return Reply{OK: true, Update: &st, Message: "update started: " + r.Bundle + "; follow it with kioskctl update status"}
}
