package update

import (
	"context"
	"fmt"

	"github.com/danbib/kiosk/kiosk"
)

// Controller is the part of *kiosk.Kiosk a KioskGate uses.
type Controller interface {
	Control(ctx context.Context, cmd kiosk.ControlCommand) (kiosk.ControlReply, error)
}

// KioskGate is the Gate of a running kiosk core: its waits are the core's
// own (kiosk.CtlUpdateIdle, kiosk.CtlUpdateReboot), released by the same
// tick and the same "in use" test as the nightly reboot.
type KioskGate struct{ Core Controller }

// WaitIdle returns once no patron is being served and no technician is at
// the screen.
func (g KioskGate) WaitIdle(ctx context.Context) error {
	rep, err := g.Core.Control(ctx, kiosk.ControlCommand{Action: kiosk.CtlUpdateIdle})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if !rep.OK {
		return fmt.Errorf("update: the core refused to wait: %s", rep.Result.Raw)
	}
	return nil
}

// RebootWhenIdle has the core reboot through maintenance mode's reboot
// action once the kiosk is free.
func (g KioskGate) RebootWhenIdle(ctx context.Context, version string) (bool, error) {
	rep, err := g.Core.Control(ctx, kiosk.ControlCommand{Action: kiosk.CtlUpdateReboot, Preset: version})
	if err != nil {
		return false, fmt.Errorf("update: %w", err)
	}
	return rep.Pending, nil
}
