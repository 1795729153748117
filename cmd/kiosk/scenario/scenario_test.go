package scenario

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/ui"
)

func TestParse(t *testing.T) {
	src := `# a comment

lang en
tap "No receipt"
wait text "Lent until" 5s
place 3800001126 1,2
shot 01-welcome
`
	steps, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 5 {
		t.Fatalf("got %d steps, want 5", len(steps))
	}
	if s := steps[1]; s.cmd != "tap" || len(s.args) != 1 || s.args[0] != "No receipt" || s.line != 4 {
		t.Errorf("quoted argument: %+v", s)
	}
	if s := steps[2]; s.cmd != "wait" || s.args[1] != "Lent until" || s.args[2] != "5s" {
		t.Errorf("wait: %+v", s)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"jump 3", `line 1: unknown command "jump"`},
		{"lang", "line 1: lang takes 1 to 1 arguments, got 0"},
		{"\n\nwait banana", `line 3: wait "banana"`},
		{`tap "open`, "line 1: unclosed quote"},
		{"wait text", "line 1: wait text needs what to wait for"},
	} {
		_, err := Parse(strings.NewReader(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.src, err, c.want)
		}
	}
}

// fakeScreen is a screen whose presses show what onPress says. Like the
// renderer, it numbers what it shows and keeps the history of screens.
type fakeScreen struct {
	mu      sync.Mutex
	presses []string
	snap    ui.Snapshot
	shown   []ui.Shown
	onPress func(name string, show func(ui.Snapshot))
	renders []kiosk.View
	grow    int // pixels the captured window has grown
}

func newFakeScreen(first ui.Snapshot) *fakeScreen {
	f := &fakeScreen{}
	f.show(first)
	return f
}

// show makes s the current screen. It runs with f.mu held.
func (f *fakeScreen) show(s ui.Snapshot) {
	s.Seq = f.snap.Seq + 1
	f.snap = s
	if n := len(f.shown); n > 0 && f.shown[n-1].Screen == s.Screen {
		f.shown[n-1].Last = s.Seq
		f.shown[n-1].Texts = append(f.shown[n-1].Texts, s.Texts...)
		return
	}
	f.shown = append(f.shown, ui.Shown{First: s.Seq, Last: s.Seq, Screen: s.Screen, Texts: s.Texts})
}

func (f *fakeScreen) Press(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.presses = append(f.presses, name)
	if f.onPress != nil {
		f.onPress(name, f.show)
	}
	return nil
}

func (f *fakeScreen) Snapshot() ui.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeScreen) ShownSince(seq uint64) []ui.Shown {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ui.Shown
	for _, s := range f.shown {
		if s.Last > seq {
			out = append(out, s)
		}
	}
	return out
}

func (f *fakeScreen) Capture() image.Image {
	f.mu.Lock()
	h := 3 + f.grow
	f.mu.Unlock()
	img := image.NewNRGBA(image.Rect(0, 0, 4, h))
	img.Set(1, 1, color.Black)
	return img
}

func (f *fakeScreen) Render(v kiosk.View) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renders = append(f.renders, v)
	f.show(ui.Snapshot{Screen: v.Screen, Lang: v.Lang})
}

type fakeWorld struct {
	log      []string
	receipts [][]byte
	// onReceipts, if set, runs at every Receipts call, as printing goes on
	// while the player waits.
	onReceipts func()
}

func (w *fakeWorld) Scan(card string) error { w.log = append(w.log, "scan "+card); return nil }
func (w *fakeWorld) Place(id string, parts []int) error {
	var ps []string
	for _, n := range parts {
		ps = append(ps, strconv.Itoa(n))
	}
	w.log = append(w.log, "place "+id+" "+strings.Join(ps, ","))
	return nil
}
func (w *fakeWorld) Remove(id string) error  { w.log = append(w.log, "remove "+id); return nil }
func (w *fakeWorld) ClearPad() error         { w.log = append(w.log, "clear"); return nil }
func (w *fakeWorld) SetPaper(s string) error { w.log = append(w.log, "paper "+s); return nil }
func (w *fakeWorld) SetOffline(on bool) error {
	w.log = append(w.log, "offline "+onOff(on))
	return nil
}
func (w *fakeWorld) SetReader(plugged bool) error {
	w.log = append(w.log, "reader "+onOff(plugged))
	return nil
}
func (w *fakeWorld) Receipts() [][]byte {
	if w.onReceipts != nil {
		w.onReceipts()
	}
	return w.receipts
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func TestPlayerDrivesScreenAndWorld(t *testing.T) {
	dir := t.TempDir()
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenWelcome, Texts: []string{"Velkommen"}})
	scr.onPress = func(name string, show func(ui.Snapshot)) {
		if name == "ui.button.borrow" {
			show(ui.Snapshot{Screen: kiosk.ScreenIdentify, Texts: []string{"Scan dit kort"}})
		}
	}
	w := &fakeWorld{receipts: [][]byte{[]byte("png1"), []byte("png2")}}
	src := `wait screen welcome
expect text Velkommen
tap ui.button.borrow
wait screen identify 2s
key 1234
scan 0101700001
place 3800001126 1,3
remove 3800001126
paper out
offline on
reader unplug
shot 01-identify
view out-of-order en
wait receipt 1s
`
	steps, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	p := &Player{Screen: scr, World: w, Dir: dir, Settle: time.Millisecond}
	if err := p.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	wantPresses := []string{"ui.button.borrow", "key:1", "key:2", "key:3", "key:4"}
	if strings.Join(scr.presses, " ") != strings.Join(wantPresses, " ") {
		t.Errorf("presses %q, want %q", scr.presses, wantPresses)
	}
	wantWorld := "scan 0101700001|place 3800001126 1,3|remove 3800001126|paper out|offline on|reader off"
	if got := strings.Join(w.log, "|"); got != wantWorld {
		t.Errorf("world got %q, want %q", got, wantWorld)
	}
	if len(scr.renders) != 1 || scr.renders[0].Screen != kiosk.ScreenOutOfOrder || scr.renders[0].Lang != "en" {
		t.Errorf("view rendered %+v", scr.renders)
	}
	for _, f := range []string{"01-identify.png", "receipt-01.png", "receipt-02.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
}

func TestPlayerReportsFailures(t *testing.T) {
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenWelcome, Texts: []string{"Velkommen"}})
	w := &fakeWorld{receipts: [][]byte{[]byte("png")}}
	for _, c := range []struct{ src, want string }{
		{"wait screen loan 100ms", "scenario line 1 (wait): timed out after 100ms on the welcome screen"},
		{"expect text Goodbye", `no text "Goodbye" on the welcome screen`},
		{"expect notext Velkommen", `text "Velkommen" is on the welcome screen`},
		{"view nosuch", `no sample view "nosuch"`},
	} {
		steps, err := Parse(strings.NewReader(c.src))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		err = (&Player{Screen: scr, World: w, Dir: dir, Timeout: 50 * time.Millisecond}).Run(context.Background(), steps)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
		// Receipts are saved even when the scenario fails.
		if _, err := os.Stat(filepath.Join(dir, "receipt-01.png")); err != nil {
			t.Errorf("%q: receipt not saved after a failure: %v", c.src, err)
		}
	}
}

// goodbyeThenWelcome is a screen on which "ui.button.no_receipt" shows the
// goodbye screen and, before the player can look, the welcome screen: the
// goodbye screen of a loaded machine, gone before the wait polls.
func goodbyeThenWelcome() *fakeScreen {
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenReceipt, Texts: []string{"Kvittering"}})
	scr.onPress = func(name string, show func(ui.Snapshot)) {
		switch name {
		case "ui.button.no_receipt":
			show(ui.Snapshot{Screen: kiosk.ScreenGoodbye, Texts: []string{"Tak for besøget"}})
			show(ui.Snapshot{Screen: kiosk.ScreenWelcome, Texts: []string{"Velkommen"}})
		case "ui.button.return":
			show(ui.Snapshot{Screen: kiosk.ScreenReturn, Texts: []string{"Aflevér"}})
		}
	}
	return scr
}

func run(t *testing.T, scr Screen, timeout time.Duration, src string) error {
	t.Helper()
	steps, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	p := &Player{Screen: scr, World: &fakeWorld{}, Dir: t.TempDir(), Timeout: timeout, Settle: time.Millisecond}
	return p.Run(context.Background(), steps)
}

// TestWaitSeesAScreenShownAndGone: a screen that came and went after the
// previous command began satisfies "wait screen" and "wait text", without
// waiting for the timeout.
func TestWaitSeesAScreenShownAndGone(t *testing.T) {
	for _, src := range []string{
		"tap ui.button.no_receipt\nwait screen goodbye",
		"tap ui.button.no_receipt\nwait text \"Tak for besøget\"",
	} {
		scr := goodbyeThenWelcome()
		start := time.Now()
		if err := run(t, scr, 5*time.Second, src); err != nil {
			t.Errorf("%q: %v", src, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%q: the wait took %v instead of seeing the screen already shown", src, d)
		}
		if s := scr.Snapshot(); s.Screen != kiosk.ScreenWelcome {
			t.Fatalf("the fake shows %s; the test needs the goodbye screen gone", s.Screen)
		}
	}
}

// TestWaitSeesGoodbyeDuringReceiptWait is the walkthrough's case: the
// goodbye screen comes and goes while the player waits for the receipt, the
// command before "wait screen goodbye".
func TestWaitSeesGoodbyeDuringReceiptWait(t *testing.T) {
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenReceipt})
	w := &fakeWorld{}
	w.onReceipts = func() {
		scr.mu.Lock()
		defer scr.mu.Unlock()
		scr.show(ui.Snapshot{Screen: kiosk.ScreenGoodbye, Texts: []string{"Tak for besøget"}})
		scr.show(ui.Snapshot{Screen: kiosk.ScreenWelcome, Texts: []string{"Velkommen"}})
		w.receipts = [][]byte{[]byte("png")}
	}
	steps, err := Parse(strings.NewReader("tap ui.button.print\nwait receipt\nwait screen goodbye\nexpect screen welcome"))
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	p := &Player{Screen: scr, World: w, Dir: t.TempDir(), Timeout: 5 * time.Second,
		Log: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }}
	start := time.Now()
	if err := p.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the wait took %v instead of seeing the goodbye screen already shown", d)
	}
	// The log says that the screen was gone, since a shot right after the
	// wait shows the next screen.
	if !slices.ContainsFunc(logged, func(l string) bool { return strings.Contains(l, "the goodbye screen was shown") }) {
		t.Errorf("no log line about the screen already gone in %q", logged)
	}
}

// TestWaitIgnoresScreensOfEarlierSteps: only what was shown since the
// previous command began counts; a goodbye screen two commands back belongs
// to an earlier step and must not satisfy the wait.
func TestWaitIgnoresScreensOfEarlierSteps(t *testing.T) {
	scr := goodbyeThenWelcome()
	err := run(t, scr, 200*time.Millisecond, "tap ui.button.no_receipt\ntap ui.button.return\nwait screen goodbye")
	want := "scenario line 3 (wait): timed out after 200ms on the return screen (shown since the previous command: return;"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

// TestWaitTimeoutIsAtLeastTheDefault: a timeout in the scenario lengthens a
// wait but never shortens it below the player's default, so a longer
// default (--wait) helps every wait of a loaded machine.
func TestWaitTimeoutIsAtLeastTheDefault(t *testing.T) {
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenWelcome})
	for _, c := range []struct {
		src  string
		want string
	}{
		{"wait screen loan 10ms", "timed out after 150ms"},
		{"wait screen loan 300ms", "timed out after 300ms"},
	} {
		start := time.Now()
		err := run(t, scr, 150*time.Millisecond, c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
		if d := time.Since(start); d < 140*time.Millisecond {
			t.Errorf("%q gave up after %v", c.src, d)
		}
	}
}

// idleScreen reports busy, then items still registering, then done, one
// step per Snapshot call.
type idleScreen struct {
	fakeScreen
	calls int
}

func (s *idleScreen) Snapshot() ui.Snapshot {
	s.calls++
	snap := ui.Snapshot{Screen: kiosk.ScreenLoan, Busy: s.calls < 3, Working: s.calls < 6}
	return snap
}

// TestWaitIdleWaitsForItems: "wait idle" holds while rows are still being
// read or registered, not only while the core says it is busy.
func TestWaitIdleWaitsForItems(t *testing.T) {
	scr := &idleScreen{}
	if err := run(t, scr, 5*time.Second, "wait idle"); err != nil {
		t.Fatal(err)
	}
	// The player takes one snapshot to mark the command's start; the wait
	// must then poll until the sixth, the first without working rows.
	if scr.calls != 6 {
		t.Errorf("wait idle returned after %d snapshots, want 6", scr.calls)
	}

	stuck := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenLoan, Working: true})
	if err := run(t, stuck, 100*time.Millisecond, "wait idle"); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("wait idle with a row still registering: error %v, want a timeout", err)
	}
}

// TestBundledWalkthroughParses keeps demo/walkthrough.txt valid.
func TestBundledWalkthroughParses(t *testing.T) {
	f, err := os.Open("../../../demo/walkthrough.txt")
	if err != nil {
		t.Skip("walkthrough not found:", err)
	}
	defer f.Close()
	steps, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	shots := 0
	for _, s := range steps {
		if s.cmd == "shot" {
			shots++
		}
		if s.cmd == "view" {
			found := false
			lang := "da"
			if len(s.args) == 2 {
				lang = s.args[1]
			}
			for _, smp := range ui.Samples(lang) {
				found = found || smp.Name == s.args[0]
			}
			if !found {
				t.Errorf("line %d: no sample view %q", s.line, s.args[0])
			}
		}
	}
	if shots < 20 {
		t.Errorf("the walkthrough takes only %d screenshots", shots)
	}
}

// wait items waits for as many rows as items were placed, none of them
// pending; wait button for a button to appear; both time out otherwise.
func TestWaitItemsAndButton(t *testing.T) {
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenLoan, Items: 1, Working: true})
	go func() {
		time.Sleep(30 * time.Millisecond)
		scr.mu.Lock()
		scr.show(ui.Snapshot{Screen: kiosk.ScreenLoan, Items: 2, Working: true})
		scr.mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		scr.mu.Lock()
		scr.show(ui.Snapshot{Screen: kiosk.ScreenLoan, Items: 2, Buttons: []string{"ui.button.finish"}})
		scr.mu.Unlock()
	}()
	steps, err := Parse(strings.NewReader("wait items 2 2s\nwait button ui.button.finish\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Player{Screen: scr, World: &fakeWorld{}, Dir: t.TempDir(), Timeout: time.Second}
	start := time.Now()
	if err := p.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("wait items returned before the second row was done")
	}
	steps, _ = Parse(strings.NewReader("wait items 3\n"))
	p = &Player{Screen: scr, World: &fakeWorld{}, Dir: t.TempDir(), Timeout: 100 * time.Millisecond}
	if err := p.Run(context.Background(), steps); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("three rows never came: %v", err)
	}
	for _, bad := range []string{"wait items many", "wait button", "wait idle 1s 2s"} {
		if _, err := Parse(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// memstats appends one row per sample under a header, and fails without a
// sampler (the production kiosk has none).
func TestMemstats(t *testing.T) {
	dir := t.TempDir()
	n := 0
	p := &Player{Screen: newFakeScreen(ui.Snapshot{}), World: &fakeWorld{}, Dir: dir,
		Stats: func() Sample { n++; return Sample{RSS: uint64(100 * n), HeapAfterGC: 7, Goroutines: 3, Threads: 2} }}
	steps, _ := Parse(strings.NewReader("memstats 0\nmemstats 50\n"))
	if err := p.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, StatsFile))
	if err != nil {
		t.Fatal(err)
	}
	want := StatsHeader + "\n0\t100\t7\t3\t2\n50\t200\t7\t3\t2\n"
	if string(got) != want {
		t.Fatalf("memstats file:\n%q\nwant\n%q", got, want)
	}
	p.Stats = nil
	if err := p.Run(context.Background(), steps); err == nil || !strings.Contains(err.Error(), "without a process sampler") {
		t.Fatalf("no sampler: %v", err)
	}
}

// bench keys presses a digit and a backspace per round and reports the
// percentiles of the time until the dot shows.
func TestBenchKeys(t *testing.T) {
	dir := t.TempDir()
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenPIN})
	scr.onPress = func(name string, show func(ui.Snapshot)) {
		s := ui.Snapshot{Screen: kiosk.ScreenPIN}
		if name == "key:1" {
			s.Masked = 1
		}
		show(s)
	}
	p := &Player{Screen: scr, World: &fakeWorld{}, Dir: dir, Timeout: time.Second}
	steps, _ := Parse(strings.NewReader("bench keys 5\n"))
	if err := p.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, BenchFile))
	if !strings.HasPrefix(string(got), "key_to_render_ms_p50=") || !strings.Contains(string(got), "presses=5") {
		t.Fatalf("bench file: %q", got)
	}
	if len(scr.presses) != 10 || scr.presses[0] != "key:1" || scr.presses[1] != "ui.button.backspace" {
		t.Fatalf("presses: %v", scr.presses)
	}
	if d := pct([]time.Duration{5, 1, 4, 2, 3}, 50); d != 3e-6 {
		t.Fatalf("median of 1..5 ns = %v ms", d)
	}
	// Not on the PIN screen: a clear error.
	p.Screen = newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenWelcome})
	if err := p.Run(context.Background(), steps); err == nil || !strings.Contains(err.Error(), "want pin") {
		t.Fatalf("bench keys on welcome: %v", err)
	}
}

// heapprofile writes a heap profile pprof can read (gzip-compressed).
func TestHeapProfile(t *testing.T) {
	dir := t.TempDir()
	p := &Player{Screen: newFakeScreen(ui.Snapshot{}), World: &fakeWorld{}, Dir: dir}
	steps, _ := Parse(strings.NewReader("heapprofile at-50\n"))
	if err := p.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "at-50.pprof"))
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("profile: %d bytes, err %v", len(b), err)
	}
}

// TestPlayerLogsNoPINOrCard: the log of a played scenario names key and
// scan steps but not their arguments, a PIN and a card number.
func TestPlayerLogsNoPINOrCard(t *testing.T) {
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenPIN})
	steps, err := Parse(strings.NewReader("scan 0101700001\nkey 8362\nwait screen pin\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	p := &Player{Screen: scr, World: &fakeWorld{}, Dir: t.TempDir(), Settle: time.Millisecond,
		Log: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }}
	if err := p.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(logged, "\n")
	for _, secret := range []string{"8362", "0101700001", "010170"} {
		if strings.Contains(all, secret) {
			t.Errorf("log holds %q:\n%s", secret, all)
		}
	}
	for _, want := range []string{"scenario line 1: scan", "scenario line 2: key", "scenario line 3: wait screen pin"} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %q:\n%s", want, all)
		}
	}
}

// TestShotFailsNamingWhatIsMissing: a shot whose screen never shows what it
// promises fails the scenario with the shot's name and what was missing,
// and writes no picture.
func TestShotFailsNamingWhatIsMissing(t *testing.T) {
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenPIN, Texts: []string{"Tast din PIN-kode"}})
	dir := t.TempDir()
	steps, err := Parse(strings.NewReader(`shot 12-da-pin-wrong screen pin text "Forkert PIN"`))
	if err != nil {
		t.Fatal(err)
	}
	p := &Player{Screen: scr, World: &fakeWorld{}, Dir: dir, Timeout: 100 * time.Millisecond, Settle: time.Millisecond}
	err = p.Run(context.Background(), steps)
	for _, want := range []string{"scenario line 1 (shot)", "shot 12-da-pin-wrong", `the screen did not show the text "Forkert PIN" within 100ms`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "show the pin screen") {
		t.Errorf("error %v lists the screen as missing although it is shown", err)
	}
	if _, serr := os.Stat(filepath.Join(dir, "12-da-pin-wrong.png")); serr == nil {
		t.Error("the failed shot still wrote its picture")
	}
}

// TestShotFailsWhenTheWindowGrew: a screenshot of another size than the
// first means a screen needed more room than the display; the demo fails
// naming the shot instead of writing a taller picture.
func TestShotFailsWhenTheWindowGrew(t *testing.T) {
	scr := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenPIN, Texts: []string{"Tast din PIN-kode"}})
	dir := t.TempDir()
	steps, err := Parse(strings.NewReader("shot 01-first screen pin text \"Tast din PIN-kode\"\nshot 02-taller screen pin text \"Tast din PIN-kode\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Player{Screen: scr, World: &fakeWorld{}, Dir: dir, Timeout: time.Second, Settle: time.Millisecond}
	p.Log = func(format string, args ...any) {
		// The window grows once the first shot is written.
		if _, err := os.Stat(filepath.Join(dir, "01-first.png")); err == nil {
			scr.mu.Lock()
			scr.grow = 19
			scr.mu.Unlock()
		}
	}
	err = p.Run(context.Background(), steps)
	for _, want := range []string{"shot 02-taller", "the window is 4x22, the first shot's was 4x3"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
	if _, serr := os.Stat(filepath.Join(dir, "02-taller.png")); serr == nil {
		t.Error("the taller shot still wrote its picture")
	}
}

// pendingScreen shows the wrong-PIN message only after a few polls, and
// something pending (busy, then a row registering) before that: the loaded
// machine on which "wait idle" returned too early.
type pendingScreen struct {
	fakeScreen
	calls int
}

func (s *pendingScreen) Snapshot() ui.Snapshot {
	s.calls++
	snap := ui.Snapshot{Seq: uint64(s.calls), Screen: kiosk.ScreenPIN, Texts: []string{"Tast din PIN-kode"}}
	switch {
	case s.calls < 4:
	case s.calls < 8:
		snap.Busy = true
	case s.calls < 12:
		snap.Texts = append(snap.Texts, "Forkert PIN")
		snap.Working = true
	default:
		snap.Texts = append(snap.Texts, "Forkert PIN")
	}
	return snap
}

// TestShotWaitsForItsExpectations: the picture is taken only once the
// screen shows the shot's text with nothing pending, not at the first poll.
func TestShotWaitsForItsExpectations(t *testing.T) {
	scr := &pendingScreen{}
	dir := t.TempDir()
	steps, err := Parse(strings.NewReader(`shot wrong screen pin text "Forkert PIN" notext "Registrerer"`))
	if err != nil {
		t.Fatal(err)
	}
	p := &Player{Screen: scr, World: &fakeWorld{}, Dir: dir, Timeout: 5 * time.Second, Settle: time.Millisecond}
	if err := p.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	if scr.calls < 12 {
		t.Errorf("the shot was taken after %d snapshots, before the text was there with nothing pending (12)", scr.calls)
	}
	if _, err := os.Stat(filepath.Join(dir, "wrong.png")); err != nil {
		t.Errorf("no picture: %v", err)
	}

	// busy lets a shot show something pending on purpose.
	busy := newFakeScreen(ui.Snapshot{Screen: kiosk.ScreenLoan, Busy: true})
	if err := run(t, busy, 100*time.Millisecond, "shot spinner screen loan busy"); err != nil {
		t.Errorf("a busy shot of a busy screen: %v", err)
	}
	if err := run(t, busy, 100*time.Millisecond, "shot spinner screen loan"); err == nil || !strings.Contains(err.Error(), "nothing pending") {
		t.Errorf("a shot of a busy screen: error %v, want it to miss nothing pending", err)
	}
}

func TestShotExpectationParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"shot a text", "shot a: text needs an argument"},
		{"shot a banana", `shot a: "banana": expect screen NAME`},
		{"shot a within 5s", "busy and within need an expectation"},
		{"shot a screen pin within soon", "within: "},
	} {
		_, err := Parse(strings.NewReader(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.src, err, c.want)
		}
	}
}

// TestWalkthroughShotsPromiseTheirContent: every shot of the bundled
// walkthrough names its screen and at least one text, so that make demo
// fails rather than writing a picture of something else.
func TestWalkthroughShotsPromiseTheirContent(t *testing.T) {
	f, err := os.Open("../../../demo/walkthrough.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.cmd != "shot" {
			continue
		}
		exps, _, _ := parseExpectations(s.args[1:])
		kinds := map[string]bool{}
		for _, e := range exps {
			kinds[e.kind] = true
		}
		if !kinds["screen"] || !kinds["text"] {
			t.Errorf("line %d: shot %s expects %v; every shot needs a screen and a text", s.line, s.args[0], exps)
		}
	}
}

// leavingScreen shows the loan screen without one of the shot's texts for
// a few polls and then, the session timed out, the welcome screen.
type leavingScreen struct {
	fakeScreen
	calls int
}

func (s *leavingScreen) Snapshot() ui.Snapshot {
	s.calls++
	if s.calls < 3 {
		return ui.Snapshot{Seq: 1, Screen: kiosk.ScreenLoan, Texts: []string{"Ternet Ninja", "Item 3800001098"}}
	}
	return ui.Snapshot{Seq: 2, Screen: kiosk.ScreenWelcome, Texts: []string{"Welcome to the library"}}
}

// TestShotFailureNamesTheClosestScreen: when the screen moved on while the
// shot waited, the error also says what the screen it was meant for lacked.
func TestShotFailureNamesTheClosestScreen(t *testing.T) {
	err := run(t, &leavingScreen{}, 100*time.Millisecond, `shot 24-en-loan screen loan text "Ternet Ninja" text "Matador"`)
	want := `closest was the loan screen, without the text "Matador"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want it to contain %q", err, want)
	}
}
