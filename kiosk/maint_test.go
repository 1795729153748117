package kiosk

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/pinfile"
)

// The technicians of these tests. The PINs are made up; the cheap argon2
// parameters travel in the hash, so the kiosk checks them as it would the
// real ones.
const (
	techName = "anna"
	techPIN  = "135790"
)

var cheapArgon = pinfile.Params{Time: 1, Memory: 64, Threads: 1}

func writePINFile(t *testing.T, dir, name, pin string) string {
	t.Helper()
	path := filepath.Join(dir, "maintenance-pin")
	if err := pinfile.Set(path, name, []byte(pin), cheapArgon); err != nil {
		t.Fatal(err)
	}
	return path
}

func maintModel(t *testing.T) Model {
	o := DefaultOptions()
	o.MaintPINFile = "/etc/kiosk/maintenance-pin"
	m := NewModel(o, nil, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	m, _ = Step(m, EvStarted{})
	if m.State != StateWelcome {
		t.Fatalf("start: %s", m.State)
	}
	return m
}

func hasEffect[T Effect](effs []Effect) (T, bool) {
	for _, e := range effs {
		if x, ok := e.(T); ok {
			return x, true
		}
	}
	var zero T
	return zero, false
}

// The way in opens only on the idle welcome and out-of-order screens: never
// during a patron session, and never without a credential file.
func TestMaintWayInOnlyWhenIdle(t *testing.T) {
	m := maintModel(t)
	if n, _ := Step(m, in(InMaintEnter{})); n.State != StateMaintLogin {
		t.Fatalf("from welcome: %s", n.State)
	}
	oo := m
	oo.Health.Reader = false
	oo, _ = Step(oo, EvHealth{Health: oo.Health})
	if oo.State != StateOutOfOrder {
		t.Fatalf("setup: %s", oo.State)
	}
	if n, _ := Step(oo, in(InMaintEnter{})); n.State != StateMaintLogin {
		t.Fatalf("from out of order: %s", n.State)
	}
	// Mid-session: identify, PIN, a logged-in menu, a loan.
	for _, st := range []State{StateIdentify, StatePIN, StateAuthenticating, StateLoan, StateReturn, StateRenew,
		StateAccount, StateReceipt, StatePrinting, StateGoodbye} {
		s := m
		s.State = st
		if n, _ := Step(s, in(InMaintEnter{})); n.State != st {
			t.Errorf("from %s: went to %s", st, n.State)
		}
	}
	menu := m
	menu.LoggedIn = true
	if n, _ := Step(menu, in(InMaintEnter{})); n.State != StateWelcome {
		t.Errorf("from a logged-in patron's menu: %s", n.State)
	}
	// No credential file: the gesture does nothing but log one line.
	none := m
	o := *m.Opts
	o.MaintPINFile = ""
	none.Opts = &o
	n, effs := Step(none, in(InMaintEnter{}))
	if n.State != StateWelcome {
		t.Fatalf("without a PIN file: %s", n.State)
	}
	if len(effs) != 1 {
		t.Fatalf("without a PIN file: effects %v, want one log line", effs)
	}
	if _, ok := hasEffect[EffLog](effs); !ok {
		t.Fatalf("without a PIN file: %v", effs)
	}
	// The maintenance inputs do nothing outside the mode.
	for _, i := range []Input{InMaintExit{}, InMaintOutOfOrder{Preset: "closed"}, InMaintAction{Action: ActionReboot}, InMaintPage{Page: PageLog}} {
		if n, effs := Step(m, in(i)); n.State != StateWelcome || n.OutOfOrder != "" || len(effs) != 0 {
			t.Errorf("%T outside the mode: %s %v", i, n.State, effs)
		}
	}
}

// A patron session somehow left open behind the out-of-order screen ends
// (35, wipe) before the credential screen opens.
func TestMaintEntryEndsALeftoverSession(t *testing.T) {
	m := maintModel(t)
	m.State = StateOutOfOrder
	m.LoggedIn = true
	m.Sec.ID = []byte("0101700042")
	m.Sec.PIN = []byte("4711")
	n, effs := Step(m, in(InMaintEnter{}))
	if n.State != StateMaintLogin {
		t.Fatalf("state %s", n.State)
	}
	if _, ok := hasEffect[EffEndSession](effs); !ok {
		t.Fatalf("no 35: %v", effs)
	}
	if !n.Sec.Empty() || n.LoggedIn {
		t.Fatal("the patron's session was not wiped")
	}
}

func typeCred(m Model, s string) Model {
	for _, c := range s {
		m, _ = Step(m, in(InKey{Key: c}))
	}
	return m
}

func tryCred(t *testing.T, m Model, tech string) (Model, []Effect) {
	t.Helper()
	m = typeCred(m, "999999")
	m, effs := Step(m, in(InSubmit{}))
	if m.State != StateMaintCheck {
		t.Fatalf("submit: %s (%+v)", m.State, m.Maint.Message)
	}
	chk, ok := hasEffect[EffMaintCheck](effs)
	if !ok || string(chk.Secret) != "999999" {
		t.Fatalf("no credential check: %v", effs)
	}
	if len(m.Sec.Cred) != 0 {
		t.Fatal("the typed credential stayed in the model")
	}
	return Step(m, EvMaintChecked{Tech: tech})
}

// Three wrong tries lock the credential screen for 5 minutes, the next
// lockout in a row for 10, then 20; a right credential resets it.
func TestMaintLockoutDoubles(t *testing.T) {
	m := maintModel(t)
	m, _ = Step(m, in(InMaintEnter{}))
	for round, want := range []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute} {
		for try := 1; try <= 3; try++ {
			var effs []Effect
			m, effs = tryCred(t, m, "")
			if _, ok := hasEffect[EffMaintSaveLock](effs); !ok {
				t.Fatalf("round %d try %d: the lockout state was not saved", round, try)
			}
			a, _ := hasEffect[EffAudit](effs)
			if a.Action != "login" || a.Result != "wrong credential" {
				t.Fatalf("round %d try %d: audit %+v", round, try, a)
			}
		}
		if got := m.Maint.Lock.Until.Sub(m.Now); got != want {
			t.Fatalf("round %d: locked for %v, want %v", round, got, want)
		}
		// Locked: typing and submitting do nothing.
		m = typeCred(m, "1")
		if len(m.Sec.Cred) != 0 || !m.View().Maint.Locked || m.Maint.Message.ID != MsgMaintLocked {
			t.Fatalf("round %d: the locked screen took input (%+v)", round, m.Maint.Message)
		}
		m.Now = m.Maint.Lock.Until
		m.Maint.LastTouch = m.Now
	}
	m, effs := tryCred(t, m, techName)
	if m.State != StateMaintenance || m.Maint.Tech != techName || m.Maint.Lock != (MaintLock{}) {
		t.Fatalf("right credential: %s %+v", m.State, m.Maint.Lock)
	}
	if s, ok := hasEffect[EffMaintSaveLock](effs); !ok || s.Lock != (MaintLock{}) {
		t.Fatalf("the reset lockout was not saved: %v", effs)
	}
}

// The mode ends after MaintIdle without a touch, with a warning first; a
// touch puts the warning away.
func TestMaintIdleExitWithWarning(t *testing.T) {
	m := maintModel(t)
	m, _ = Step(m, in(InMaintEnter{}))
	m, _ = tryCred(t, m, techName)
	start := m.Now
	m.Now = start.Add(m.Opts.MaintIdle - m.Opts.MaintIdleWarning)
	m, _ = Step(m, EvTick{})
	v := m.View()
	if !m.Maint.Warning || v.Maint == nil || !v.Maint.Warning || v.Maint.IdleLeft != m.Opts.MaintIdleWarning {
		t.Fatalf("no warning: %+v", v.Maint)
	}
	m, _ = Step(m, in(InActivity{}))
	if m.Maint.Warning {
		t.Fatal("a touch did not put the warning away")
	}
	m.Now = m.Now.Add(m.Opts.MaintIdle)
	m, effs := Step(m, EvTick{})
	if m.State != StateWelcome || m.Maint.Tech != "" {
		t.Fatalf("after the idle time: %s", m.State)
	}
	a, ok := hasEffect[EffAudit](effs)
	if !ok || a.Action != "exit" || a.Result != "idle" || a.Tech != techName {
		t.Fatalf("audit %+v", a)
	}
	// The credential screen times out too.
	m, _ = Step(m, in(InMaintEnter{}))
	m.Now = m.Now.Add(m.Opts.MaintIdle)
	if m, _ = Step(m, EvTick{}); m.State != StateWelcome {
		t.Fatalf("credential screen after the idle time: %s", m.State)
	}
}

// Out of order set by a technician shows on the patron's screen with the
// preset's reason after the technician leaves, and off again clears it.
func TestMaintOutOfOrderPreset(t *testing.T) {
	m := maintModel(t)
	m, _ = Step(m, in(InMaintEnter{}))
	m, _ = tryCred(t, m, techName)
	m, effs := Step(m, in(InMaintOutOfOrder{Preset: "printer"}))
	if s, ok := hasEffect[EffSaveOutOfOrder](effs); !ok || s.Preset != "printer" {
		t.Fatalf("not saved: %v", effs)
	}
	if m.State != StateMaintenance {
		t.Fatalf("the technician was thrown out: %s", m.State)
	}
	m, _ = Step(m, in(InMaintExit{}))
	v := m.View()
	if m.State != StateOutOfOrder || v.Screen != ScreenOutOfOrder || v.ModeReason.ID != MsgModeForcedPrinter {
		t.Fatalf("after exit: %s %+v", m.State, v.ModeReason)
	}
	if n, _ := Step(m, in(InMaintOutOfOrder{Preset: "bogus"})); n.OutOfOrder != "printer" {
		t.Fatal("an input outside the mode changed the switch")
	}
	m, _ = Step(m, in(InMaintEnter{}))
	m, _ = tryCred(t, m, techName)
	m, _ = Step(m, in(InMaintOutOfOrder{Preset: ""}))
	m, _ = Step(m, in(InMaintExit{}))
	if m.State != StateWelcome {
		t.Fatalf("after switching off: %s", m.State)
	}
}

// maintRig is a runner with a credential file and a state directory.
func maintRig(t *testing.T, dir string) *rig {
	t.Helper()
	o := runnerOpts(t)
	o.StateDir = filepath.Join(dir, "state")
	o.MaintPINFile = filepath.Join(dir, "maintenance-pin")
	return newRig(t, o)
}

func (r *rig) typeCred(s string) {
	r.typeKeys(s)
	r.send(InSubmit{})
}

// The lockout and the out-of-order switch survive a restart.
func TestMaintLockoutAndOutOfOrderSurviveRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		writePINFile(t, dir, techName, techPIN)
		r := maintRig(t, dir)
		r.send(InMaintEnter{})
		for i := 0; i < 3; i++ {
			r.typeCred("000000")
		}
		if v := r.k.View(); !v.Maint.Locked {
			t.Fatalf("not locked: %+v", v.Maint)
		}
		r.stop()
		b, err := os.ReadFile(filepath.Join(dir, "state", maintLockName))
		if err != nil || strings.Contains(string(b), "000000") || strings.Contains(string(b), techPIN) {
			t.Fatalf("lock file %q (%v)", b, err)
		}

		r = maintRig(t, dir)
		r.send(InMaintEnter{})
		r.typeCred(techPIN)
		if v := r.k.View(); v.Screen != ScreenMaintLogin || !v.Maint.Locked {
			t.Fatalf("after a restart the lockout is gone: %v %+v", v.Screen, v.Maint)
		}
		time.Sleep(5*time.Minute + time.Second)
		r.send(InMaintEnter{})
		r.typeCred(techPIN)
		if v := r.k.View(); v.Screen != ScreenMaintenance || v.Maint.Tech != techName {
			t.Fatalf("after the lockout: %v %+v", v.Screen, v.Maint)
		}
		r.send(InMaintOutOfOrder{Preset: "closed"}, InMaintExit{})
		r.stop()

		r = maintRig(t, dir)
		defer r.stop()
		if v := r.k.View(); v.Screen != ScreenOutOfOrder || v.ModeReason.ID != MsgModeForcedClosed {
			t.Fatalf("after a restart the kiosk is in service: %v %+v", v.Screen, v.ModeReason)
		}
	})
}

// A credential file that became readable by others is refused (no try
// counted); a changed file is read again, so rotation needs no restart.
func TestMaintCredentialFileRefusedAndReloaded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		path := writePINFile(t, dir, techName, techPIN)
		r := maintRig(t, dir)
		defer r.stop()
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		r.send(InMaintEnter{})
		r.typeCred(techPIN)
		v := r.k.View()
		if v.Screen != ScreenMaintLogin || v.Maint.Message.ID != MsgMaintCredUnavailable {
			t.Fatalf("a world-readable file was used: %v %+v", v.Screen, v.Maint.Message)
		}
		if r.k.Model().Maint.Lock.Failures != 0 {
			t.Fatal("an unusable file counted as a wrong try")
		}
		os.Chmod(path, 0o600)
		// Rotation: a new PIN for anna and a second technician.
		if err := pinfile.Set(path, techName, []byte("246802"), cheapArgon); err != nil {
			t.Fatal(err)
		}
		if err := pinfile.Set(path, "bo", []byte("975310"), cheapArgon); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Minute)
		os.Chtimes(path, later, later)
		r.typeCred(techPIN)
		if v := r.k.View(); v.Screen != ScreenMaintLogin || v.Maint.Message.ID != MsgMaintWrong {
			t.Fatalf("the old PIN still works: %v %+v", v.Screen, v.Maint.Message)
		}
		r.typeCred("975310")
		if v := r.k.View(); v.Screen != ScreenMaintenance || v.Maint.Tech != "bo" {
			t.Fatalf("the new technician is refused: %v %+v", v.Screen, v.Maint)
		}
	})
}

// PrintTest makes the fake printer a TestPrinter, as the ESC/POS receipts are.
func (p *fakePrinter) PrintTest(ctx context.Context) error {
	return p.Print(ctx, Receipt{Lang: "da", Lines: []ReceiptLine{{ItemID: "test", Title: "Testkvittering", Kind: "loan"}}})
}

// A scripted visit after a patron's session: the audit log has every
// event, and neither the audit log nor any maintenance view holds anything
// of the patron.
func TestMaintAuditOfAVisit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		writePINFile(t, dir, techName, techPIN)
		r := maintRig(t, dir)
		r.lib.patrons[canaryCPR] = canaryPIN
		r.lib.names[canaryCPR] = canaryFirst + " " + canaryLast
		r.login(t, canaryCPR, canaryPIN)
		r.k.PadItem(pad("item-1"))
		synctest.Wait()
		r.send(InFinish{})
		r.send(InReceipt{Choice: "none"})
		time.Sleep(10 * time.Second)
		synctest.Wait()

		// The log page shows what the patron's session logged (the rig's
		// logger has no redaction hook: the core itself must not log the
		// patron).
		logged := strings.Split(strings.TrimSpace(r.logs.String()), "\n")
		r.k.ports.LogTail = func() []string { return logged }
		var views []View
		watch := func() { views = append(views, r.k.View()) }
		r.send(InMaintEnter{})
		r.typeCred("000000")
		watch()
		r.typeCred(techPIN)
		watch()
		for _, p := range MaintPages {
			r.send(InMaintPage{Page: p})
			watch()
		}
		r.send(InMaintAction{Action: ActionPrintTest})
		watch()
		r.send(InMaintAction{Action: ActionACSCheck})
		watch()
		// The tag inspector and an AFI write, and the scanner test with
		// the patron's own card.
		r.k.PadItem(setItem())
		synctest.Wait()
		r.send(InMaintPage{Page: PageTests}, InMaintSelectTag{UID: "E004010000000012"}, InMaintAFI{Secured: true})
		watch()
		r.send(InMaintConfirm{Yes: true})
		synctest.Wait()
		watch()
		r.k.Scan([]byte(canaryCPR))
		synctest.Wait()
		watch()
		r.send(InMaintOutOfOrder{Preset: "maintenance"})
		watch()
		r.send(InMaintExit{})
		r.stop()

		entries, err := ReadAudit(filepath.Join(dir, "state"))
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ tech, action, result string }{
			{"", "login", "wrong credential"},
			{techName, "enter", "ok"},
			{techName, ActionPrintTest, "ok"},
			{techName, ActionACSCheck, "ok"},
			{techName, ActionAFI, "ok"},
			{techName, "scanner-test", "ok"},
			{techName, "out-of-order-on", "ok"},
			{techName, "exit", "exit"},
		}
		i := 0
		for _, e := range entries {
			if i < len(want) && e.Tech == want[i].tech && e.Action == want[i].action && e.Result == want[i].result {
				i++
			}
			if e.Time.IsZero() || e.Kiosk == "" {
				t.Errorf("entry without time or kiosk: %+v", e)
			}
		}
		if i < len(want) {
			t.Fatalf("audit log lacks %+v; it has %+v", want[i], entries)
		}
		r.prn.mu.Lock()
		printed := len(r.prn.receipts)
		r.prn.mu.Unlock()
		if printed < 1 {
			t.Fatal("no test receipt was printed")
		}
		b, _ := os.ReadFile(filepath.Join(dir, "state", auditName))
		leaks := findCanary("audit.log", string(b))
		sawLog := false
		for _, v := range views {
			sawLog = sawLog || (v.Maint.Page == PageLog && len(v.Maint.Log) > 0 && len(v.Maint.Log) == len(logged))
		}
		if !sawLog {
			t.Fatalf("the log page did not show the %d log lines", len(logged))
		}
		for _, v := range views {
			if v.Maint == nil {
				t.Fatalf("a maintenance view without Maint: %v", v.Screen)
			}
			leaks = append(leaks, findCanary("view "+v.Maint.Page, strings.Join(viewTexts(v), "\n"))...)
		}
		for _, l := range leaks {
			t.Error(l)
		}
	})
}

// viewTexts is every text a maintenance view carries, with its template
// data, as a screen could show it.
func viewTexts(v View) []string {
	out := []string{v.Greeting, v.Message.Raw, v.Blocked.Raw}
	add := func(t Text) {
		out = append(out, t.ID, t.Raw)
		for _, d := range t.Data {
			out = append(out, strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(toString(d), "\n", " "), "\t", " ")))
		}
	}
	mv := v.Maint
	add(mv.Message)
	add(mv.Result)
	for _, l := range mv.Lines {
		add(l.Value)
		add(l.Advice)
	}
	for _, q := range append(mv.Queue, mv.Journal...) {
		out = append(out, q.ItemID)
	}
	out = append(out, mv.Log...)
	for _, tg := range mv.Tags {
		out = append(out, fmt.Sprintf("%+v", tg))
	}
	if mv.Confirm != nil {
		out = append(out, fmt.Sprintf("%+v", *mv.Confirm))
	}
	out = append(out, mv.ScanKind, mv.Selected)
	for _, it := range v.Items {
		out = append(out, it.Title, it.ItemID)
	}
	return out
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// Every message the status lines, results and credential screen use is in
// every language's catalogs.
func TestMaintCatalog(t *testing.T) {
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	skew := 3 * time.Second
	reports := []StatusReport{
		{},
		{ACSOnline: true, Last98: &ACSStatus{Online: true, CheckoutOK: true, CheckinOK: true, RenewalOK: true, Timeout: 10 * time.Second},
			RTTCount: 3, Reader: true, ReaderInfo: "fw 3.0", Paper: PaperOK, ClockSet: true, NTP: "yes", Skew: &skew,
			IPs: []string{"10.0.0.5"}, FreeBytes: 1 << 32, Info: Info{ConfigSum: "abc"}, Mode: ModeReturnsOnly},
		{Queue: []QueueRow{{ItemID: "item-1"}}, QueueFull: true, Journal: []QueueRow{{ItemID: "item-2"}}, Reader: true,
			ReaderErr: "timeout", Paper: PaperNearEnd, NTP: "no", FreeBytes: 1 << 20, Mode: ModeNoReceipt, OutOfOrder: "network"},
		{Queue: []QueueRow{{ItemID: "item-1"}}, Paper: PaperOut, PrinterNone: false, NTP: "unknown", FreeBytes: 100 << 20, Mode: ModeOutOfOrder},
		{Paper: PaperOffline, PrinterNone: true, RTTCount: 1, RTTP95: time.Minute, FreeBytes: -1},
		{Paper: PaperOffline, PrinterState: PrinterCoverOpen, ScannerKnown: true, ScannerPresent: true},
		{ScannerKnown: true},
	}
	ids := map[string]bool{}
	for _, r := range reports {
		for _, l := range r.Lines() {
			ids[l.Label] = true
			if l.Value.ID != "" {
				ids[l.Value.ID] = true
			}
			if l.Advice.ID != "" {
				ids[l.Advice.ID] = true
			}
		}
	}
	for _, id := range []string{MsgMaintWrong, MsgMaintLocked, MsgMaintCredUnavailable, MsgMaintForwarded, MsgMaintForwardOffline,
		MsgMaintForwardRecover, MsgMaintSettled, MsgMaintSettleOpen, MsgMaintBusy, "maint.result.no_printer", "maint.result.print_failed",
		"maint.result.printed", "maint.result.acs_failed", "maint.result.acs_ok", "maint.result.would_restart",
		"maint.result.would_reboot", "maint.result.system_failed", "maint.result.system_requested",
		MsgMaintAFISecured, MsgMaintAFIUnsecured, MsgMaintAFIFailed, MsgMaintAFIGone} {
		ids[id] = true
	}
	for _, k := range []string{ScanKindCPR, ScanKindCard, ScanKindUnknown} {
		ids["maint.scan.kind_"+k] = true
	}
	for _, p := range OutOfOrderPresets {
		ids[forcedReason(p).ID] = true
	}
	for _, l := range i18n.Languages {
		loc := b.Localizer(l.Code)
		for id := range ids {
			if !loc.Has(id) {
				t.Errorf("%s lacks %q", l.Code, id)
			}
		}
	}
}

// The audit log rotates by size, prunes rotated files past the retention,
// and ReadAudit reads them all back in order.
func TestAuditLogRotates(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenAuditLog(dir, 400, 30)
	if err != nil {
		t.Fatal(err)
	}
	// A rotated file from long ago: pruned at the next rotation.
	old := filepath.Join(dir, auditPrefix+"20200101T000000.000000000.log")
	os.WriteFile(old, []byte(`{"time":"2020-01-01T00:00:00Z","kiosk":"k","action":"enter","result":"ok"}`+"\n"), 0o600)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	long := now.Add(-40 * 24 * time.Hour)
	os.Chtimes(old, long, long)
	for i := 0; i < 20; i++ {
		if err := a.Append(AuditEntry{Time: now.Add(time.Duration(i) * time.Second), Kiosk: "k", Tech: "anna", Action: "refresh", Result: "ok", Detail: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatal("a rotated file past the retention was kept")
	}
	files, _ := filepath.Glob(filepath.Join(dir, auditPrefix+"*.log"))
	if len(files) < 2 {
		t.Fatalf("%d rotated files, want several", len(files))
	}
	for _, f := range append(files, filepath.Join(dir, auditName)) {
		fi, _ := os.Stat(f)
		if fi.Size() > 400 || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %d bytes, mode %04o", f, fi.Size(), fi.Mode().Perm())
		}
	}
	got, err := ReadAudit(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 {
		t.Fatalf("read %d entries, want 20", len(got))
	}
	for i, e := range got {
		if e.Detail != strconv.Itoa(i) {
			t.Fatalf("entry %d is %q: out of order", i, e.Detail)
		}
	}
}
