package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// Restart ends the process with restartExitCode, and the kiosk's unit
// restarts it on that status. The restart runs in a child process of the
// test binary, since it really exits.
func TestRestartExitsForSystemd(t *testing.T) {
	if os.Getenv("KIOSK_TEST_RESTART") == "1" {
		if err := (systemdActions{log: logrus.New()}).Restart(context.Background()); err != nil {
			os.Exit(1)
		}
		time.Sleep(10 * time.Second)
		os.Exit(0) // Restart did not end the process
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRestartExitsForSystemd$")
	cmd.Env = append(os.Environ(), "KIOSK_TEST_RESTART=1")
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != restartExitCode {
		t.Fatalf("Restart ended with %v, want exit status %d", err, restartExitCode)
	}

	unit, err := os.ReadFile(filepath.Join("..", "..", "packaging", "systemd", "kiosk.service"))
	if err != nil {
		t.Fatal(err)
	}
	restarts := false
	for _, l := range strings.Split(string(unit), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "Restart=always", l == "Restart=on-failure":
			restarts = true
		case strings.HasPrefix(l, "SuccessExitStatus=") || strings.HasPrefix(l, "RestartPreventExitStatus="):
			if strings.Contains(l, "75") {
				t.Errorf("the unit does not restart on status 75: %s", l)
			}
		}
	}
	if !restarts {
		t.Error("kiosk.service has no Restart=always or Restart=on-failure")
	}
}

// Reboot runs "systemctl reboot" and reports its failure with its output.
func TestRebootAsksSystemctl(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "args")
	script := "#!/bin/sh\necho \"$@\" > " + record + "\n[ -z \"$FAKE_SYSTEMCTL_FAIL\" ] || { echo 'Access denied' >&2; exit 1; }\n"
	if err := os.WriteFile(filepath.Join(dir, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	s := systemdActions{log: logrus.New()}
	if err := s.Reboot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(record); strings.TrimSpace(string(b)) != "reboot" {
		t.Fatalf("systemctl called with %q", b)
	}
	t.Setenv("FAKE_SYSTEMCTL_FAIL", "1")
	if err := s.Reboot(context.Background()); err == nil || !strings.Contains(err.Error(), "Access denied") {
		t.Fatalf("a refused reboot: %v", err)
	}
}

// On the image the reboot is a request file for kiosk-reboot.service, and
// systemctl is not run (as the kiosk user it would be refused).
func TestRebootByRequestFile(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "args")
	if err := os.WriteFile(filepath.Join(dir, "systemctl"), []byte("#!/bin/sh\necho \"$@\" > "+record+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv(rebootFileEnv, filepath.Join(dir, "reboot"))
	if err := newSystemdActions(logrus.New()).Reboot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "reboot")); err != nil || string(b) != "reboot\n" {
		t.Fatalf("request file %q %v", b, err)
	}
	if _, err := os.Stat(record); err == nil {
		t.Error("systemctl was run as well")
	}
	t.Setenv(rebootFileEnv, filepath.Join(dir, "no-such-dir", "reboot"))
	if err := newSystemdActions(logrus.New()).Reboot(context.Background()); err == nil {
		t.Error("a request that cannot be written, yet no error")
	}
}
