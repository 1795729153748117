package kioskdemo

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/sip2/acs"
)

// demoPatron is a synthetic patron of the demo library with PIN 1234 and
// nothing that blocks loans.
const demoPatron = "0101700001"

// start runs a demo with the options `kiosk --demo` starts from, so the
// tests see the same pad timing and health intervals as the demo, and stops
// it when the test ends.
func start(t *testing.T) *Demo {
	t.Helper()
	d, err := Start(context.Background(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// waitView polls the core's view until cond holds; the demo is asynchronous
// end to end (TCP to the ACS, the pad's modelled air time, the printer).
func waitView(t *testing.T, d *Demo, what string, cond func(kiosk.View) bool) kiosk.View {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := d.Kiosk.View()
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last view: screen %v, mode %v, state %s, items %+v",
				what, v.Screen, v.Mode, v.State, v.Items)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logIn takes the demo patron from the welcome screen to the loan screen.
func logIn(t *testing.T, d *Demo) {
	t.Helper()
	waitView(t, d, "welcome", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenWelcome })
	d.Kiosk.Send(kiosk.InChoose{Screen: kiosk.ScreenLoan})
	if err := d.Scan(demoPatron); err != nil {
		t.Fatal(err)
	}
	waitView(t, d, "pin", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenPIN })
	for _, c := range "1234" {
		d.Kiosk.Send(kiosk.InKey{Key: c})
	}
	waitView(t, d, "loan screen", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenLoan })
}

// item finds the view of one item.
func item(v kiosk.View, id string) (kiosk.ItemView, bool) {
	i := slices.IndexFunc(v.Items, func(it kiosk.ItemView) bool { return it.ItemID == id })
	if i < 0 {
		return kiosk.ItemView{}, false
	}
	return v.Items[i], true
}

// TestLoanAndReceipt lends a demo item through the whole wiring (pad, FEIG
// driver, watcher, core, SIP2 pool, ACS) and prints the receipt on the
// virtual printer.
func TestLoanAndReceipt(t *testing.T) {
	t.Parallel()
	d := start(t)
	logIn(t, d)
	avail := d.Available(1)
	if len(avail) != 1 {
		t.Fatal("the demo library has no item a patron can borrow")
	}
	id := avail[0].ID
	if err := d.Place(id, nil); err != nil {
		t.Fatal(err)
	}
	if got := d.OnPad(); !slices.Equal(got, []string{id}) {
		t.Fatalf("OnPad = %v, want [%s]", got, id)
	}
	v := waitView(t, d, "item lent", func(v kiosk.View) bool {
		it, ok := item(v, id)
		return ok && (it.State == kiosk.ItemDone || it.State == kiosk.ItemRefused || it.State == kiosk.ItemSeeStaff)
	})
	it, _ := item(v, id)
	if it.State != kiosk.ItemDone {
		t.Fatalf("item %s: state %v (%+v), want done", id, it.State, it.Reason)
	}
	if !it.Due.After(d.Library.Now()) {
		t.Errorf("item %s lent with due date %v, want after %v", id, it.Due, d.Library.Now())
	}
	if !slices.ContainsFunc(d.Library.Loans(), func(l acs.Loan) bool { return l.Item == id }) {
		t.Errorf("the library system has no loan of %s", id)
	}
	if n := len(d.Receipts()); n != 0 {
		t.Fatalf("%d receipts before anything was printed", n)
	}

	d.Kiosk.Send(kiosk.InFinish{})
	waitView(t, d, "receipt screen", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenReceipt })
	d.Kiosk.Send(kiosk.InReceipt{Choice: "print"})
	deadline := time.Now().Add(20 * time.Second)
	for len(d.Receipts()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no receipt printed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	rs := d.Receipts()
	if len(rs) != 1 {
		t.Fatalf("%d receipts, want 1", len(rs))
	}
	img, err := png.Decode(bytes.NewReader(rs[0]))
	if err != nil {
		t.Fatalf("receipt is not a PNG: %v", err)
	}
	if w := img.Bounds().Dx(); w != DefaultOptions().Receipt.Dots() {
		t.Errorf("receipt is %d dots wide, want the layout's %d", w, DefaultOptions().Receipt.Dots())
	}
	waitView(t, d, "goodbye", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenGoodbye })
}

// TestPlaceParts checks how the parts of a set reach the pad: a part alone
// leaves the set incomplete, placing the rest completes it without putting
// a second copy of a part on the pad, and bad requests are refused.
func TestPlaceParts(t *testing.T) {
	t.Parallel()
	d := start(t)
	var changes atomic.Int32
	d.OnChange(func() { changes.Add(1) })

	home := d.Library.Institution().ID
	onLoan := map[string]bool{}
	for _, l := range d.Library.Loans() {
		onLoan[l.Item] = true
	}
	var set acs.Item
	for _, it := range d.Library.Items() {
		if it.Parts == 3 && !onLoan[it.ID] && !it.NotLoanable && len(it.Holds) == 0 && it.AgeLimit == 0 &&
			(it.Owner == "" || it.Owner == home) {
			set = it
			break
		}
	}
	if set.ID == "" {
		t.Fatal("the demo library has no 3-part set a patron can borrow")
	}

	logIn(t, d)
	if err := d.Place(set.ID, []int{1}); err != nil {
		t.Fatal(err)
	}
	v := waitView(t, d, "incomplete set", func(v kiosk.View) bool {
		it, ok := item(v, set.ID)
		return ok && it.State == kiosk.ItemIncomplete
	})
	if it, _ := item(v, set.ID); !slices.Equal(it.MissingParts, []int{2, 3}) {
		t.Errorf("missing parts %v, want [2 3]", it.MissingParts)
	}
	if got := changes.Load(); got != 1 {
		t.Errorf("%d change notifications after one Place, want 1", got)
	}

	// Part 1 is asked for again, as the panel's Place button does: it must
	// not get a second tag.
	if err := d.Place(set.ID, nil); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	var parts []int
	for _, tag := range d.placed[set.ID] {
		parts = append(parts, partOf(tag))
	}
	d.mu.Unlock()
	slices.Sort(parts)
	if !slices.Equal(parts, []int{1, 2, 3}) {
		t.Errorf("parts on the pad %v, want [1 2 3]", parts)
	}
	waitView(t, d, "set lent", func(v kiosk.View) bool {
		it, ok := item(v, set.ID)
		return ok && it.State == kiosk.ItemDone && !it.Due.IsZero()
	})

	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"unknown item", d.Place("no-such-item", nil), "no demo item"},
		{"part out of range", d.Place(set.ID, []int{4}), "parts 1 to 3, not 4"},
		{"remove what is not there", d.Remove("no-such-item"), "not on the pad"},
	} {
		if tc.err == nil || !strings.HasPrefix(tc.err.Error(), "kioskdemo: ") || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want kioskdemo: …%s", tc.name, tc.err, tc.want)
		}
	}

	if err := d.Remove(set.ID); err != nil {
		t.Fatal(err)
	}
	if got := d.OnPad(); len(got) != 0 {
		t.Errorf("OnPad after Remove = %v, want empty", got)
	}
	if err := d.Remove(set.ID); err == nil {
		t.Error("removing an item twice succeeded")
	}
	if err := d.Place(set.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.ClearPad(); err != nil {
		t.Fatal(err)
	}
	if got := d.OnPad(); len(got) != 0 {
		t.Errorf("OnPad after ClearPad = %v, want empty", got)
	}
}

// TestFaults switches the simulated faults and checks that the kiosk's mode
// follows each one and comes back, as the walkthrough's fault screenshots
// rely on.
func TestFaults(t *testing.T) {
	t.Parallel()
	d := start(t)
	var changes atomic.Int32
	d.OnChange(func() { changes.Add(1) })
	normal := func(what string) {
		t.Helper()
		waitView(t, d, what, func(v kiosk.View) bool { return v.Screen == kiosk.ScreenWelcome && v.Mode == kiosk.ModeNormal })
	}
	normal("normal mode at start")

	if err := d.SetPaper("out"); err != nil {
		t.Fatal(err)
	}
	v := waitView(t, d, "no-receipt mode", func(v kiosk.View) bool { return v.Mode == kiosk.ModeNoReceipt })
	if v.Paper != kiosk.PaperOut {
		t.Errorf("paper %q in no-receipt mode, want %q", v.Paper, kiosk.PaperOut)
	}
	if err := d.SetPaper("ok"); err != nil {
		t.Fatal(err)
	}
	normal("normal mode after paper ok")
	if err := d.SetPaper("empty"); err == nil || !strings.HasPrefix(err.Error(), "kioskdemo: ") {
		t.Errorf("SetPaper(empty): error %v, want a kioskdemo error", err)
	}

	if err := d.SetOffline(true); err != nil {
		t.Fatal(err)
	}
	waitView(t, d, "returns-only mode", func(v kiosk.View) bool { return v.Mode == kiosk.ModeReturnsOnly })
	if err := d.SetOffline(false); err != nil {
		t.Fatal(err)
	}
	normal("normal mode after online")

	if err := d.SetReader(false); err != nil {
		t.Fatal(err)
	}
	waitView(t, d, "out of order", func(v kiosk.View) bool {
		return v.Screen == kiosk.ScreenOutOfOrder && v.Mode == kiosk.ModeOutOfOrder
	})
	if err := d.SetReader(true); err != nil {
		t.Fatal(err)
	}
	normal("normal mode after replug")

	// Every successful switch tells the panel; the refused paper state does
	// not, since nothing changed.
	if got := changes.Load(); got != 6 {
		t.Errorf("%d change notifications, want 6", got)
	}
}

// TestStateDir checks that the demo forgets its journal and offline queue
// at Close when it chose the directory, and leaves a caller's alone.
func TestStateDir(t *testing.T) {
	t.Parallel()
	d, err := Start(context.Background(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	tmp := d.stateDir
	if tmp == "" {
		t.Fatal("no temporary state directory")
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("state directory %s still there after Close (%v)", tmp, err)
	}

	o := DefaultOptions()
	o.Kiosk.StateDir = t.TempDir()
	d, err = Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(o.Kiosk.StateDir); err != nil {
		t.Errorf("the caller's state directory is gone: %v", err)
	}
}

// A lent item lifted off the pad and placed again is the same physical tag:
// the same UID, and the security bit the kiosk wrote (unsecured for a
// loan), not a fresh secured tag with a new UID.
func TestLiftedTagsComeBack(t *testing.T) {
	t.Parallel()
	d := start(t)
	logIn(t, d)
	id := d.Available(1)[0].ID
	if err := d.Place(id, nil); err != nil {
		t.Fatal(err)
	}
	waitView(t, d, "item lent", func(v kiosk.View) bool {
		it, ok := item(v, id)
		return ok && it.State == kiosk.ItemDone
	})
	before := d.pad.Tags()
	if len(before) != 1 || before[0].AFI == rfidtest.AFISecured {
		t.Fatalf("after the loan the pad holds %+v, want one unsecured tag", before)
	}
	if err := d.ClearPad(); err != nil {
		t.Fatal(err)
	}
	if n := len(d.pad.Tags()); n != 0 {
		t.Fatalf("%d tags on the pad after ClearPad", n)
	}
	if err := d.Place(id, nil); err != nil {
		t.Fatal(err)
	}
	after := d.pad.Tags()
	if len(after) != 1 || after[0].UID != before[0].UID || after[0].AFI != before[0].AFI {
		t.Fatalf("placed again: %+v, want UID %s and AFI %#x", after, before[0].UID, before[0].AFI)
	}
	if err := d.Remove(id); err != nil {
		t.Fatal(err)
	}
	if err := d.Place(id, nil); err != nil {
		t.Fatal(err)
	}
	if again := d.pad.Tags(); len(again) != 1 || again[0].UID != before[0].UID {
		t.Fatalf("after Remove and Place: %+v", again)
	}
	if err := d.Remove("3800000958"); err == nil {
		t.Fatal("removing an item that is not on the pad gave no error")
	}
}
