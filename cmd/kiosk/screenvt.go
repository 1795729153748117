package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// This file is the root side of the image's screen switch: `kiosk
// -screen-apply FILE`, run by kiosk-screen.service whenever the kiosk
// rewrites FILE (kiosk-screen.path). Under Debian 12's cage no Wayland
// client can turn the output off, and while cage holds the display only it
// may. So "off" switches the console to an empty virtual terminal: seatd
// takes the display and the input devices from cage (a touch then reaches
// nobody), the kernel's own console gets the display, and blanking that
// console's framebuffer makes the kernel switch the monitor off (DRM's
// fbdev emulation turns a powerdown blank into DPMS off). "on" unblanks it
// and switches back to cage's terminal; seatd hands the display back and
// cage sets its mode again.

// vtScreen switches between the kiosk's virtual terminal and a dark one.
type vtScreen struct {
	// sys is where sysfs is mounted ("/sys"; a directory in tests).
	sys string
	// activate asks the kernel to switch to virtual terminal n.
	activate func(n int) error
	// kioskVT is cage's terminal (kiosk.service's TTYPath=/dev/tty1);
	// darkVT is one nothing runs on (the image starts no getty, and logind
	// spawns none: NAutoVTs=0).
	kioskVT, darkVT int
	// wait is how long the switch may take: seatd first takes the devices
	// from cage, and cage must agree.
	wait  time.Duration
	sleep func(time.Duration)
}

func newVTScreen() vtScreen {
	return vtScreen{sys: "/sys", activate: activateVT, kioskVT: 1, darkVT: 2, wait: 5 * time.Second, sleep: time.Sleep}
}

// The console ioctls (linux/vt.h), which x/sys/unix does not define.
const (
	ioctlVTActivate = 0x5606
)

// activateVT switches the console to virtual terminal n through /dev/tty0
// (root only: CAP_SYS_TTY_CONFIG).
func activateVT(n int) error {
	f, err := os.OpenFile("/dev/tty0", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.IoctlSetInt(int(f.Fd()), ioctlVTActivate, n)
}

// Framebuffer blank levels (linux/fb.h): powerdown is DPMS off.
const (
	fbUnblank   = "0"
	fbPowerdown = "4"
)

// readScreenRequest reads the kiosk's request: true for "on". A missing
// file (the kiosk's runtime directory goes when it stops) means on, so a
// kiosk restarting outside opening hours starts on a lit screen and then
// asks again. The file is the kiosk user's: a symbolic link is refused and
// at most a few bytes are read, and anything but "on" or "off" is an error
// that leaves the screen on.
func readScreenRequest(file string) (bool, error) {
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return true, fmt.Errorf("screen: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return true, fmt.Errorf("screen: %s is not a regular file", file)
	}
	buf, err := io.ReadAll(io.LimitReader(f, 16))
	if err != nil {
		return true, fmt.Errorf("screen: %w", err)
	}
	switch strings.TrimSpace(string(buf)) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return true, fmt.Errorf("screen: %s holds neither \"on\" nor \"off\"", file)
}

// apply switches the screen on or off, and returns how it went.
func (v vtScreen) apply(on bool) error {
	fbs, _ := filepath.Glob(filepath.Join(v.sys, "class/graphics/fb[0-9]*/blank"))
	if on {
		// Unblank first: the console must not stay blanked underneath for
		// the next time cage lets go of the display (a restart).
		var errs []error
		for _, b := range fbs {
			if err := os.WriteFile(b, []byte(fbUnblank), 0); err != nil {
				errs = append(errs, err)
			}
		}
		if err := v.switchTo(v.kioskVT); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
	if err := v.switchTo(v.darkVT); err != nil {
		return err
	}
	if len(fbs) == 0 {
		return errors.New("screen: no framebuffer to blank: the screen is dark but lit")
	}
	var errs []error
	for _, b := range fbs {
		if err := os.WriteFile(b, []byte(fbPowerdown), 0); err != nil {
			errs = append(errs, fmt.Errorf("screen: %w", err))
		}
	}
	return errors.Join(errs...)
}

// switchTo activates terminal n and waits until the kernel reports it
// active: seatd acknowledges the switch only once cage has let go.
func (v vtScreen) switchTo(n int) error {
	if err := v.activate(n); err != nil {
		return fmt.Errorf("screen: switching to tty%d: %w", n, err)
	}
	want := fmt.Sprintf("tty%d", n)
	active := filepath.Join(v.sys, "class/tty/tty0/active")
	for waited := time.Duration(0); ; waited += 100 * time.Millisecond {
		b, err := os.ReadFile(active)
		if err == nil && strings.TrimSpace(string(b)) == want {
			return nil
		}
		if waited >= v.wait {
			return fmt.Errorf("screen: tty%d is not active after %v (%s)", n, v.wait, strings.TrimSpace(string(b)))
		}
		v.sleep(100 * time.Millisecond)
	}
}

// applyScreen is `kiosk -screen-apply FILE`.
func applyScreen(file string, out io.Writer) error {
	on, reqErr := readScreenRequest(file)
	state := "off"
	if on {
		state = "on"
	}
	err := newVTScreen().apply(on)
	if err == nil {
		fmt.Fprintf(out, "screen: %s\n", state)
	}
	return errors.Join(reqErr, err)
}
