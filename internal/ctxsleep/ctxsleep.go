// Package ctxsleep waits for a duration or until a context ends, the one
// wait the scenario player and the update client's back-off share.
package ctxsleep

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx ends, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
