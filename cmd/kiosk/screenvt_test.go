package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSys is a sysfs with one framebuffer and the console's active
// terminal, and a kernel that switches terminals when asked (or, with
// stuck, never: seatd waiting for a compositor that does not let go).
type fakeSys struct {
	dir      string
	switches []int
	stuck    bool
}

func newFakeSys(t *testing.T) *fakeSys {
	dir := t.TempDir()
	for _, d := range []string{"class/graphics/fb0", "class/tty/tty0"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f := &fakeSys{dir: dir}
	f.write(t, "class/graphics/fb0/blank", "0")
	f.write(t, "class/tty/tty0/active", "tty1\n")
	return f
}

func (f *fakeSys) write(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, name), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeSys) read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func (f *fakeSys) screen() vtScreen {
	return vtScreen{sys: f.dir, kioskVT: 1, darkVT: 2, wait: time.Second, sleep: func(time.Duration) {},
		activate: func(n int) error {
			f.switches = append(f.switches, n)
			if f.stuck {
				return nil
			}
			return os.WriteFile(filepath.Join(f.dir, "class/tty/tty0/active"), []byte("tty"+string(rune('0'+n))+"\n"), 0o644)
		}}
}

func TestVTScreenOffAndOn(t *testing.T) {
	f := newFakeSys(t)
	v := f.screen()
	if err := v.apply(false); err != nil {
		t.Fatal(err)
	}
	if got := f.read(t, "class/tty/tty0/active"); got != "tty2" {
		t.Errorf("off: active %s, want tty2 (the dark terminal)", got)
	}
	if got := f.read(t, "class/graphics/fb0/blank"); got != fbPowerdown {
		t.Errorf("off: fb0 blank %s, want %s (powerdown = DPMS off)", got, fbPowerdown)
	}
	if err := v.apply(true); err != nil {
		t.Fatal(err)
	}
	if got := f.read(t, "class/tty/tty0/active"); got != "tty1" {
		t.Errorf("on: active %s, want tty1 (cage's)", got)
	}
	if got := f.read(t, "class/graphics/fb0/blank"); got != fbUnblank {
		t.Errorf("on: fb0 blank %s, want %s", got, fbUnblank)
	}
	if want := []int{2, 1}; len(f.switches) != 2 || f.switches[0] != 2 || f.switches[1] != 1 {
		t.Errorf("switches %v, want %v", f.switches, want)
	}
}

func TestVTScreenSwitchRefused(t *testing.T) {
	f := newFakeSys(t)
	f.stuck = true
	err := f.screen().apply(false)
	if err == nil || !strings.Contains(err.Error(), "tty2 is not active") {
		t.Fatalf("a switch that never happens: %v", err)
	}
	// The screen was not blanked under cage's lit terminal.
	if got := f.read(t, "class/graphics/fb0/blank"); got != fbUnblank {
		t.Errorf("fb0 blank %s after a failed switch", got)
	}
}

func TestVTScreenWithoutFramebuffer(t *testing.T) {
	f := newFakeSys(t)
	if err := os.RemoveAll(filepath.Join(f.dir, "class/graphics/fb0")); err != nil {
		t.Fatal(err)
	}
	err := f.screen().apply(false)
	if err == nil || !strings.Contains(err.Error(), "dark but lit") {
		t.Fatalf("no framebuffer: %v", err)
	}
}

func TestScreenRequest(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "screen")
	d := dpms{file: file}
	ctx := context.Background()

	if on, err := readScreenRequest(file); !on || err != nil {
		t.Errorf("no request yet: on=%v err=%v, want on", on, err)
	}
	if err := d.SetScreen(ctx, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); string(b) != "off\n" {
		t.Errorf("request file %q", b)
	}
	if on, err := readScreenRequest(file); on || err != nil {
		t.Errorf("off: on=%v err=%v", on, err)
	}
	if err := d.SetScreen(ctx, true); err != nil {
		t.Fatal(err)
	}
	if on, err := readScreenRequest(file); !on || err != nil {
		t.Errorf("on: on=%v err=%v", on, err)
	}
	if _, err := os.Stat(file + ".new"); !os.IsNotExist(err) {
		t.Errorf("the temporary file is left: %v", err)
	}

	// What the kiosk user could put there instead: the screen stays on.
	if err := os.WriteFile(file, []byte("reboot now\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if on, err := readScreenRequest(file); !on || err == nil {
		t.Errorf("garbage: on=%v err=%v, want on and an error", on, err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "target"), []byte("off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "target"), file); err != nil {
		t.Fatal(err)
	}
	if on, err := readScreenRequest(file); !on || err == nil {
		t.Errorf("symbolic link: on=%v err=%v, want on and an error", on, err)
	}
}

// The image's units agree with each other and with the kiosk: the drop-in
// gives the kiosk the file the path unit watches, the path unit starts the
// root unit, and that reads the same file.
func TestImageRequestUnitsAgree(t *testing.T) {
	files := filepath.Join("..", "..", "packaging", "image", "files")
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(files, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	value := func(unit, key string) string {
		t.Helper()
		for _, l := range strings.Split(unit, "\n") {
			if v, ok := strings.CutPrefix(l, key+"="); ok {
				return v
			}
		}
		t.Fatalf("no %s= in\n%s", key, unit)
		return ""
	}
	env := map[string]string{}
	for _, kv := range strings.Fields(value(read("etc/systemd/system/kiosk.service.d/20-requests.conf"), "Environment")) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	demoEnv := value(read("etc/systemd/system/kiosk-demo.service.d/20-screen.conf"), "Environment")
	for _, c := range []struct{ env, path, service, exec string }{
		{screenFileEnv, "kiosk-screen.path", "kiosk-screen.service", "/usr/local/bin/kiosk -screen-apply "},
		{rebootFileEnv, "kiosk-reboot.path", "kiosk-reboot.service", ""},
	} {
		file := env[c.env]
		if file == "" || !strings.HasPrefix(file, "/run/kiosk/") {
			t.Errorf("kiosk.service's drop-in sets %s=%q, want a file in the kiosk's runtime directory", c.env, file)
			continue
		}
		path := read(c.path)
		if got := value(path, "PathChanged"); got != file {
			t.Errorf("%s watches %s, the kiosk writes %s", c.path, got, file)
		}
		if got := value(path, "Unit"); got != c.service {
			t.Errorf("%s starts %s, want %s", c.path, got, c.service)
		}
		if exec := value(read(c.service), "ExecStart"); !strings.Contains(exec, c.exec+file) {
			t.Errorf("%s runs %q, which does not read %s", c.service, exec, file)
		}
	}
	if demoEnv != screenFileEnv+"="+env[screenFileEnv] {
		t.Errorf("kiosk-demo.service's drop-in sets %q", demoEnv)
	}
}
