package update

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBootloaderBackend runs packaging/image/rauc/rauc-bootloader, RAUC's
// custom backend for systemd-boot, against an ESP in a directory, and
// plays systemd-boot's part by renaming the counted entry as it would
// after three failed boots.
func TestBootloaderBackend(t *testing.T) {
	script, err := filepath.Abs("../packaging/image/rauc/rauc-bootloader")
	if err != nil {
		t.Fatal(err)
	}
	esp := t.TempDir()
	entries := filepath.Join(esp, "loader", "entries")
	if err := os.MkdirAll(entries, 0o755); err != nil {
		t.Fatal(err)
	}
	// The image as build.sh writes it: one entry for slot A.
	if err := os.WriteFile(filepath.Join(entries, "root-a.conf"), []byte("title Library kiosk (slot A)\noptions root=PARTLABEL=root-a ro\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(script, args...)
		cmd.Env = append(os.Environ(), "KIOSK_ESP="+esp)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("rauc-bootloader %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	expect := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	names := func() string {
		m, _ := filepath.Glob(filepath.Join(entries, "*.conf"))
		for i := range m {
			m[i] = filepath.Base(m[i])
		}
		return strings.Join(m, " ")
	}
	expect("fresh image: primary", run("get-primary"), "A")
	expect("fresh image: state A", run("get-state", "A"), "good")
	expect("fresh image: state B", run("get-state", "B"), "bad")

	// An update into B: B is tried, A is the fall-back.
	run("set-primary", "B")
	expect("entries after set-primary B", names(), "kiosk-fallback.conf kiosk-primary+3.conf")
	expect("primary", run("get-primary"), "B")
	// Being tried is not good yet: the kiosk must mark it.
	expect("state B while tried", run("get-state", "B"), "bad")
	expect("state A, the fall-back", run("get-state", "A"), "good")
	b, _ := os.ReadFile(filepath.Join(entries, "kiosk-primary+3.conf"))
	if !strings.Contains(string(b), "root=PARTLABEL=root-b rauc.slot=B") || !strings.Contains(string(b), "linux /root-b/vmlinuz") {
		t.Errorf("B's entry:\n%s", b)
	}
	l, _ := os.ReadFile(filepath.Join(esp, "loader", "loader.conf"))
	if !strings.Contains(string(l), "default kiosk-*") || !strings.Contains(string(l), "editor no") {
		t.Errorf("loader.conf:\n%s", l)
	}

	// B never proves good: systemd-boot counts its three tries down.
	if err := os.Rename(filepath.Join(entries, "kiosk-primary+3.conf"), filepath.Join(entries, "kiosk-primary+0-3.conf")); err != nil {
		t.Fatal(err)
	}
	expect("after three failed boots: primary", run("get-primary"), "A")
	expect("state B", run("get-state", "B"), "bad")
	expect("state A", run("get-state", "A"), "good")

	// The next update into B proves good: mark-good drops the counter.
	run("set-primary", "B")
	expect("entries", names(), "kiosk-fallback.conf kiosk-primary+3.conf")
	run("set-state", "B", "good")
	expect("entries after mark-good", names(), "kiosk-fallback.conf kiosk-primary.conf")
	expect("state B", run("get-state", "B"), "good")
	expect("primary", run("get-primary"), "B")

	// mark-bad of the running primary makes the next boot the fall-back's.
	run("set-state", "B", "bad")
	expect("primary after mark-bad", run("get-primary"), "A")
}
