package kiosk

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/danbib/kiosk/internal/version"
	"github.com/danbib/kiosk/pinfile"
)

// System restarts the kiosk app or reboots the machine (through systemd in
// production). Without one (the demo) the actions only say what they would
// do.
type System interface {
	Restart(ctx context.Context) error
	Reboot(ctx context.Context) error
}

// TestPrinter is optionally implemented by a ReceiptPrinter: it prints the
// same test receipt as "kioskctl print-test".
type TestPrinter interface {
	PrintTest(ctx context.Context) error
}

// ReaderInfo is optionally implemented by a TagWriter: the reader's answer
// to Get Software Version, as "kioskctl rfid scan" prints it.
type ReaderInfo interface {
	ReaderInfo(ctx context.Context) (string, error)
}

// HostFacts are what the machine says about itself.
type HostFacts struct {
	IPs       []string
	FreeBytes int64  // in the state directory; -1 when unknown
	NTP       string // "yes", "no" or "unknown"
}

// loadMaintState restores the lockout and the out-of-order switch from the
// state directory. A file that cannot be read is logged and ignored: a
// broken lockout file must not keep the kiosk from starting, and the
// technician sees the out-of-order state on the status screen anyway.
func (k *Kiosk) loadMaintState() {
	var lock MaintLock
	if err := loadJSON(k.opts.StateDir, maintLockName, &lock); err != nil {
		k.log.WithError(err).Error("maintenance: lockout state unreadable; starting without a lockout")
	}
	k.model.Maint.Lock = lock
	var ooo outOfOrderFile
	if err := loadJSON(k.opts.StateDir, outOfOrderName, &ooo); err != nil {
		k.log.WithError(err).Error("maintenance: out-of-order state unreadable")
	}
	if validPreset(ooo.Preset) {
		k.model.OutOfOrder = ooo.Preset
		k.model.Mode, k.model.ModeReason = k.model.computeMode()
	}
}

// performMaint carries out the maintenance effects; it reports whether e
// was one.
func (k *Kiosk) performMaint(e Effect) bool {
	switch x := e.(type) {
	case EffAudit:
		k.writeAudit(x)
	case EffMaintSaveLock:
		if err := saveJSON(k.opts.StateDir, maintLockName, x.Lock); err != nil {
			k.log.WithError(err).Error("maintenance: saving the lockout failed")
		}
	case EffSaveOutOfOrder:
		var err error
		if x.Preset == "" {
			err = saveJSON(k.opts.StateDir, outOfOrderName, outOfOrderFile{})
		} else {
			err = saveJSON(k.opts.StateDir, outOfOrderName, outOfOrderFile{Preset: x.Preset, Since: k.ports.Clock.Now()})
		}
		if err != nil {
			k.log.WithError(err).Error("maintenance: saving the out-of-order switch failed")
		}
	case EffMaintCheck:
		k.async(func() Event {
			defer zero(x.Secret)
			if k.pins == nil {
				return EvMaintChecked{Err: errors.New("kiosk: no credential file")}
			}
			f, err := k.pins.Get()
			if err != nil {
				return EvMaintChecked{Err: err}
			}
			return EvMaintChecked{Tech: f.Match(x.Secret)}
		})
	case EffMaintStatus:
		k.async(func() Event { return EvMaintStatus{Report: k.statusReport()} })
	case EffMaintLog:
		k.async(func() Event {
			var lines []string
			if k.ports.LogTail != nil {
				lines = k.ports.LogTail()
			}
			return EvMaintLog{Lines: lines}
		})
	case EffMaintAction:
		k.async(func() Event { return k.maintAction(x) })
	default:
		return k.performMaintTags(e)
	}
	return true
}

// writeAudit appends to the audit log and repeats the entry in the journal
// (the process log), so it survives a lost state directory.
func (k *Kiosk) writeAudit(x EffAudit) {
	e := AuditEntry{Time: k.ports.Clock.Now(), Kiosk: k.opts.KioskID, Tech: x.Tech, Action: x.Action, Result: x.Result, Detail: x.Detail, Via: x.Via}
	if x.Via == "control" {
		uid := x.UID
		e.UID = &uid
	}
	if err := k.audit.Append(e); err != nil {
		k.log.WithError(err).Error("maintenance: audit log write failed")
	}
	entry := k.log.WithField("audit", x.Action).WithField("result", x.Result)
	if x.Tech != "" {
		entry = entry.WithField("tech", x.Tech)
	}
	switch x.Via {
	case "":
	case "control":
		entry = entry.WithField("via", x.Via).WithField("uid", x.UID)
	default:
		entry = entry.WithField("via", x.Via)
	}
	if x.Detail != "" {
		entry = entry.WithField("detail", x.Detail)
	}
	entry.Info("maintenance audit")
}

// Audit returns the audit log (tests and kioskctl).
func (k *Kiosk) Audit() *AuditLog { return k.audit }

func (k *Kiosk) maintAction(x EffMaintAction) Event {
	ctx, cancel := context.WithTimeout(context.Background(), k.opts.CallTimeout)
	defer cancel()
	ev := EvMaintResult{Action: x.Action, Ctl: x.Ctl}
	fail := func(id string, err error) Event {
		ev.Result = Text{ID: id, Raw: err.Error(), Data: map[string]any{"Error": err.Error()}}
		return ev
	}
	switch x.Action {
	case ActionPrintTest:
		tp, ok := k.ports.Printer.(TestPrinter)
		if !ok {
			return fail("maint.result.no_printer", errors.New("no printer configured"))
		}
		if err := tp.PrintTest(ctx); err != nil {
			return fail("maint.result.print_failed", err)
		}
		ev.OK, ev.Result = true, Text{ID: "maint.result.printed", Raw: "printed"}
	case ActionACSCheck:
		start := k.ports.Clock.Now()
		st, err := k.ports.Library.Status(ctx, false)
		took := k.ports.Clock.Now().Sub(start)
		if err != nil {
			return fail("maint.result.acs_failed", err)
		}
		k.recordStatus(st, took)
		ev.OK = st.Online
		ev.Result = Text{ID: "maint.result.acs_ok", Raw: "online=" + ynFlag(st.Online),
			Data: map[string]any{"Online": ynFlag(st.Online), "Checkout": ynFlag(st.CheckoutOK), "Checkin": ynFlag(st.CheckinOK), "Ms": took.Milliseconds()}}
	case ActionRestart, ActionReboot:
		if k.ports.System == nil {
			id := "maint.result.would_restart"
			if x.Action == ActionReboot {
				id = "maint.result.would_reboot"
			}
			ev.OK, ev.Result = true, Text{ID: id, Raw: "demo"}
			return ev
		}
		var err error
		if x.Action == ActionRestart {
			err = k.ports.System.Restart(ctx)
		} else {
			err = k.ports.System.Reboot(ctx)
		}
		if err != nil {
			return fail("maint.result.system_failed", err)
		}
		ev.OK, ev.Result = true, Text{ID: "maint.result.system_requested", Raw: x.Action}
	}
	return ev
}

// recordRTT adds one timed library-system call.
func (k *Kiosk) recordRTT(d time.Duration) {
	k.statMu.Lock()
	k.rtt.add(k.ports.Clock.Now(), d)
	k.statMu.Unlock()
}

// recordStatus keeps the last 98 and its clock skew for the status screen.
func (k *Kiosk) recordStatus(st ACSStatus, took time.Duration) {
	now := k.ports.Clock.Now()
	k.statMu.Lock()
	defer k.statMu.Unlock()
	k.rtt.add(now, took)
	s := st
	k.last98, k.last98At = &s, now
	if !st.Time.IsZero() {
		d := now.Sub(st.Time).Round(time.Second)
		k.skew = &d
	}
}

// statusReport gathers the facts of the status screen.
func (k *Kiosk) statusReport() StatusReport {
	now := k.ports.Clock.Now()
	k.mu.Lock()
	m := k.model
	k.mu.Unlock()
	r := StatusReport{
		At: now, KioskID: k.opts.KioskID,
		Uptime: now.Sub(k.started), Mode: m.Mode, ModeReason: m.ModeReason, OutOfOrder: m.OutOfOrder,
		Info: m.Opts.Info, CallTimeout: k.opts.CallTimeout,
		ACSOnline: m.Health.ACSOnline, QueueFull: m.Health.QueueFull,
		Reader: m.Health.Reader, Paper: m.Health.Paper, PrinterNone: m.Health.PrinterNone,
		ClockSet: m.Health.ClockSet, StateDir: k.opts.StateDir,
	}
	r.Version, r.Commit = version.Info()
	k.statMu.Lock()
	r.RTTMedian, r.RTTP95, r.RTTCount = k.rtt.stats(now)
	r.System = k.system
	if k.last98 != nil {
		s := *k.last98
		r.Last98, r.Last98At = &s, k.last98At
	}
	if k.skew != nil {
		d := *k.skew
		r.Skew = &d
	}
	k.statMu.Unlock()
	for _, q := range k.queue.Entries() {
		r.Queue = append(r.Queue, QueueRow{ItemID: q.ItemID, Op: "checkin", At: q.At})
	}
	for _, j := range k.journal.Entries() {
		r.Journal = append(r.Journal, QueueRow(j))
	}
	if ri, ok := k.ports.Tags.(ReaderInfo); ok && m.Health.Reader {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		info, err := ri.ReaderInfo(ctx)
		cancel()
		if err != nil {
			r.ReaderErr = err.Error()
		}
		r.ReaderInfo = info
	}
	if ps, ok := k.ports.Printer.(PrinterStateReporter); ok && !m.Health.PrinterNone {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		st, err := ps.PrinterState(ctx)
		cancel()
		if err == nil {
			r.PrinterState = st
		}
	}
	if k.ports.ScannerPresent != nil {
		r.ScannerPresent, r.ScannerKnown = k.ports.ScannerPresent()
	}
	hf := hostFacts(k.opts.StateDir)
	if k.ports.Host != nil {
		hf = k.ports.Host(k.opts.StateDir)
	}
	r.IPs, r.FreeBytes, r.NTP = hf.IPs, hf.FreeBytes, hf.NTP
	return r
}

// localIPs lists the machine's addresses other than loopback.
func localIPs() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			out = append(out, n.IP.String())
		}
	}
	return out
}

// pinCache returns the credential file cache, or nil without one.
func pinCache(path string) *pinfile.Cache {
	if path == "" {
		return nil
	}
	return &pinfile.Cache{Path: path}
}
