package kioskdemo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/danbib/kiosk/kiosk"
)

// LoanAndReturn plays two whole patron sessions on the demo, as a patron at
// the screen would: log in with patron and pin, lend n items that any demo
// patron may borrow, finish without a receipt; lift the items off the pad;
// then return them in a session without login. It returns the ids of the
// items it used. The fleet test (cmd/kioskheadless) and the metrics tests
// drive the demo with it.
func (d *Demo) LoanAndReturn(ctx context.Context, patron, pin string, n int) ([]string, error) {
	avail := d.Available(n)
	if len(avail) < n {
		return nil, fmt.Errorf("kioskdemo: only %d items on the shelf, %d wanted", len(avail), n)
	}
	var ids []string
	for _, it := range avail {
		ids = append(ids, it.ID)
	}
	if err := d.waitView(ctx, "the welcome screen", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenWelcome }); err != nil {
		return nil, err
	}
	d.Kiosk.Send(kiosk.InChoose{Screen: kiosk.ScreenLoan})
	_ = d.Scan(patron)
	if err := d.waitView(ctx, "the PIN screen", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenPIN }); err != nil {
		return nil, err
	}
	for _, c := range pin {
		d.Kiosk.Send(kiosk.InKey{Key: c})
	}
	if err := d.waitView(ctx, "the loan screen", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenLoan }); err != nil {
		return nil, err
	}
	if err := d.stack(ctx, ids); err != nil {
		return nil, err
	}
	if err := d.waitView(ctx, "the welcome screen", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenWelcome }); err != nil {
		return nil, err
	}
	d.Kiosk.Send(kiosk.InChoose{Screen: kiosk.ScreenReturn})
	if err := d.waitView(ctx, "the return screen", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenReturn }); err != nil {
		return nil, err
	}
	return ids, d.stack(ctx, ids)
}

// stack puts the items on the pad, waits until each is done, ends the
// session and lifts them: the items lie on the pad after their session,
// and only lifted may the next session work on them (see the README on
// items left on the pad).
func (d *Demo) stack(ctx context.Context, ids []string) error {
	if err := d.onPadUntilDone(ctx, ids); err != nil {
		return err
	}
	if err := d.finish(ctx); err != nil {
		return err
	}
	if err := d.ClearPad(); err != nil {
		return err
	}
	return d.wait(ctx, "the items lifted", func() bool { return len(d.Kiosk.Model().Carried) == 0 })
}

// onPadUntilDone places the items and waits until the screen shows each of
// them done.
func (d *Demo) onPadUntilDone(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if err := d.Place(id, nil); err != nil {
			return err
		}
	}
	return d.waitView(ctx, fmt.Sprintf("%d items done", len(ids)), func(v kiosk.View) bool {
		done := 0
		for _, it := range v.Items {
			switch it.State {
			case kiosk.ItemDone:
				done++
			case kiosk.ItemRefused, kiosk.ItemSeeStaff:
				return true // reported below
			}
		}
		return done == len(ids)
	}, func(v kiosk.View) error {
		for _, it := range v.Items {
			if it.State != kiosk.ItemDone {
				return fmt.Errorf("kioskdemo: item %s ended as %v (%s)", it.ItemID, it.State, it.Reason.ID)
			}
		}
		return nil
	})
}

// finish ends the session with Finish, declining a receipt when asked, and
// waits until it is over.
func (d *Demo) finish(ctx context.Context) error {
	d.Kiosk.Send(kiosk.InFinish{})
	over := func(v kiosk.View) bool {
		return v.Screen == kiosk.ScreenGoodbye || v.Screen == kiosk.ScreenWelcome || v.Screen == kiosk.ScreenReceipt
	}
	if err := d.waitView(ctx, "the end of the session", over); err != nil {
		return err
	}
	if d.Kiosk.View().Screen == kiosk.ScreenReceipt {
		d.Kiosk.Send(kiosk.InReceipt{Choice: "none"})
	}
	return d.waitView(ctx, "the goodbye screen", func(v kiosk.View) bool {
		return v.Screen == kiosk.ScreenGoodbye || v.Screen == kiosk.ScreenWelcome
	})
}

// waitView polls the core's view until cond holds, ctx ends, or a minute
// passes (the demo's pad takes real air time, but never that long). check,
// when given, turns the view cond stopped at into an error.
func (d *Demo) waitView(ctx context.Context, what string, cond func(kiosk.View) bool, check ...func(kiosk.View) error) error {
	if err := d.wait(ctx, what, func() bool { return cond(d.Kiosk.View()) }); err != nil {
		v := d.Kiosk.View()
		return fmt.Errorf("%w; the screen is %v in mode %v", err, v.Screen, v.Mode)
	}
	for _, c := range check {
		if err := c(d.Kiosk.View()); err != nil {
			return err
		}
	}
	return nil
}

// errTimeout is the error of a wait that took longer than a minute.
var errTimeout = errors.New("kioskdemo: timed out")

func (d *Demo) wait(ctx context.Context, what string, cond func() bool) error {
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%w waiting for %s", errTimeout, what)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kioskdemo: waiting for %s: %w", what, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
