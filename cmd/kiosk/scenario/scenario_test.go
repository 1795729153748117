package scenario

import (
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
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

// fakeScreen shows a scripted sequence of snapshots: each Snapshot call
// after a press advances to the next one.
type fakeScreen struct {
	mu      sync.Mutex
	presses []string
	snap    ui.Snapshot
	onPress func(name string, s *ui.Snapshot)
	renders []kiosk.View
}

func (f *fakeScreen) Press(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.presses = append(f.presses, name)
	if f.onPress != nil {
		f.onPress(name, &f.snap)
	}
	return nil
}

func (f *fakeScreen) Snapshot() ui.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeScreen) Capture() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.Black)
	return img
}

func (f *fakeScreen) Render(v kiosk.View) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renders = append(f.renders, v)
	f.snap = ui.Snapshot{Screen: v.Screen, Lang: v.Lang}
}

type fakeWorld struct {
	log      []string
	receipts [][]byte
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
func (w *fakeWorld) Receipts() [][]byte { return w.receipts }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func TestPlayerDrivesScreenAndWorld(t *testing.T) {
	dir := t.TempDir()
	scr := &fakeScreen{snap: ui.Snapshot{Screen: kiosk.ScreenWelcome, Texts: []string{"Velkommen"}}}
	scr.onPress = func(name string, s *ui.Snapshot) {
		if name == "ui.button.borrow" {
			*s = ui.Snapshot{Screen: kiosk.ScreenIdentify, Texts: []string{"Scan dit kort"}}
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
	scr := &fakeScreen{snap: ui.Snapshot{Screen: kiosk.ScreenWelcome, Texts: []string{"Velkommen"}}}
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
		err = (&Player{Screen: scr, World: w, Dir: dir}).Run(context.Background(), steps)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
		// Receipts are saved even when the scenario fails.
		if _, err := os.Stat(filepath.Join(dir, "receipt-01.png")); err != nil {
			t.Errorf("%q: receipt not saved after a failure: %v", c.src, err)
		}
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
