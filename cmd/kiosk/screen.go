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
// (kiosk.Display). On the image, where KIOSK_SCREEN_FILE names a file in
// the kiosk's runtime directory, it writes "on" or "off" there and the
// root unit kiosk-screen.service does the switching (applyScreen): cage
// 0.1.4, Debian 12's, implements neither wlr-output-power-management nor
// wlr-output-management, so no Wayland client can turn its output off.
// Under a newer cage (0.1.5 and later) wlr-randr turns the output off;
// under X (the headless demo's Xvfb, a desktop) xset does.
type dpms struct {
	wayland bool
	file    string // the request file kiosk-screen.path watches; "" = none
	output  string // wlr-randr output; "" = every output
	run     func(ctx context.Context, name string, args ...string) ([]byte, error)
}

// screenFileEnv names the request file; the image's units set it.
const screenFileEnv = "KIOSK_SCREEN_FILE"

func newDPMS(output string) dpms {
	return dpms{wayland: os.Getenv("WAYLAND_DISPLAY") != "", file: os.Getenv(screenFileEnv), output: output, run: runCommand}
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
	if d.file != "" {
		return writeRequest("screen", d.file, state)
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

// writeRequest puts word into the request file a root unit's path unit
// watches (the screen's, the reboot's), replacing it in one step (a
// rename), so the root unit never reads half a word and the path unit sees
// one change. what names the request in the error.
func writeRequest(what, file, word string) error {
	tmp := file + ".new"
	if err := os.WriteFile(tmp, []byte(word+"\n"), 0o600); err != nil {
		return fmt.Errorf("%s request: %w", what, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("%s request: %w", what, err)
	}
	return nil
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
