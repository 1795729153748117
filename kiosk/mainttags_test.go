package kiosk

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/danbib/kiosk/scanner"
)

// inspectorModel is a technician on the Tests page.
func inspectorModel(t *testing.T) Model {
	t.Helper()
	m := maintModel(t)
	m, _ = Step(m, in(InMaintEnter{}))
	m = typeCred(m, techPIN)
	m, _ = Step(m, in(InSubmit{}))
	m, _ = Step(m, EvMaintChecked{Tech: techName})
	m, _ = Step(m, in(InMaintPage{Page: PageTests}))
	if m.State != StateMaintenance || m.Maint.Page != PageTests {
		t.Fatalf("setup: %s %s", m.State, m.Maint.Page)
	}
	return m
}

// setItem is a two-part set as the watcher reports it: part 1 secured,
// part 2 lent.
func setItem() PadItem {
	return PadItem{ItemID: "5012345678", OwnerISIL: "DK-710100", Parts: 2, Present: []int{1, 2},
		Tags: []string{"E004010000000011", "E004010000000012"},
		Details: []PadTag{
			{UID: "E004010000000011", Part: 1, AFI: 0x07, Secured: true, Usage: 1, Version: 1, CRC: 0x5c2e, CRCOK: true},
			{UID: "E004010000000012", Part: 2, AFI: 0xC2, Usage: 1, Version: 1, CRC: 0x91a4, CRCOK: true},
		}}
}

// The inspector follows the pad: tags arrive with their fields, unreadable
// tags show with why, and both go when lifted or when the reader is lost.
func TestMaintTagInspectorFollowsThePad(t *testing.T) {
	m := inspectorModel(t)
	if tags := m.View().Maint.Tags; len(tags) != 0 {
		t.Fatalf("an empty pad shows %+v", tags)
	}
	m, _ = Step(m, EvPadItem{Item: setItem()})
	m, _ = Step(m, EvPadUnreadable{UID: "E004010000000099", Reason: "crc"})
	tags := m.View().Maint.Tags
	if len(tags) != 3 {
		t.Fatalf("tags %+v", tags)
	}
	if g := tags[0]; g.ItemID != "5012345678" || g.Owner != "DK-710100" || g.Parts != 2 || g.Part != 1 ||
		!g.Secured || g.AFI != 0x07 || g.Usage != 1 || !g.CRCOK || g.CRC != 0x5c2e || g.Problem != "" {
		t.Errorf("part 1: %+v", g)
	}
	if g := tags[1]; g.Part != 2 || g.Secured || g.AFI != 0xC2 {
		t.Errorf("part 2: %+v", g)
	}
	if g := tags[2]; g.UID != "E004010000000099" || g.Problem != "crc" || g.ItemID != "" {
		t.Errorf("unreadable: %+v", g)
	}
	// Off the Tests page the view carries no tags.
	s, _ := Step(m, in(InMaintPage{Page: PageLog}))
	if len(s.View().Maint.Tags) != 0 {
		t.Error("the log page carries the tags")
	}

	m, _ = Step(m, EvPadUnreadableGone{UID: "E004010000000099"})
	m, _ = Step(m, EvPadRemoved{ItemID: "5012345678"})
	if tags := m.View().Maint.Tags; len(tags) != 0 {
		t.Fatalf("after lifting: %+v", tags)
	}
	m, _ = Step(m, EvPadItem{Item: setItem()})
	m, _ = Step(m, EvPadUnreadable{UID: "E004010000000099", Reason: "read"})
	h := m.Health
	h.Reader = false
	m, _ = Step(m, EvHealth{Health: h})
	if tags := m.View().Maint.Tags; len(tags) != 0 {
		t.Fatalf("after the reader was lost: %+v", tags)
	}
}

// Setting one tag's AFI takes a selection and a yes; only that tag is
// written, through the TagWriter port, and the write is audited with the
// item id and the result.
func TestMaintAFIWriteNeedsConfirmation(t *testing.T) {
	m := inspectorModel(t)
	m, _ = Step(m, EvPadItem{Item: setItem()})
	uid := "E004010000000012"

	// Nothing selected: the buttons do nothing.
	if n, effs := Step(m, in(InMaintAFI{Secured: true})); n.Maint.Confirm != nil || len(effs) != 0 {
		t.Fatalf("without a selection: %+v %v", n.Maint.Confirm, effs)
	}
	m, _ = Step(m, in(InMaintSelectTag{UID: uid}))
	if v := m.View().Maint; v.Selected != uid {
		t.Fatalf("selected %q", v.Selected)
	}
	m, effs := Step(m, in(InMaintAFI{Secured: true}))
	if _, ok := hasEffect[EffMaintAFI](effs); ok {
		t.Fatal("written before the confirmation")
	}
	if c := m.View().Maint.Confirm; c == nil || c.UID != uid || c.ItemID != "5012345678" || !c.Secured {
		t.Fatalf("confirmation %+v", c)
	}
	// Cancel writes nothing.
	n, effs := Step(m, in(InMaintConfirm{}))
	if _, ok := hasEffect[EffMaintAFI](effs); ok || n.Maint.Confirm != nil {
		t.Fatalf("cancel wrote: %v", effs)
	}
	// Yes writes the one tag.
	m, effs = Step(m, in(InMaintConfirm{Yes: true}))
	w, ok := hasEffect[EffMaintAFI](effs)
	if !ok || !w.Secured || w.Item.ItemID != "5012345678" || !slices.Equal(w.Item.Tags, []string{uid}) {
		t.Fatalf("write %+v (%v)", w, effs)
	}
	if m.Maint.Busy != ActionAFI {
		t.Fatalf("busy %q", m.Maint.Busy)
	}
	if w.Tech != techName {
		t.Fatalf("the write does not carry the technician: %+v", w)
	}
	m, effs = Step(m, EvMaintAFI{UID: uid, ItemID: "5012345678", Tech: w.Tech, Secured: true, AFI: 0x07})
	a, ok := hasEffect[EffAudit](effs)
	if !ok || a.Action != ActionAFI || a.Result != "ok" || a.Tech != techName || !strings.Contains(a.Detail, "5012345678") {
		t.Fatalf("audit %+v", a)
	}
	v := m.View().Maint
	if v.Result.ID != MsgMaintAFISecured || v.Busy != "" {
		t.Fatalf("result %+v busy %q", v.Result, v.Busy)
	}
	if g := v.Tags[1]; !g.Secured || g.AFI != 0x07 {
		t.Fatalf("the inspector still shows %+v", g)
	}

	// A failed write says so, with the error, and is audited as failed.
	m, _ = Step(m, in(InMaintAFI{Secured: false}))
	m, _ = Step(m, in(InMaintConfirm{Yes: true}))
	// The answer comes after the technician left: still audited, with the
	// technician's name.
	m, _ = Step(m, in(InMaintExit{}))
	m, effs = Step(m, EvMaintAFI{UID: uid, ItemID: "5012345678", Tech: techName, Err: errors.New("rfid: tag not in the field")})
	if a, _ := hasEffect[EffAudit](effs); a.Result != "failed" || a.Tech != techName || !strings.Contains(a.Detail, "not in the field") {
		t.Fatalf("audit of a failure after the exit %+v", a)
	}
	m = inspectorModel(t)
	m, _ = Step(m, EvPadItem{Item: setItem()})
	m, _ = Step(m, in(InMaintSelectTag{UID: uid}))
	m, _ = Step(m, in(InMaintAFI{Secured: false}))
	m, _ = Step(m, in(InMaintConfirm{Yes: true}))
	m, effs = Step(m, EvMaintAFI{UID: uid, ItemID: "5012345678", Tech: techName, Err: errors.New("rfid: tag not in the field")})
	if a, _ := hasEffect[EffAudit](effs); a.Result != "failed" || !strings.Contains(a.Detail, "not in the field") {
		t.Fatalf("audit of a failure %+v", a)
	}
	if r := m.View().Maint.Result; r.ID != MsgMaintAFIFailed || r.Data["Error"] != "rfid: tag not in the field" {
		t.Fatalf("result of a failure %+v", r)
	}
	if g := m.View().Maint.Tags[1]; g.Secured || g.AFI != 0xC2 {
		t.Fatal("a failed write changed the inspector")
	}

	// Lifted while the question is open: nothing is written.
	m, _ = Step(m, in(InMaintAFI{Secured: false}))
	m, _ = Step(m, EvPadRemoved{ItemID: "5012345678"})
	m, effs = Step(m, in(InMaintConfirm{Yes: true}))
	if _, ok := hasEffect[EffMaintAFI](effs); ok || m.Maint.Result.ID != MsgMaintAFIGone {
		t.Fatalf("a lifted tag: %v %+v", effs, m.Maint.Result)
	}
	// Outside maintenance mode the inputs do nothing.
	w2 := maintModel(t)
	w2, _ = Step(w2, EvPadItem{Item: setItem()})
	if n, effs := Step(w2, in(InMaintSelectTag{UID: uid})); n.Maint.Selected != "" || len(effs) != 0 {
		t.Fatal("a tag was selected on the welcome screen")
	}
}

// The scanner test reads the kind of id only: the text goes to the
// classifier and is zeroed; the model and the view hold the kind.
func TestMaintScannerTestShowsOnlyTheKind(t *testing.T) {
	m := inspectorModel(t)
	text := []byte(canaryCPR)
	m, effs := Step(m, EvScan{Text: text})
	sc, ok := hasEffect[EffMaintScan](effs)
	if !ok || string(sc.Text) != canaryCPR {
		t.Fatalf("scan effect %v", effs)
	}
	m, effs = Step(m, EvMaintScan{Kind: ScanKindCPR})
	if a, _ := hasEffect[EffAudit](effs); a.Action != "scanner-test" || a.Detail != ScanKindCPR {
		t.Fatalf("audit %+v", a)
	}
	v := m.View()
	if v.Maint.ScanKind != ScanKindCPR {
		t.Fatalf("kind %q", v.Maint.ScanKind)
	}
	for _, l := range findCanary("scanner test view", strings.Join(viewTexts(v), "\n")) {
		t.Error(l)
	}
	// On another page a scan is dropped and zeroed.
	o, _ := Step(m, in(InMaintPage{Page: PageStatus}))
	text = []byte(canaryCPR)
	if _, effs := Step(o, EvScan{Text: text}); len(effs) != 0 || strings.Trim(string(text), "\x00") != "" {
		t.Fatalf("a scan on the status page: %v %q", effs, text)
	}

	kind := ScannerKind(scanner.DefaultRules())
	for in, want := range map[string]string{
		"0101700042": ScanKindCPR, "32100000007": ScanKindCard, "not a card!": ScanKindUnknown, "": ScanKindUnknown,
	} {
		if got := kind([]byte(in)); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

// The runner writes the tag through the TagWriter port and zeroes the
// scanner test's text.
func TestMaintRunnerAFIAndScan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var scanned []byte
		r, _ := maintPortsRig(t, func(p *Ports) {
			p.ScanKind = func(text []byte) string { scanned = text; return ScanKindCard }
		})
		defer r.stop()
		r.k.PadItem(setItem())
		synctest.Wait()
		r.send(InMaintEnter{})
		r.typeCred(techPIN)
		r.send(InMaintPage{Page: PageTests}, InMaintSelectTag{UID: "E004010000000012"}, InMaintAFI{Secured: true}, InMaintConfirm{Yes: true})
		time.Sleep(time.Second)
		synctest.Wait()
		if got := r.tags.get("5012345678"); got != 0x07 || !slices.Equal(r.tags.writes, []string{"5012345678=07"}) {
			t.Fatalf("writes %v", r.tags.writes)
		}
		if v := r.k.View(); v.Maint.Result.ID != MsgMaintAFISecured {
			t.Fatalf("result %+v", v.Maint.Result)
		}
		r.k.Scan([]byte("32100000007"))
		synctest.Wait()
		if v := r.k.View(); v.Maint.ScanKind != ScanKindCard {
			t.Fatalf("kind %q", v.Maint.ScanKind)
		}
		if strings.Trim(string(scanned), "\x00") != "" {
			t.Fatalf("the scan was not zeroed: %q", scanned)
		}
	})
}

// In the demo (no System port) restart and reboot only say what they would
// do; with one, they ask it, and the audit says why the mode ended.
func TestMaintRestartAndRebootThroughSystem(t *testing.T) {
	for _, withSystem := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			sys := &fakeSystem{}
			r, o := maintPortsRig(t, func(p *Ports) {
				if withSystem {
					p.System = sys
				}
			})
			r.send(InMaintEnter{})
			r.typeCred(techPIN)
			r.send(InMaintPage{Page: PageTests}, InMaintAction{Action: ActionRestart})
			synctest.Wait()
			v := r.k.View()
			r.send(InMaintAction{Action: ActionReboot})
			synctest.Wait()
			v2 := r.k.View()
			r.stop()
			if withSystem {
				if sys.calls != "restart reboot " || v.Maint.Result.ID != "maint.result.system_requested" {
					t.Fatalf("system calls %q, result %+v", sys.calls, v.Maint.Result)
				}
			} else if v.Maint.Result.ID != "maint.result.would_restart" || v2.Maint.Result.ID != "maint.result.would_reboot" {
				t.Fatalf("demo results %+v %+v", v.Maint.Result, v2.Maint.Result)
			}
			entries, err := ReadAudit(o.StateDir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				if e.Action == "exit" {
					got = append(got, e.Result)
				}
			}
			if !slices.Equal(got, []string{ActionRestart, ActionReboot}) {
				t.Fatalf("audited exits %v", got)
			}
		})
	}
}

// maintPortsRig is maintRig with the ports changed by mod.
func maintPortsRig(t *testing.T, mod func(*Ports)) (*rig, Options) {
	t.Helper()
	dir := t.TempDir()
	writePINFile(t, dir, techName, techPIN)
	o := runnerOpts(t)
	o.StateDir = dir + "/state"
	o.MaintPINFile = dir + "/maintenance-pin"
	return newRigPorts(t, o, mod), o
}

type fakeSystem struct{ calls string }

func (f *fakeSystem) Restart(context.Context) error { f.calls += "restart "; return nil }
func (f *fakeSystem) Reboot(context.Context) error  { f.calls += "reboot "; return nil }

// The status screen tells an open cover from the paper states, and says
// whether the scanner is plugged in when that can be known.
func TestMaintStatusCoverAndScanner(t *testing.T) {
	line := func(r StatusReport, label string) StatusLine {
		for _, l := range r.Lines() {
			if l.Label == "maint.status."+label {
				return l
			}
		}
		t.Fatalf("no %s line", label)
		return StatusLine{}
	}
	r := StatusReport{Paper: PaperOffline, PrinterState: PrinterCoverOpen}
	if l := line(r, "printer"); l.Level != LevelBad || l.Value.ID != "maint.value.cover_open" || l.Advice.ID != "maint.advice.cover_open" {
		t.Errorf("cover open: %+v", l)
	}
	r = StatusReport{Paper: PaperOffline, PrinterState: "offline"}
	if l := line(r, "printer"); l.Value.ID != "maint.value.printer_offline" {
		t.Errorf("offline: %+v", l)
	}
	r = StatusReport{Paper: PaperNearEnd, PrinterState: "paper-near-end"}
	if l := line(r, "printer"); l.Level != LevelWarn || l.Value.ID != "maint.value.paper_near_end" {
		t.Errorf("near end: %+v", l)
	}
	for _, c := range []struct {
		present, known bool
		level          Level
	}{{true, true, LevelOK}, {false, true, LevelBad}, {false, false, LevelUnknown}} {
		r = StatusReport{ScannerPresent: c.present, ScannerKnown: c.known}
		if l := line(r, "scanner"); l.Level != c.level {
			t.Errorf("scanner present=%v known=%v: %+v", c.present, c.known, l)
		}
	}
}
