package kiosk

import (
	"testing"
	"time"
)

func replies(effs []Effect) map[int]ControlReply {
	out := map[int]ControlReply{}
	for _, e := range effs {
		if r, ok := e.(EffControlReply); ok {
			out[r.ID] = r.Reply
		}
	}
	return out
}

// TestUpdateWaitsForTheSession: the update client's idle wait and its
// reboot are held while a patron is being served and released by the tick
// after the session, as the nightly reboot is.
func TestUpdateWaitsForTheSession(t *testing.T) {
	m := welcome(testOpts())
	m.Now = at(25, 10, 0)
	// Free: the wait is answered at once.
	_, effs := Step(m, EvControl{ID: 1, Cmd: ControlCommand{Action: CtlUpdateIdle}})
	if r, ok := replies(effs)[1]; !ok || !r.OK {
		t.Fatalf("idle kiosk: %v", effs)
	}

	m, _ = Step(m, in(InChoose{Screen: ScreenReturn}))
	m, effs = Step(m, EvControl{ID: 2, Cmd: ControlCommand{Action: CtlUpdateIdle}})
	if _, ok := replies(effs)[2]; ok {
		t.Fatal("the wait was answered during a session")
	}
	m, effs = Step(m, EvControl{ID: 3, Cmd: ControlCommand{Action: CtlUpdateReboot, Preset: "2.0"}})
	if r := replies(effs)[3]; !r.OK || !r.Pending || reboots(effs) != 0 {
		t.Fatalf("reboot during a session: %v", effs)
	}
	m, effs = tickAt(m, m.Now.Add(time.Second))
	if reboots(effs) != 0 || m.State != StateReturn {
		t.Fatalf("rebooted during a session: %v", effs)
	}
	m, _ = Step(m, in(InFinish{}))
	for i := 0; i < 10 && m.State != StateGoodbye && m.State != StateWelcome; i++ {
		m, _ = tickAt(m, m.Now.Add(time.Second))
	}
	m, effs = tickAt(m, m.Now.Add(time.Second))
	if r, ok := replies(effs)[2]; !ok || !r.OK {
		t.Errorf("the wait was not answered after the session: %v", effs)
	}
	if reboots(effs) != 1 {
		t.Fatalf("no reboot after the session (state %v): %v", m.State, effs)
	}
	if a, ok := find[EffAudit](effs); !ok || a.Action != "update-reboot" || a.Detail != "2.0" || a.Via != "update" {
		t.Errorf("reboot not audited: %+v", a)
	}
	if _, effs = tickAt(m, m.Now.Add(time.Second)); reboots(effs) != 0 {
		t.Error("rebooted twice")
	}
}
