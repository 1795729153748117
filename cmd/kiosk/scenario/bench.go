package scenario

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/ui"
)

// BenchFile is the file in Dir to which the bench commands append their
// results, one `name key=value …` line each (scripts/bench-ui.sh reads it).
const BenchFile = "bench.txt"

// bench runs one of the UI measurements of `make bench`:
//
//	bench firstframe        when the first frame with content was painted
//	bench keys N            key press to dot, N times, on the PIN screen
//	bench scan CARD N       card scan to the PIN screen, N times, from welcome
func (p *Player) bench(ctx context.Context, a []string) error {
	switch a[0] {
	case "firstframe":
		if p.FirstFrame == nil {
			return errors.New("bench firstframe: this kiosk does not watch for its first frame")
		}
		deadline := time.Now().Add(p.Timeout)
		for p.FirstFrame().IsZero() {
			if time.Now().After(deadline) {
				return fmt.Errorf("bench firstframe: no frame with content within %v", p.Timeout)
			}
			if err := Sleep(ctx, 10*time.Millisecond); err != nil {
				return err
			}
		}
		return p.benchLine(fmt.Sprintf("first_frame_unix_ns=%d", p.FirstFrame().UnixNano()))
	case "keys":
		n, err := benchCount(a, 1)
		if err != nil {
			return err
		}
		return p.benchKeys(ctx, n)
	case "scan":
		if len(a) < 2 {
			return errors.New("bench scan: give the card to scan")
		}
		n, err := benchCount(a, 2)
		if err != nil {
			return err
		}
		return p.benchScan(ctx, a[1], n)
	}
	return fmt.Errorf("bench %q: use bench firstframe, bench keys N or bench scan CARD N", a[0])
}

func benchCount(a []string, i int) (int, error) {
	if len(a) <= i {
		return 0, fmt.Errorf("bench %s: give the number of rounds", a[0])
	}
	n, err := strconv.Atoi(a[i])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("bench %s: %q is not a number of rounds", a[0], a[i])
	}
	return n, nil
}

// benchKeys presses a digit on the PIN screen n times and measures the time
// until the screen shows one more dot (the render) and until a captured
// frame holds it (the paint). A backspace after each press, not measured,
// keeps the PIN from filling up.
func (p *Player) benchKeys(ctx context.Context, n int) error {
	if s := p.Screen.Snapshot(); s.Screen != kiosk.ScreenPIN {
		return fmt.Errorf("bench keys: on the %s screen, want pin", s.Screen)
	}
	var render, frame []time.Duration
	for i := 0; i < n; i++ {
		before := p.Screen.Snapshot().Masked
		t0 := time.Now()
		if err := p.Screen.Press("key:1"); err != nil {
			return err
		}
		if err := p.pollFast(ctx, func(s ui.Snapshot) bool { return s.Masked == before+1 }); err != nil {
			return fmt.Errorf("bench keys: %w", err)
		}
		render = append(render, time.Since(t0))
		p.Screen.Capture()
		frame = append(frame, time.Since(t0))
		if err := p.Screen.Press("ui.button.backspace"); err != nil {
			return err
		}
		if err := p.pollFast(ctx, func(s ui.Snapshot) bool { return s.Masked == before }); err != nil {
			return fmt.Errorf("bench keys: %w", err)
		}
	}
	return p.benchLine(fmt.Sprintf("key_to_render_ms_p50=%.1f key_to_render_ms_p95=%.1f key_to_frame_ms_p50=%.1f key_to_frame_ms_p95=%.1f presses=%d",
		pct(render, 50), pct(render, 95), pct(frame, 50), pct(frame, 95), n))
}

// benchScan starts a loan n times, scans card on the identify screen and
// measures the time until the PIN screen is rendered; Back returns to the
// welcome screen between rounds.
func (p *Player) benchScan(ctx context.Context, card string, n int) error {
	var took []time.Duration
	for i := 0; i < n; i++ {
		if err := p.waitFor(ctx, p.Timeout, func(s ui.Snapshot) bool { return s.Screen == kiosk.ScreenWelcome }); err != nil {
			return fmt.Errorf("bench scan: %w", err)
		}
		if err := p.Screen.Press("ui.button.borrow"); err != nil {
			return err
		}
		if err := p.waitFor(ctx, p.Timeout, func(s ui.Snapshot) bool { return s.Screen == kiosk.ScreenIdentify }); err != nil {
			return fmt.Errorf("bench scan: %w", err)
		}
		t0 := time.Now()
		if err := p.World.Scan(card); err != nil {
			return err
		}
		if err := p.pollFast(ctx, func(s ui.Snapshot) bool { return s.Screen == kiosk.ScreenPIN }); err != nil {
			return fmt.Errorf("bench scan: %w", err)
		}
		took = append(took, time.Since(t0))
		// Back ends the session; Done ends its goodbye.
		if err := p.Screen.Press("ui.button.back"); err != nil {
			return err
		}
		if err := p.waitFor(ctx, p.Timeout, func(s ui.Snapshot) bool { return s.Screen != kiosk.ScreenPIN }); err != nil {
			return fmt.Errorf("bench scan: %w", err)
		}
		if s := p.Screen.Snapshot(); s.Screen == kiosk.ScreenGoodbye && slices.Contains(s.Buttons, "ui.button.done") {
			_ = p.Screen.Press("ui.button.done")
		}
	}
	// The next command starts from the welcome screen, not from a goodbye.
	if err := p.waitFor(ctx, p.Timeout, func(s ui.Snapshot) bool { return s.Screen == kiosk.ScreenWelcome }); err != nil {
		return fmt.Errorf("bench scan: %w", err)
	}
	return p.benchLine(fmt.Sprintf("scan_to_pin_ms_p50=%.1f scan_to_pin_ms_p95=%.1f scans=%d", pct(took, 50), pct(took, 95), n))
}

// pollFast polls the screen every millisecond, for measurements.
func (p *Player) pollFast(ctx context.Context, ok func(ui.Snapshot) bool) error {
	deadline := time.Now().Add(p.Timeout)
	for !ok(p.Screen.Snapshot()) {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v on the %s screen", p.Timeout, p.Screen.Snapshot().Screen)
		}
		if err := Sleep(ctx, time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// pct is the q-th percentile of ds in milliseconds (nearest rank).
func pct(ds []time.Duration, q int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (q*len(s) + 99) / 100
	i = min(max(i, 1), len(s))
	return float64(s[i-1]) / float64(time.Millisecond)
}

func (p *Player) benchLine(line string) error {
	f, err := os.OpenFile(filepath.Join(p.Dir, BenchFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintln(f, line)
	p.Log("bench: %s", line)
	return f.Close()
}
