package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/metrics"
)

// coreExtras are what main knows and the core's wiring needs besides the
// configuration: the checksum of the file it was loaded from and the log
// ring of maintenance mode's log page.
type coreExtras struct {
	configSum string
	logTail   func() []string
	// metrics is the Prometheus adapter when [metrics] listen is set, nil
	// otherwise.
	metrics *metrics.Metrics
	// started is called once the core runs (the control socket).
	started func(k *kiosk.Kiosk)
}

// fileSum is the SHA-256 of a file in hex, "" when there is no file.
func fileSum(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// restartExitCode is the exit status with which the kiosk asks systemd to
// start it again: the unit restarts it (Restart=always in
// packaging/systemd/kiosk.service), and the kiosk user may not restart a
// system unit itself (NoNewPrivileges, no polkit rule).
const restartExitCode = 75

// systemdActions are maintenance mode's restart and reboot. rebootFile,
// when set (KIOSK_REBOOT_FILE, on the image), is where a reboot is asked
// for instead of systemctl.
type systemdActions struct {
	log        logrus.FieldLogger
	rebootFile string
}

// rebootFileEnv names the reboot request file; the image's kiosk unit sets it.
const rebootFileEnv = "KIOSK_REBOOT_FILE"

func newSystemdActions(log logrus.FieldLogger) systemdActions {
	return systemdActions{log: log, rebootFile: os.Getenv(rebootFileEnv)}
}

// Restart ends the process with a failure status a moment later, so the
// audit line and the screen's answer get out first; systemd's Restart=
// starts the kiosk again.
func (s systemdActions) Restart(context.Context) error {
	s.log.Warn("maintenance: restarting the kiosk at a technician's request")
	time.AfterFunc(time.Second, func() { os.Exit(restartExitCode) })
	return nil
}

// Reboot asks logind through systemctl, which lets the user of the active
// seat (the kiosk's cage session) reboot where polkit says so (a desktop
// Debian's default). The image has no polkit and gives the kiosk user no
// privilege, so there the kiosk writes "reboot" to its request file and
// the root unit kiosk-reboot.service (started by kiosk-reboot.path) runs
// systemctl reboot.
func (s systemdActions) Reboot(ctx context.Context) error {
	s.log.Warn("maintenance: rebooting (a technician's request or the nightly reboot)")
	if s.rebootFile != "" {
		return writeRequest("reboot", s.rebootFile, "reboot")
	}
	out, err := exec.CommandContext(ctx, "systemctl", "reboot").CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl reboot: %w: %s", err, out)
	}
	return nil
}
