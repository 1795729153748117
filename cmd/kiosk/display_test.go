package main

import (
	"errors"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// TestNoDisplayIsOneLineThatSaysHowToStart is the GLFW stack trace of
// `bin/kiosk` on a console: now one line naming the missing display and
// the two ways to start the kiosk.
func TestNoDisplayIsOneLineThatSaysHowToStart(t *testing.T) {
	err := checkDisplay("linux", env(nil))
	if !errors.Is(err, errNoDisplay) {
		t.Fatalf("no display: err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"no display or compositor found", "WAYLAND_DISPLAY", "DISPLAY", "cage", "make demo"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("%q is more than one line", msg)
	}
}

func TestADisplayIsEnough(t *testing.T) {
	for _, vars := range []map[string]string{
		{"DISPLAY": ":0"},
		{"WAYLAND_DISPLAY": "wayland-0"},
		{"DISPLAY": ":99", "WAYLAND_DISPLAY": "wayland-1"},
	} {
		if err := checkDisplay("linux", env(vars)); err != nil {
			t.Errorf("%v: %v", vars, err)
		}
	}
	if err := checkDisplay("darwin", env(nil)); err != nil {
		t.Errorf("macOS has no DISPLAY and needs none: %v", err)
	}
}
