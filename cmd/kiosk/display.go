package main

import (
	"errors"
	"os"
	"runtime"
)

// errNoDisplay says, in one line, why the kiosk cannot open its window and
// how it is meant to be started. Without it Fyne's GLFW panics with a stack
// trace that tells a new user nothing.
var errNoDisplay = errors.New("no display or compositor found (neither WAYLAND_DISPLAY nor DISPLAY is set): " +
	"start the kiosk under cage (cage -d -- kiosk -config /etc/kiosk/kiosk.toml, as packaging/systemd/kiosk.service does), " +
	"or try it with `make demo`, which starts Xvfb when there is no display")

// checkDisplay returns errNoDisplay when a Linux session has neither a
// Wayland compositor nor an X server to draw on. Other systems have no such
// variables, so they are left to Fyne.
func checkDisplay(goos string, getenv func(string) string) error {
	if goos != "linux" {
		return nil
	}
	if getenv("WAYLAND_DISPLAY") != "" || getenv("DISPLAY") != "" {
		return nil
	}
	return errNoDisplay
}

// haveDisplay is checkDisplay for this process.
func haveDisplay() error { return checkDisplay(runtime.GOOS, os.Getenv) }
