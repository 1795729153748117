package kiosk

import (
	"testing"
	"time"

	"github.com/danbib/kiosk/i18n"
)

func ctlReply(effs []Effect) (ControlReply, bool) {
	r, ok := find[EffControlReply](effs)
	return r.Reply, ok
}

// TestReloadWaitsForTheSession: a patron's session keeps the rules it
// started with; the reloaded options apply when it ends.
func TestReloadWaitsForTheSession(t *testing.T) {
	m := welcome(testOpts())
	m, _ = Step(m, in(InChoose{Screen: ScreenReturn}))
	next := *m.Opts
	next.IdleTimeout = 5 * time.Minute
	m, effs := Step(m, EvControl{ID: 1, Cmd: ControlCommand{Action: CtlReload, Opts: &next, UID: 1001}})
	if r, ok := ctlReply(effs); !ok || !r.OK || !r.Pending {
		t.Fatalf("reload during a session: %+v", r)
	}
	if m.Opts.IdleTimeout == 5*time.Minute {
		t.Fatal("the session's rules changed half-way")
	}
	m, effs = Step(m, in(InFinish{}))
	for i := 0; i < 5 && m.Opts.IdleTimeout != 5*time.Minute; i++ {
		m.Now = m.Now.Add(time.Second)
		var more []Effect
		m, more = Step(m, EvTick{})
		effs = append(effs, more...)
	}
	if m.Opts.IdleTimeout != 5*time.Minute || m.Ctl.Opts != nil {
		t.Fatalf("reload not applied after the session (state %v)", m.State)
	}
	if a, ok := find[EffAudit](effs); !ok || a.Action != "reload" || a.Result != "applied" || a.UID != 1001 || a.Via != "control" {
		t.Errorf("audit of the applied reload: %+v", a)
	}
	// Options that do not validate are refused and change nothing.
	bad := *m.Opts
	bad.PINLength = 2
	n, effs := Step(m, EvControl{ID: 2, Cmd: ControlCommand{Action: CtlReload, Opts: &bad}})
	if r, _ := ctlReply(effs); r.OK || n.Opts.PINLength == 2 {
		t.Fatalf("invalid options: %+v", r)
	}
}

// TestControlForwardAnswersOnlyItsCaller: the control socket's forward
// answers its caller, not the maintenance screen, and the screen's does not
// answer a control caller.
func TestControlForwardAnswersOnlyItsCaller(t *testing.T) {
	m := welcome(testOpts())
	m, effs := Step(m, EvControl{ID: 7, Cmd: ControlCommand{Action: CtlForward, UID: 5}})
	if _, ok := find[EffForwardQueue](effs); !ok || len(m.Ctl.Waits) != 1 {
		t.Fatalf("forward not started: %v", effs)
	}
	// A second caller meanwhile is told it is under way.
	m, effs = Step(m, EvControl{ID: 8, Cmd: ControlCommand{Action: CtlForward, UID: 5}})
	if r, _ := ctlReply(effs); r.OK || r.Result.ID != MsgMaintBusy {
		t.Fatalf("second forward: %+v", r)
	}
	m, effs = Step(m, EvQueueForwarded{Len: 0})
	x, ok := find[EffControlReply](effs)
	if !ok || x.ID != 7 || !x.Reply.OK || x.Reply.Result.ID != MsgMaintForwarded || len(m.Ctl.Waits) != 0 {
		t.Fatalf("forward answer: %+v", x)
	}
	if m.Maint.Result.ID != "" {
		t.Error("the maintenance screen got the control caller's result")
	}
}

func TestControlCatalog(t *testing.T) {
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{MsgCtlSessionOpen, MsgCtlPending, MsgCtlOutOfOrderOn, MsgCtlOutOfOrderOff, MsgCtlReloaded,
		MsgCtlReloadPending, MsgCtlBadPreset, MsgCtlBadOptions, MsgCtlUnknown}
	for _, l := range i18n.Languages {
		loc := b.Localizer(l.Code)
		for _, id := range ids {
			if !loc.Has(id) {
				t.Errorf("%s lacks %s", l.Code, id)
			}
		}
	}
	en := b.Localizer("en")
	if got := (Text{ID: MsgCtlOutOfOrderOn, Data: map[string]any{"Preset": "printer"}}).In(en); got != "The kiosk is out of order (printer)." {
		t.Errorf("rendered %q", got)
	}
	if got := (Text{ID: "no.such.id", Raw: "raw words"}).In(en); got != "raw words" {
		t.Errorf("fallback %q", got)
	}
}
