package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/kiosk"
)

// dpms switches the screen off outside opening hours and on again
// (kiosk.Display). Under cage, a wlroots compositor, wlr-randr turns the
// output off, which the compositor passes on as DPMS; under X (the
// headless demo's Xvfb, a desktop) xset does.
type dpms struct {
	wayland bool
	output  string // wlr-randr output; "" = every output
	run     func(ctx context.Context, name string, args ...string) ([]byte, error)
}

func newDPMS(output string) dpms {
	return dpms{wayland: os.Getenv("WAYLAND_DISPLAY") != "", output: output, run: runCommand}
}

func runCommand(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// SetScreen switches every configured output on or off.
func (d dpms) SetScreen(ctx context.Context, on bool) error {
	state := "off"
	if on {
		state = "on"
	}
	if !d.wayland {
		_, err := d.run(ctx, "xset", "dpms", "force", state)
		return err
	}
	outputs := []string{d.output}
	if d.output == "" {
		list, err := d.run(ctx, "wlr-randr")
		if err != nil {
			return err
		}
		outputs = outputNames(list)
		if len(outputs) == 0 {
			return errors.New("wlr-randr lists no output")
		}
	}
	var errs []error
	for _, o := range outputs {
		if _, err := d.run(ctx, "wlr-randr", "--output", o, "--"+state); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// outputNames reads the output names from wlr-randr's listing: each output
// starts a line at column 0 with its name, its details follow indented.
func outputNames(list []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(list))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		out = append(out, strings.Fields(line)[0])
	}
	return out
}

// coreHours maps [hours] onto the core's opening hours and nightly reboot.
func coreHours(o *kiosk.Options, h config.Hours) {
	o.Hours = kiosk.Hours{}
	if h.Set() {
		week, _ := h.Week() // Load has checked it
		o.Hours = kiosk.Hours{Set: true, Closed: h.ClosedSet()}
		for d, spans := range week {
			for _, s := range spans {
				o.Hours.Week[d] = append(o.Hours.Week[d], kiosk.Span(s))
			}
		}
	}
	o.RebootAt, o.Reboot = h.RebootAt()
}
