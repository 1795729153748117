package update

import (
	"context"
	"time"

	"github.com/sirupsen/logrus"
)

// Health is what the kiosk knows about itself after a boot, for deciding
// whether the running slot is good.
type Health struct {
	// Ready: the kiosk told systemd READY and its core has started.
	Ready bool
	// WatchdogFed: systemd's watchdog has been pinged at least once since
	// start, or the unit has no watchdog to feed.
	WatchdogFed bool
	// ACSOnline: the library system answers and is on line.
	ACSOnline bool
	// ACSAnswered: the library system answered at least once (SC Status
	// got its 98), even if it said it is off line: the network, TLS and
	// SIP2 login of the new slot work, and the library system is out of
	// order for a reason of its own.
	ACSAnswered bool
	// ForcedOutOfOrder: a technician switched the kiosk out of order
	// (maintenance mode or kioskctl), a reason that is not the update's.
	ForcedOutOfOrder bool
}

// Verdict is the outcome of Decide.
type Verdict int

// The verdicts.
const (
	// Wait: not good yet, and the time limit has not passed.
	Wait Verdict = iota
	// Good: mark the slot good.
	Good
	// GiveUp: the time limit passed without the slot proving good; it is
	// not marked, so the boot loader falls back once the slot's tries are
	// used up (kiosk-update-check.service reboots to get there).
	GiveUp
)

func (v Verdict) String() string { return [...]string{"wait", "good", "give up"}[v] }

// Decide says whether the running slot is good: the kiosk reached READY,
// its watchdog is fed, and the library system is reachable or out of order
// for a reason that is not the update. It does so only within limit after
// start; after that the answer is GiveUp, even if the kiosk got well late,
// so that a slot that needs more than the limit does not stay by luck.
func Decide(h Health, since, limit time.Duration) Verdict {
	if since > limit {
		return GiveUp
	}
	if h.Ready && h.WatchdogFed && (h.ACSOnline || h.ACSAnswered || h.ForcedOutOfOrder) {
		return Good
	}
	return Wait
}

// Why names what is missing, for the log when the kiosk gives up.
func (h Health) Why() string {
	switch {
	case !h.Ready:
		return "the kiosk never reached READY"
	case !h.WatchdogFed:
		return "the watchdog was never fed"
	case !(h.ACSOnline || h.ACSAnswered || h.ForcedOutOfOrder):
		return "the library system never answered"
	}
	return "all checks passed"
}

// MarkGoodLoop checks health every interval after start and marks the
// booted slot good through r as soon as Decide says Good. It returns the
// verdict: Good once marked, GiveUp after limit, or Wait when ctx ended
// first. A slot RAUC already counts as good is left alone.
func MarkGoodLoop(ctx context.Context, r RAUC, health func() Health, start time.Time, now func() time.Time,
	limit, interval time.Duration, audit Auditor, log logrus.FieldLogger) Verdict {
	st, err := r.Status(ctx)
	if err != nil {
		log.WithError(err).Warn("update: no RAUC status; the booted slot is not marked good")
		return Wait
	}
	if sl, ok := st.BootedSlot(); ok && sl.BootStatus == "good" {
		log.Infof("update: booted slot %s is good already", sl.BootName)
		return Good
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		h := health()
		switch Decide(h, now().Sub(start), limit) {
		case Good:
			if err := r.MarkGood(ctx); err != nil {
				log.WithError(err).Error("update: marking the booted slot good failed; the boot loader may fall back")
				audit.AuditUpdate("update-mark-good", "failed", err.Error())
				return Wait
			}
			audit.AuditUpdate("update-mark-good", "ok", st.String())
			log.Infof("update: booted slot marked good (%s)", st.String())
			return Good
		case GiveUp:
			audit.AuditUpdate("update-mark-good", "refused", h.Why())
			log.Errorf("update: the booted slot is not marked good: %s within %s; the boot loader falls back to the other slot", h.Why(), limit)
			return GiveUp
		}
		select {
		case <-ctx.Done():
			return Wait
		case <-t.C:
		}
	}
}
