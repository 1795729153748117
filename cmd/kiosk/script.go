package main

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
	"strings"
	"time"
	"unicode"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/ui"
)

// A scenario is a small line-based script (docs/scenario.md) that drives
// the demo like a patron and a technician would, and takes screenshots.

// step is one command of a scenario.
type step struct {
	line int
	cmd  string
	args []string
}

// parseScenario reads a scenario. Blank lines and lines starting with # are
// skipped; arguments are separated by spaces, and "double quotes" keep
// spaces inside one argument.
func parseScenario(r io.Reader) ([]step, error) {
	var steps []step
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
		st := step{line: n, cmd: fields[0], args: fields[1:]}
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
	"lang": {1, 1}, "tap": {1, 1}, "key": {1, 1}, "scan": {1, 1},
	"place": {1, 2}, "remove": {1, 1}, "clear": {0, 0},
	"wait": {1, 3}, "sleep": {1, 1}, "shot": {1, 1},
	"paper": {1, 1}, "offline": {1, 1}, "reader": {1, 1},
	"view": {1, 2}, "receipts": {0, 0}, "expect": {2, 2},
}

func checkStep(s step) error {
	n, ok := argCounts[s.cmd]
	if !ok {
		return fmt.Errorf("unknown command %q", s.cmd)
	}
	if len(s.args) < n[0] || len(s.args) > n[1] {
		return fmt.Errorf("%s takes %d to %d arguments, got %d", s.cmd, n[0], n[1], len(s.args))
	}
	if s.cmd == "wait" && s.args[0] != "screen" && s.args[0] != "text" && s.args[0] != "idle" && s.args[0] != "receipt" {
		return fmt.Errorf("wait %q: use wait screen NAME, wait text TEXT, wait idle or wait receipt", s.args[0])
	}
	if s.cmd == "wait" && (s.args[0] == "screen" || s.args[0] == "text") && len(s.args) < 2 {
		return fmt.Errorf("wait %s needs what to wait for", s.args[0])
	}
	return nil
}

// screen is what the player needs from the UI.
type screen interface {
	Press(name string) error
	Snapshot() ui.Snapshot
	Capture() image.Image
	Render(kiosk.View)
}

// world is the simulated library and hardware of the demo.
type world interface {
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

// player runs a scenario.
type player struct {
	scr     screen
	w       world
	dir     string
	timeout time.Duration
	settle  time.Duration
	log     func(format string, args ...any)
	saved   int // receipts already written
}

func (p *player) run(ctx context.Context, steps []step) (err error) {
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
		p.log("scenario line %d: %s %s", s.line, s.cmd, strings.Join(s.args, " "))
		if err := p.do(ctx, s); err != nil {
			return fmt.Errorf("scenario line %d (%s): %w", s.line, s.cmd, err)
		}
	}
	return nil
}

func (p *player) do(ctx context.Context, s step) error {
	a := s.args
	switch s.cmd {
	case "lang":
		return p.scr.Press("lang:" + a[0])
	case "tap":
		return p.scr.Press(a[0])
	case "key":
		for _, r := range a[0] {
			if err := p.scr.Press("key:" + string(r)); err != nil {
				return err
			}
		}
		return nil
	case "scan":
		return p.w.Scan(a[0])
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
		return p.w.Place(a[0], parts)
	case "remove":
		return p.w.Remove(a[0])
	case "clear":
		return p.w.ClearPad()
	case "paper":
		return p.w.SetPaper(a[0])
	case "offline":
		return p.w.SetOffline(a[0] == "on")
	case "reader":
		return p.w.SetReader(a[0] == "plug")
	case "sleep":
		d, err := time.ParseDuration(a[0])
		if err != nil {
			return err
		}
		return sleep(ctx, d)
	case "wait":
		return p.wait(ctx, a)
	case "expect":
		return p.expect(a)
	case "shot":
		return p.shot(ctx, a[0])
	case "view":
		lang := "da"
		if len(a) == 2 {
			lang = a[1]
		}
		for _, smp := range ui.Samples(lang) {
			if smp.Name == a[0] {
				p.scr.Render(smp.View)
				return p.waitFor(ctx, p.timeout, func(s ui.Snapshot) bool { return s.Screen == smp.View.Screen && s.Lang == lang })
			}
		}
		return fmt.Errorf("no sample view %q", a[0])
	case "receipts":
		return p.saveReceipts()
	}
	return fmt.Errorf("unknown command %q", s.cmd)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (p *player) wait(ctx context.Context, a []string) error {
	timeout := p.timeout
	if len(a) == 3 || (a[0] == "idle" || a[0] == "receipt") && len(a) == 2 {
		d, err := time.ParseDuration(a[len(a)-1])
		if err != nil {
			return fmt.Errorf("timeout: %w", err)
		}
		timeout = d
	}
	switch a[0] {
	case "screen":
		return p.waitFor(ctx, timeout, func(s ui.Snapshot) bool { return s.Screen.String() == a[1] })
	case "text":
		return p.waitFor(ctx, timeout, func(s ui.Snapshot) bool { return hasText(s, a[1]) })
	case "idle":
		return p.waitFor(ctx, timeout, func(s ui.Snapshot) bool { return !s.Busy })
	case "receipt":
		want := p.saved + 1
		deadline := time.Now().Add(timeout)
		for len(p.w.Receipts()) < want {
			if time.Now().After(deadline) {
				return fmt.Errorf("no receipt printed within %v", timeout)
			}
			if err := sleep(ctx, 100*time.Millisecond); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("wait %q", a[0])
}

func (p *player) expect(a []string) error {
	s := p.scr.Snapshot()
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

func hasText(s ui.Snapshot, want string) bool {
	for _, t := range s.Texts {
		if strings.Contains(t, want) {
			return true
		}
	}
	return false
}

// waitFor polls the screen until ok or the timeout.
func (p *player) waitFor(ctx context.Context, timeout time.Duration, ok func(ui.Snapshot) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		s := p.scr.Snapshot()
		if ok(s) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v on the %s screen (texts: %q)", timeout, s.Screen, s.Texts)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// shot writes the window to DIR/NAME.png after letting the last frame
// paint.
func (p *player) shot(ctx context.Context, name string) error {
	if err := sleep(ctx, p.settle); err != nil {
		return err
	}
	img := p.scr.Capture()
	if img == nil {
		return errors.New("the window could not be captured")
	}
	return writePNG(filepath.Join(p.dir, name+".png"), img)
}

func (p *player) saveReceipts() error {
	rs := p.w.Receipts()
	for ; p.saved < len(rs); p.saved++ {
		path := filepath.Join(p.dir, fmt.Sprintf("receipt-%02d.png", p.saved+1))
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
