// Package scenario plays demo scenarios: a small line-based script
// (docs/scenario.md) that drives the kiosk like a patron and a technician
// would, waits for what the screen shows, and writes screenshots and receipt
// images. It talks to the screen and to the simulated world through two
// small interfaces, so it is tested without Fyne's GL driver.
package scenario

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/danbib/kiosk/internal/ctxsleep"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/ui"
)

// Step is one command of a scenario.
type Step struct {
	line int
	cmd  string
	args []string
}

// Parse reads a scenario. Blank lines and lines starting with # are
// skipped; arguments are separated by spaces, and "double quotes" keep
// spaces inside one argument.
func Parse(r io.Reader) ([]Step, error) {
	var steps []Step
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields, err := splitArgs(text)
		if err != nil {
			return nil, fmt.Errorf("scenario line %d: %w", n, err)
		}
		st := Step{line: n, cmd: fields[0], args: fields[1:]}
		if err := checkStep(st); err != nil {
			return nil, fmt.Errorf("scenario line %d: %w", n, err)
		}
		steps = append(steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return steps, nil
}

func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			have = true
		case unicode.IsSpace(r) && !inQuote:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if inQuote {
		return nil, errors.New("unclosed quote")
	}
	if have {
		out = append(out, cur.String())
	}
	return out, nil
}

// argCounts gives the allowed number of arguments of each command.
var argCounts = map[string][2]int{
	"lang": {1, 1}, "tap": {1, 1}, "tapif": {1, 1}, "key": {1, 1}, "scan": {1, 1},
	"place": {1, 2}, "remove": {1, 1}, "clear": {0, 0},
	"wait": {1, 3}, "sleep": {1, 1}, "shot": {1, 64},
	"paper": {1, 1}, "offline": {1, 1}, "reader": {1, 1},
	"view": {1, 2}, "receipts": {0, 0}, "expect": {2, 2},
	"memstats": {1, 1}, "bench": {1, 3}, "heapprofile": {1, 1},
}

func checkStep(s Step) error {
	n, ok := argCounts[s.cmd]
	if !ok {
		return fmt.Errorf("unknown command %q", s.cmd)
	}
	if len(s.args) < n[0] || len(s.args) > n[1] {
		return fmt.Errorf("%s takes %d to %d arguments, got %d", s.cmd, n[0], n[1], len(s.args))
	}
	if s.cmd == "shot" {
		if _, _, err := parseExpectations(s.args[1:]); err != nil {
			return fmt.Errorf("shot %s: %w", s.args[0], err)
		}
	}
	if s.cmd == "wait" {
		switch s.args[0] {
		case "screen", "text", "button", "items":
			if len(s.args) < 2 {
				return fmt.Errorf("wait %s needs what to wait for", s.args[0])
			}
		case "idle", "receipt":
			if len(s.args) > 2 {
				return fmt.Errorf("wait %s takes at most a timeout", s.args[0])
			}
		default:
			return fmt.Errorf("wait %q: use wait screen NAME, wait text TEXT, wait button NAME, wait items N, wait idle or wait receipt", s.args[0])
		}
		if s.args[0] == "items" {
			if n, err := strconv.Atoi(s.args[1]); err != nil || n < 0 {
				return fmt.Errorf("wait items %q: give the number of rows", s.args[1])
			}
		}
	}
	return nil
}

// Screen is what the player needs from the UI (kiosk/ui.Renderer).
type Screen interface {
	Press(name string) error
	Snapshot() ui.Snapshot
	// ShownSince returns the screens rendered after the render numbered
	// seq (a Snapshot's Seq), oldest first, so that a wait also sees a
	// screen that came and went between two polls.
	ShownSince(seq uint64) []ui.Shown
	Capture() image.Image
	Render(kiosk.View)
}

// World is the simulated library and hardware of the demo.
type World interface {
	Scan(card string) error
	Place(itemID string, parts []int) error
	Remove(itemID string) error
	ClearPad() error
	SetPaper(state string) error
	SetOffline(on bool) error
	SetReader(plugged bool) error
	// Receipts returns the printed receipts as PNG images, oldest first.
	Receipts() [][]byte
}

// Player runs a scenario.
type Player struct {
	Screen Screen
	World  World
	// Dir receives the screenshots (NAME.png) and receipts (receipt-NN.png).
	Dir string
	// Timeout is the default timeout of wait commands, and the shortest
	// one: a timeout written in the scenario only lengthens a wait, so that
	// a generous default (a loaded machine) covers the whole scenario.
	// Default 15 s.
	Timeout time.Duration
	// Settle is how long a shot waits for the last frame to be painted.
	// Default 400 ms.
	Settle time.Duration
	// Log receives one line per command; nil is silent.
	Log func(format string, args ...any)
	// Stats samples the process for the memstats command (the soak test,
	// docs/soak.md). It is set only when the kiosk plays a scenario, so the
	// production kiosk has no such hook; nil makes memstats fail.
	Stats func() Sample
	// FirstFrame tells when the window first showed content (zero until
	// then), for the command bench firstframe; like Stats, it is set only
	// when the kiosk plays a scenario.
	FirstFrame func() time.Time

	saved int // receipts already written
	// size is the size of the first screenshot: every later one must have
	// it too, or a screen needed more room than the display and the window
	// grew (under X; under cage the screen would be cut instead).
	size image.Point
	// since is the render number (Snapshot.Seq) at the start of the
	// previous command, started the one at the start of the current one.
	// A wait accepts what was rendered after since: whatever the previous
	// command brought up, even if it is gone again, but nothing older,
	// which belongs to an earlier step of the scenario.
	since, started uint64
	// img is the picture a shot with expectations took while they held.
	img image.Image
}

// Run plays steps in order and stops at the first failure. Receipts printed
// until then are written to Dir in any case.
func (p *Player) Run(ctx context.Context, steps []Step) (err error) {
	if p.Timeout <= 0 {
		p.Timeout = 15 * time.Second
	}
	if p.Settle <= 0 {
		p.Settle = 400 * time.Millisecond
	}
	if p.Log == nil {
		p.Log = func(string, ...any) {}
	}
	defer func() {
		// Receipts printed before a failure are still worth looking at.
		if serr := p.saveReceipts(); err == nil {
			err = serr
		}
	}()
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.since, p.started = p.started, p.Screen.Snapshot().Seq
		p.Log("scenario line %d: %s", s.line, logArgs(s))
		if err := p.do(ctx, s); err != nil {
			return fmt.Errorf("scenario line %d (%s): %w", s.line, s.cmd, err)
		}
	}
	return nil
}

// logArgs is a step as the log shows it: the command with its arguments,
// except for key and scan, whose arguments are a PIN and a card number.
func logArgs(s Step) string {
	switch s.cmd {
	case "key", "scan":
		return s.cmd + " (arguments not logged)"
	}
	return strings.TrimSpace(s.cmd + " " + strings.Join(s.args, " "))
}

func (p *Player) do(ctx context.Context, s Step) error {
	a := s.args
	switch s.cmd {
	case "lang":
		return p.Screen.Press("lang:" + a[0])
	case "tap":
		return p.Screen.Press(a[0])
	case "tapif":
		// For a button that may already be gone, such as Done on the
		// goodbye screen, which ends by itself after a few seconds.
		if slices.Contains(p.Screen.Snapshot().Buttons, a[0]) {
			if err := p.Screen.Press(a[0]); err != nil {
				p.Log("scenario: %s was gone before the tap: %v", a[0], err)
			}
		}
		return nil
	case "key":
		keys := []rune(a[0])
		for i, r := range keys {
			if err := p.Screen.Press("key:" + string(r)); err != nil {
				// The error would name the key, a digit of the PIN.
				return fmt.Errorf("scenario: key press %d of %d failed", i+1, len(keys))
			}
		}
		return nil
	case "scan":
		return p.World.Scan(a[0])
	case "place":
		var parts []int
		if len(a) == 2 {
			for _, f := range strings.Split(a[1], ",") {
				var n int
				if _, err := fmt.Sscanf(f, "%d", &n); err != nil {
					return fmt.Errorf("part %q is not a number", f)
				}
				parts = append(parts, n)
			}
		}
		return p.World.Place(a[0], parts)
	case "remove":
		return p.World.Remove(a[0])
	case "clear":
		return p.World.ClearPad()
	case "paper":
		return p.World.SetPaper(a[0])
	case "offline":
		return p.World.SetOffline(a[0] == "on")
	case "reader":
		return p.World.SetReader(a[0] == "plug")
	case "sleep":
		d, err := time.ParseDuration(a[0])
		if err != nil {
			return err
		}
		return Sleep(ctx, d)
	case "wait":
		return p.wait(ctx, a)
	case "expect":
		return p.expect(a)
	case "shot":
		exps, within, err := parseExpectations(a[1:])
		if err != nil {
			return err
		}
		if err := p.shot(ctx, exps, max(p.Timeout, within)); err != nil {
			return fmt.Errorf("shot %s: %w", a[0], err)
		}
		if err := p.writeShot(ctx, a[0], len(exps) == 0); err != nil {
			return fmt.Errorf("shot %s: %w", a[0], err)
		}
		return nil
	case "view":
		lang := "da"
		if len(a) == 2 {
			lang = a[1]
		}
		for _, smp := range ui.Samples(lang) {
			if smp.Name == a[0] {
				p.Screen.Render(smp.View)
				return p.waitFor(ctx, p.Timeout, func(s ui.Snapshot) bool { return s.Screen == smp.View.Screen && s.Lang == lang })
			}
		}
		return fmt.Errorf("no sample view %q", a[0])
	case "receipts":
		return p.saveReceipts()
	case "memstats":
		return p.memstats(a[0])
	case "bench":
		return p.bench(ctx, a)
	case "heapprofile":
		return p.heapProfile(a[0])
	}
	return fmt.Errorf("unknown command %q", s.cmd)
}

// Sample is what the memstats command records of the kiosk process.
type Sample struct {
	Label       string
	RSS         uint64 // resident set size, bytes
	HeapAfterGC uint64 // live Go heap right after a forced collection, bytes
	Goroutines  int
	Threads     int
}

// StatsFile is the file in Dir to which memstats appends its samples.
const StatsFile = "memstats.tsv"

// StatsHeader is the first line of StatsFile.
const StatsHeader = "label\trss_bytes\theap_after_gc_bytes\tgoroutines\tthreads"

// heapProfile writes the live heap, after a collection, to Dir/NAME.pprof
// for `go tool pprof -base`: where a soak's growth comes from.
func (p *Player) heapProfile(name string) error {
	f, err := os.Create(filepath.Join(p.Dir, name+".pprof"))
	if err != nil {
		return fmt.Errorf("heapprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("heapprofile: %w", err)
	}
	return f.Close()
}

// memstats appends one sample of the process to Dir/StatsFile, writing the
// header first when the file is new.
func (p *Player) memstats(label string) error {
	if p.Stats == nil {
		return errors.New("memstats: this kiosk was started without a process sampler")
	}
	s := p.Stats()
	s.Label = label
	path := filepath.Join(p.Dir, StatsFile)
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("memstats: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		fmt.Fprintln(f, StatsHeader)
	}
	fmt.Fprintf(f, "%s\t%d\t%d\t%d\t%d\n", s.Label, s.RSS, s.HeapAfterGC, s.Goroutines, s.Threads)
	if err := f.Close(); err != nil {
		return fmt.Errorf("memstats: %w", err)
	}
	p.Log("memstats %s: rss %.1f MB, heap after GC %.1f MB, %d goroutines, %d threads",
		s.Label, float64(s.RSS)/(1<<20), float64(s.HeapAfterGC)/(1<<20), s.Goroutines, s.Threads)
	return nil
}

// Sleep waits for d or until ctx ends.
var Sleep = ctxsleep.Sleep

func (p *Player) wait(ctx context.Context, a []string) error {
	timeout := p.Timeout
	if len(a) == 3 || (a[0] == "idle" || a[0] == "receipt") && len(a) == 2 {
		d, err := time.ParseDuration(a[len(a)-1])
		if err != nil {
			return fmt.Errorf("timeout: %w", err)
		}
		timeout = max(timeout, d)
	}
	switch a[0] {
	case "screen":
		// "receipt|goodbye" waits for either, for a step whose outcome the
		// library system decides (a renewal refused leaves no receipt).
		names := strings.Split(a[1], "|")
		return p.waitShown(ctx, timeout, "the "+a[1]+" screen", func(sc kiosk.Screen, _ []string) bool { return slices.Contains(names, sc.String()) })
	case "text":
		return p.waitShown(ctx, timeout, fmt.Sprintf("the text %q", a[1]), func(_ kiosk.Screen, texts []string) bool { return containsText(texts, a[1]) })
	case "button":
		return p.waitFor(ctx, timeout, func(s ui.Snapshot) bool { return slices.Contains(s.Buttons, a[1]) })
	case "items":
		// A list with fewer rows than items placed is still reading the pad.
		n, _ := strconv.Atoi(a[1])
		return p.waitFor(ctx, timeout, func(s ui.Snapshot) bool { return s.Items >= n && !s.Busy && !s.Working })
	case "idle":
		// Rows still being read or registered count as busy too, so a shot
		// after "wait idle" shows how each item ended.
		return p.waitFor(ctx, timeout, func(s ui.Snapshot) bool { return !s.Busy && !s.Working })
	case "receipt":
		want := p.saved + 1
		deadline := time.Now().Add(timeout)
		for len(p.World.Receipts()) < want {
			if time.Now().After(deadline) {
				return fmt.Errorf("no receipt printed within %v", timeout)
			}
			if err := Sleep(ctx, 100*time.Millisecond); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("wait %q", a[0])
}

func (p *Player) expect(a []string) error {
	s := p.Screen.Snapshot()
	switch a[0] {
	case "screen":
		if s.Screen.String() != a[1] {
			return fmt.Errorf("screen is %s, want %s", s.Screen, a[1])
		}
	case "text":
		if !hasText(s, a[1]) {
			return fmt.Errorf("no text %q on the %s screen (texts: %q)", a[1], s.Screen, s.Texts)
		}
	case "notext":
		if hasText(s, a[1]) {
			return fmt.Errorf("text %q is on the %s screen", a[1], s.Screen)
		}
	default:
		return fmt.Errorf("expect %q: use expect screen NAME, expect text TEXT or expect notext TEXT", a[0])
	}
	return nil
}

func hasText(s ui.Snapshot, want string) bool { return containsText(s.Texts, want) }

func containsText(texts []string, want string) bool {
	for _, t := range texts {
		if strings.Contains(t, want) {
			return true
		}
	}
	return false
}

// waitFor polls the screen until ok or the timeout.
func (p *Player) waitFor(ctx context.Context, timeout time.Duration, ok func(ui.Snapshot) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		s := p.Screen.Snapshot()
		if ok(s) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v on the %s screen (texts: %q)", timeout, s.Screen, s.Texts)
		}
		if err := Sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// waitShown polls until ok holds for the screen now or for one shown since
// the previous command began. A screen that shows for a few seconds (the
// goodbye screen) can be gone before the wait starts when the machine is
// busy; the wait still succeeds, and says so in the log, because what the
// scenario waited for did happen.
func (p *Player) waitShown(ctx context.Context, timeout time.Duration, what string, ok func(kiosk.Screen, []string) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		s := p.Screen.Snapshot()
		if ok(s.Screen, s.Texts) {
			return nil
		}
		shown := p.Screen.ShownSince(p.since)
		for _, sh := range shown {
			if ok(sh.Screen, sh.Texts) {
				p.Log("scenario: %s was shown since the previous command and is gone: the screen is %s now", what, s.Screen)
				return nil
			}
		}
		if time.Now().After(deadline) {
			var names []string
			for _, sh := range shown {
				names = append(names, sh.Screen.String())
			}
			return fmt.Errorf("timed out after %v on the %s screen (shown since the previous command: %s; texts: %q)",
				timeout, s.Screen, strings.Join(names, ", "), s.Texts)
		}
		if err := Sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// shot waits until every expectation of a shot holds, so that the picture
// shows what its name promises: the screen and texts it lists, and nothing
// pending (no request to the library system in flight, no row still being
// read or registered) unless the shot says busy. It checks them again after
// the frame has had Settle to paint and keeps trying until timeout, and then
// fails naming what was missing. A shot without expectations (older
// scenarios) checks nothing.
func (p *Player) shot(ctx context.Context, exps []expectation, timeout time.Duration) error {
	if len(exps) == 0 {
		return nil
	}
	deadline := time.Now().Add(timeout)
	// closest is the screen that came nearest while the shot waited: when
	// the screen moves on (the session times out), the error still says
	// what was missing on the screen the shot was meant for.
	var closest ui.Snapshot
	closestMissing := len(exps) + 1
	for {
		s := p.Screen.Snapshot()
		missing := unmet(exps, s)
		if len(missing) < closestMissing {
			closest, closestMissing = s, len(missing)
		}
		if len(missing) == 0 {
			// The frame must have painted, and the screen still be what
			// was checked: a row can turn to "registering" meanwhile.
			if err := Sleep(ctx, p.Settle); err != nil {
				return err
			}
			s = p.Screen.Snapshot()
			if missing = unmet(exps, s); len(missing) == 0 {
				p.img = p.Screen.Capture()
				after := p.Screen.Snapshot()
				if missing = unmet(exps, after); len(missing) == 0 {
					return nil
				}
				s = after
			}
		}
		if time.Now().After(deadline) {
			err := fmt.Errorf("the screen did not show %s within %v (the %s screen, busy %v, registering %v; texts: %q)",
				strings.Join(missing, ", "), timeout, s.Screen, s.Busy, s.Working, s.Texts)
			if closest.Seq != s.Seq && closestMissing < len(missing) {
				err = fmt.Errorf("%w; closest was the %s screen, without %s (texts: %q)",
					err, closest.Screen, strings.Join(unmet(exps, closest), ", "), closest.Texts)
			}
			return err
		}
		if err := Sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// writeShot writes the picture shot took, or, for a shot without
// expectations, the window after letting the last frame paint.
func (p *Player) writeShot(ctx context.Context, name string, settle bool) error {
	img := p.img
	p.img = nil
	if settle {
		if err := Sleep(ctx, p.Settle); err != nil {
			return err
		}
		img = p.Screen.Capture()
	}
	if img == nil {
		return errors.New("the window could not be captured")
	}
	size := img.Bounds().Size()
	if p.size == (image.Point{}) {
		p.size = size
	} else if size != p.size {
		return fmt.Errorf("the window is %dx%d, the first shot's was %dx%d: a screen needed more room than the display",
			size.X, size.Y, p.size.X, p.size.Y)
	}
	return writePNG(filepath.Join(p.Dir, name+".png"), img)
}

// expectation is one condition of a shot (docs/scenario.md): the screen
// is one of several, a text is or is not on it, a button is there, or
// nothing is pending.
type expectation struct {
	kind string // "screen", "text", "notext", "button", "idle"
	arg  string
}

// parseExpectations reads what follows a shot's name: screen NAME, text
// TEXT, notext TEXT, button NAME (each as often as needed), busy (allow
// something pending, which every other shot with expectations waits out)
// and within DURATION (a longer timeout than the player's).
func parseExpectations(args []string) ([]expectation, time.Duration, error) {
	var exps []expectation
	var within time.Duration
	busy := false
	for i := 0; i < len(args); i++ {
		switch k := args[i]; k {
		case "screen", "text", "notext", "button", "within":
			if i+1 >= len(args) {
				return nil, 0, fmt.Errorf("%s needs an argument", k)
			}
			i++
			if k == "within" {
				d, err := time.ParseDuration(args[i])
				if err != nil {
					return nil, 0, fmt.Errorf("within: %w", err)
				}
				within = d
				continue
			}
			exps = append(exps, expectation{kind: k, arg: args[i]})
		case "busy":
			busy = true
		default:
			return nil, 0, fmt.Errorf("%q: expect screen NAME, text TEXT, notext TEXT, button NAME, busy or within DURATION", k)
		}
	}
	if len(exps) > 0 && !busy {
		exps = append(exps, expectation{kind: "idle"})
	}
	if len(exps) == 0 && (busy || within > 0) {
		return nil, 0, errors.New("busy and within need an expectation (screen, text, notext or button)")
	}
	return exps, within, nil
}

// holds reports whether e holds for the screen s.
func (e expectation) holds(s ui.Snapshot) bool {
	switch e.kind {
	case "screen":
		return slices.Contains(strings.Split(e.arg, "|"), s.Screen.String())
	case "text":
		return hasText(s, e.arg)
	case "notext":
		return !hasText(s, e.arg)
	case "button":
		return slices.Contains(s.Buttons, e.arg)
	case "idle":
		return !s.Busy && !s.Working
	}
	return false
}

func (e expectation) String() string {
	switch e.kind {
	case "screen":
		return "the " + e.arg + " screen"
	case "text":
		return fmt.Sprintf("the text %q", e.arg)
	case "notext":
		return fmt.Sprintf("no text %q", e.arg)
	case "button":
		return "the button " + e.arg
	}
	return "nothing pending"
}

// unmet lists the expectations that do not hold for s.
func unmet(exps []expectation, s ui.Snapshot) []string {
	var out []string
	for _, e := range exps {
		if !e.holds(s) {
			out = append(out, e.String())
		}
	}
	return out
}

func (p *Player) saveReceipts() error {
	rs := p.World.Receipts()
	for ; p.saved < len(rs); p.saved++ {
		path := filepath.Join(p.Dir, fmt.Sprintf("receipt-%02d.png", p.saved+1))
		if err := os.WriteFile(path, rs[p.saved], 0o644); err != nil {
			return fmt.Errorf("writing receipt: %w", err)
		}
	}
	return nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
