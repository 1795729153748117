package kiosk

import (
	"context"
	"errors"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/logging"
	"github.com/danbib/kiosk/pinfile"
)

// Ports are the outside world of the core. Library and Tags are required;
// the rest have defaults.
type Ports struct {
	Library LibrarySystem
	Tags    TagWriter
	// Printer prints receipts; nil means no printer (QR only). When it also
	// implements PrinterStatus, its paper state feeds the health registry.
	Printer ReceiptPrinter
	// Sounds plays the sound cues ([sound]); nil plays none.
	Sounds Sounds
	// Clock defaults to the system clock.
	Clock Clock
	// Log is the one logger; nil discards. The core logs item ids, states
	// and reasons, never a patron.
	Log logrus.FieldLogger
	// Identify validates card numbers (scanner.Identify through an
	// adapter); nil uses a minimal check.
	Identify IdentifyFunc
	// System restarts the app and reboots the machine for maintenance
	// mode; nil (the demo) only says what it would do.
	System System
	// LogTail returns the last log lines, already redacted, newest first,
	// for maintenance mode's log page; nil shows none.
	LogTail func() []string
	// ScanKind tells what kind of patron id a scan is (ScanKindCPR,
	// ScanKindCard, ScanKindUnknown) for maintenance mode's scanner test;
	// it must not keep text. nil says unknown for every scan.
	ScanKind func(text []byte) string
	// ScannerPresent tells whether the card scanner is plugged in, and
	// whether that can be known at all (a keystroke wedge is a keyboard
	// like any other); nil means unknown.
	ScannerPresent func() (present, known bool)
	// Host overrides the machine facts of the status screen (tests).
	Host func(stateDir string) HostFacts
	// Observer is told what the kiosk did (sessions, loans, returns,
	// renewals, refusals), for the metrics; nil observes nothing.
	Observer Observer
	// ClockSync tells whether time synchronisation (NTP) has set the
	// system clock: synced, and whether that is known at all. While it is
	// known not to be, the clock is not trusted and offline returns stop,
	// since they would be dated by it. nil (the demo, tests) means unknown;
	// the production kiosk passes ClockSynchronised.
	ClockSync func() (synced, known bool)
	// Display switches the screen off outside opening hours and on again;
	// nil (the demo) only logs what it would do.
	Display Display
}

// Kiosk is the runner: it owns the model, feeds events to Step one at a
// time, performs the effects (library-system calls and tag writes run
// concurrently, bounded by Options.Parallel), and renders a View to the UI
// after every change.
type Kiosk struct {
	opts    Options
	ports   Ports
	ui      UI
	log     logrus.FieldLogger
	journal *Journal
	queue   *OfflineQueue

	events chan Event
	done   chan struct{}
	sipSem chan struct{}
	tagSem chan struct{}
	wg     sync.WaitGroup

	mu         sync.Mutex
	model      Model
	view       View
	mustRender bool // the UI has not seen k.view yet

	healthMu sync.Mutex
	health   Health

	printMu     sync.Mutex
	printCtx    context.Context
	printCancel context.CancelFunc

	tickMu   sync.Mutex
	stopTick func() bool

	heartbeat atomic.Int64 // unix nanoseconds of the last event handled

	// watch is the Observer's bookkeeping and the session id of the log
	// lines; guarded by mu.
	watch watch

	// system is the installed system (SetSystem), under statMu.
	system string

	// ctlMu guards the control callers waiting for their replies.
	ctlMu   sync.Mutex
	ctlWait map[int]chan ControlReply
	ctlNext int

	audit   *AuditLog
	pins    *pinfile.Cache
	started time.Time

	// statMu guards the facts kept for the status screen.
	statMu   sync.Mutex
	rtt      rttWindow
	last98   *ACSStatus
	last98At time.Time
	skew     *time.Duration
}

// New builds a kiosk. ui may be nil (headless); it can also be set later
// with SetUI before Run.
func New(opts Options, ports Ports, ui UI) (*Kiosk, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if ports.Library == nil || ports.Tags == nil {
		return nil, errors.New("kiosk: Library and Tags ports are required")
	}
	if ports.Clock == nil {
		ports.Clock = SystemClock{}
	}
	ports.Log = logging.OrDiscard(ports.Log)
	j, err := OpenJournal(opts.StateDir)
	if err != nil {
		return nil, err
	}
	q, err := OpenOfflineQueue(opts.StateDir, opts.OfflineQueueMax)
	if err != nil {
		return nil, err
	}
	audit, err := OpenAuditLog(opts.StateDir, opts.AuditMaxBytes, opts.AuditKeepDays)
	if err != nil {
		return nil, err
	}
	k := &Kiosk{
		opts: opts, ports: ports, ui: ui, log: ports.Log.WithField("component", "kiosk"),
		journal: j, queue: q, audit: audit, pins: pinCache(opts.MaintPINFile), started: ports.Clock.Now(),
		events: make(chan Event, 1024),
		done:   make(chan struct{}),
		sipSem: make(chan struct{}, opts.Parallel),
		tagSem: make(chan struct{}, 1),
	}
	k.model = NewModel(opts, ports.Identify, ports.Clock.Now())
	k.watch = newWatch(k.model.Session)
	// Card locks outlive a restart, or switching the kiosk off and on
	// would undo them. A throttle that cannot be read starts empty rather
	// than keep the kiosk out of service.
	th, err := OpenThrottle(opts, opts.StateDir, ports.Clock.Now())
	if err != nil {
		k.log.WithError(err).Warn("card locks of the last run not restored")
	}
	k.model.Throttle = th
	k.model.Health.PrinterNone = ports.Printer == nil
	// A clock that says it is before 2025 was reset (no RTC battery, no
	// NTP yet): offline returns would carry wrong dates. SetClockSet
	// overrides this once time sync is known.
	k.model.Health.ClockSet = ports.Clock.Now().Year() >= 2025
	k.loadMaintState()
	k.health = k.model.Health
	k.health.Recovering = false
	k.view = k.model.View()
	k.mustRender = true
	k.printCtx, k.printCancel = context.WithCancel(context.Background())
	return k, nil
}

// SetUI sets the UI before Run.
func (k *Kiosk) SetUI(ui UI) {
	k.mu.Lock()
	k.ui = ui
	k.mustRender = true
	k.mu.Unlock()
}

// Send passes a UI input to the core. It never blocks the UI for long.
func (k *Kiosk) Send(in Input) { k.post(EvInput{In: in}) }

// Scan passes the text of a card scan (HID scanner or keystroke wedge).
// The core zeroes text once it is handled; the caller must not reuse it.
func (k *Kiosk) Scan(text []byte) { k.post(EvScan{Text: text}) }

// PadItem reports an item placed on the pad, or a change of its parts.
func (k *Kiosk) PadItem(p PadItem) { k.post(EvPadItem{Item: p}) }

// PadRemoved reports an item lifted off the pad.
func (k *Kiosk) PadRemoved(itemID string) { k.post(EvPadRemoved{ItemID: itemID}) }

// PadUnreadable reports a tag that is not a readable library tag.
func (k *Kiosk) PadUnreadable() { k.post(EvPadUnreadable{}) }

// SetReader reports whether the RFID reader is present (hot-plug).
func (k *Kiosk) SetReader(present bool) {
	k.healthMu.Lock()
	k.health.Reader = present
	h := k.health
	k.healthMu.Unlock()
	k.post(EvHealth{Health: h})
}

// SetClockSet reports whether the system clock is trustworthy (NTP synced).
// Offline returns need it.
func (k *Kiosk) SetClockSet(ok bool) {
	k.healthMu.Lock()
	k.health.ClockSet = ok
	h := k.health
	k.healthMu.Unlock()
	k.post(EvHealth{Health: h})
}

// View returns the latest view.
func (k *Kiosk) View() View {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.view
}

// Model returns a copy of the current model (for tests and kioskctl).
func (k *Kiosk) Model() Model {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.model.clone()
}

func (k *Kiosk) post(ev Event) {
	select {
	case k.events <- ev:
	case <-k.done:
	}
}

// Run serves until ctx ends. It first settles the in-flight journal; no
// patron is served before that is done.
func (k *Kiosk) Run(ctx context.Context) error {
	defer func() {
		close(k.done)
		k.tickMu.Lock()
		if k.stopTick != nil {
			k.stopTick()
		}
		k.tickMu.Unlock()
		k.printMu.Lock()
		k.printCancel()
		k.printMu.Unlock()
		k.wg.Wait()
		k.mu.Lock()
		k.model.Sec.Wipe()
		zero(k.model.Sec.Next)
		k.mu.Unlock()
	}()
	k.apply(EvStarted{OpenEntries: len(k.journal.Entries()), QueueLen: k.queue.Len()})
	k.scheduleTick()
	k.goProbe(ctx)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-k.events:
			k.apply(ev)
		}
	}
}

func (k *Kiosk) scheduleTick() {
	k.tickMu.Lock()
	defer k.tickMu.Unlock()
	k.stopTick = k.ports.Clock.AfterFunc(time.Second, func() {
		select {
		case <-k.done:
			return
		default:
		}
		k.post(EvTick{})
		k.scheduleTick()
	})
}

// Heartbeat is when the event loop last handled an event. The loop handles
// a tick every second, so a heartbeat older than a few seconds means the
// core is stuck: the systemd watchdog should stop being fed.
func (k *Kiosk) Heartbeat() time.Time { return time.Unix(0, k.heartbeat.Load()) }

// apply runs one Step and performs its effects.
func (k *Kiosk) apply(ev Event) {
	k.mu.Lock()
	m := k.model
	m.Now = k.ports.Clock.Now()
	k.heartbeat.Store(m.Now.UnixNano())
	next, effs := Step(m, ev)
	k.model = next
	// Log lines of this step carry the id of the session they belong to,
	// also the line of its end.
	before := k.watch
	k.observe(ev, m, next, effs)
	sid := logSession(before, k.watch)
	view := next.View()
	if view.ReceiptQR != "" {
		if st, ok := k.ports.Printer.(ScreenTexter); ok {
			view.ReceiptQR = st.ScreenText(next.receipt())
		}
		if sc, ok := k.ports.Printer.(ScreenCoder); ok {
			view.ReceiptCodes = sc.ScreenCodes(next.receipt())
		}
	}
	// Ticks change nothing most of the time: render only what changed.
	changed := k.mustRender || !reflect.DeepEqual(view, k.view)
	k.mustRender = false
	// The last view's typed card number is not needed once a newer view
	// replaces it (the UI keeps its own copy).
	zero(k.view.Card)
	k.view = view
	ui := k.ui
	k.mu.Unlock()
	for _, e := range effs {
		if l, ok := e.(EffLog); ok {
			k.writeLog(l, sid)
			continue
		}
		k.perform(e)
	}
	if ui != nil && changed {
		ui.Render(view)
	}
}

// goProbe starts the health probe of the library system and the printer.
func (k *Kiosk) goProbe(ctx context.Context) {
	if k.opts.HealthEvery <= 0 {
		return
	}
	every := k.opts.HealthEvery
	var probe func()
	probe = func() {
		select {
		case <-k.done:
			return
		default:
		}
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			// The next probe is timed from the end of this one, with the
			// interval doubled after a failure, up to HealthBackoffMax.
			if k.probeOnce(ctx) {
				every = k.opts.HealthEvery
			} else if every < k.opts.HealthBackoffMax {
				every = min(2*every, k.opts.HealthBackoffMax)
			}
			k.ports.Clock.AfterFunc(every, probe)
		}()
	}
	// The first probe runs at once: the kiosk learns whether the library
	// system is there before its first patron, not HealthEvery later.
	probe()
}

// probeOnce asks the printer and the library system how they are, and
// reports whether the library system answered and is on line.
func (k *Kiosk) probeOnce(ctx context.Context) bool {
	cctx, cancel := context.WithTimeout(ctx, k.opts.CallTimeout)
	defer cancel()
	paper := ""
	if ps, ok := k.ports.Printer.(PrinterStatus); ok {
		p, perr := ps.Paper(cctx)
		if perr != nil {
			p = PaperOffline
		}
		paper = p
	}
	start := k.ports.Clock.Now()
	st, err := k.ports.Library.Status(cctx, paper == PaperOut)
	if err == nil {
		k.recordStatus(st, k.ports.Clock.Now().Sub(start))
	}
	k.healthMu.Lock()
	if k.ports.ClockSync != nil {
		synced, known := k.ports.ClockSync()
		unsynced := known && !synced
		if unsynced != k.health.ClockUnsynced {
			k.log.Warnf("kiosk: clock synchronised by NTP = %v", !unsynced)
		}
		k.health.ClockUnsynced = unsynced
	}
	if err != nil {
		k.health.ACSOnline = false
	} else {
		k.health.ACSOnline, k.health.CheckinOK, k.health.CheckoutOK, k.health.OfflineOK =
			st.Online, st.CheckinOK, st.CheckoutOK, st.OfflineOK
		if !st.Time.IsZero() {
			// The library system's clock is the second opinion on ours: a
			// PC whose clock was reset would date offline returns wrongly
			// (reliability.md #18). Time zones differ by hours, not days.
			skew := k.ports.Clock.Now().Sub(st.Time)
			set := skew < maxClockSkew && skew > -maxClockSkew
			if set != k.health.ClockSet {
				k.log.WithField("skew", skew.Round(time.Second).String()).Warnf("kiosk: clock trusted = %v after the 98's time", set)
			}
			k.health.ClockSet = set
		}
	}
	if k.health.ClockUnsynced {
		// Whatever the 98 says, a clock NTP has not set yet may be off by
		// minutes, and offline returns would carry its dates.
		k.health.ClockSet = false
	}
	if paper != "" {
		k.health.Paper = paper
	}
	h := k.health
	k.healthMu.Unlock()
	k.post(EvHealth{Health: h})
	return err == nil && st.Online
}

// maxClockSkew is how far the kiosk's clock may be from the library
// system's before offline returns stop.
const maxClockSkew = 12 * time.Hour

// ProbeNow runs one health probe at once (used at start-up by the wiring
// and by tests).
func (k *Kiosk) ProbeNow(ctx context.Context) { k.probeOnce(ctx) }

// perform carries out one effect. Quick local effects run here; calls to
// the library system, the pad and the printer run in goroutines and post
// their results as events.
func (k *Kiosk) perform(e Effect) {
	if k.performMaint(e) {
		return
	}
	switch x := e.(type) {
	case EffControlReply:
		k.deliverControl(x)
	case EffScreen:
		k.setScreen(x.On)
	case EffLog:
		k.writeLog(x, "")
	case EffCue:
		if k.ports.Sounds != nil {
			k.ports.Sounds.Play(x.Cue)
		}
	case EffJournal:
		var err error
		if x.Open {
			err = k.journal.Open(JournalEntry{ItemID: x.ItemID, Op: x.Op, At: k.ports.Clock.Now()})
		} else {
			err = k.journal.Close(x.ItemID)
		}
		if err != nil {
			k.log.WithField("item", x.ItemID).WithError(err).Error("journal write failed")
		}
	case EffDiscardPrints:
		k.printMu.Lock()
		k.printCancel()
		k.printCtx, k.printCancel = context.WithCancel(context.Background())
		k.printMu.Unlock()
	case EffQueueOffline:
		k.async(func() Event { return k.execute(context.Background(), x) })
	case EffSecure:
		k.goTag(x)
	case EffPrint:
		k.goPrint(x)
	case EffSettleJournal:
		k.async(func() Event { return EvJournalSettled{Open: k.settleJournal()} })
	case EffForwardQueue:
		k.async(func() Event { return EvQueueForwarded{Len: k.forwardQueue()} })
	default:
		k.sip(func(ctx context.Context) Event { return k.execute(ctx, e) })
	}
}

// writeLog writes the log line of an EffLog, with the session's random id
// when it belongs to one.
func (k *Kiosk) writeLog(x EffLog, session string) {
	entry := k.log
	if session != "" {
		entry = entry.WithField(logging.FieldSession, session)
	}
	if x.ItemID != "" {
		entry = entry.WithField(logging.FieldItem, x.ItemID)
	}
	if x.Reason != "" {
		entry = entry.WithField(logging.FieldReason, x.Reason)
	}
	switch x.Level {
	case "error":
		entry.Error(x.Msg)
	case "warn":
		entry.Warn(x.Msg)
	default:
		entry.Info(x.Msg)
	}
}

// execute performs one library-system or tag effect and returns the event
// reporting its result (nil for effects nobody waits for). Patron buffers
// carried by the effect are zeroed when it returns.
func (k *Kiosk) execute(ctx context.Context, e Effect) Event {
	switch x := e.(type) {
	case EffAuthenticate:
		defer x.Patron.wipe()
		st, err := k.ports.Library.PatronStatus(ctx, x.Patron)
		return EvAuth{Session: x.Session, Status: st, Err: err}
	case EffLoadAccount:
		defer x.Patron.wipe()
		a, err := k.ports.Library.Account(ctx, x.Patron)
		return EvAccount{Session: x.Session, Account: a, Err: err, Background: x.Background}
	case EffCheckout:
		defer x.Patron.wipe()
		r, err := k.ports.Library.Checkout(ctx, CheckoutRequest{Patron: x.Patron, ItemID: x.ItemID, Renew: x.Renew})
		return EvCheckout{ItemID: x.ItemID, Result: r, Err: err}
	case EffSettle:
		defer x.Patron.wipe()
		st, err := k.ports.Library.ItemInfo(ctx, x.ItemID)
		ev := EvSettled{ItemID: x.ItemID, Status: st, Err: err}
		if err == nil && st.Charged() && len(x.Patron.ID) > 0 {
			// Item Information does not name the borrower: the patron's
			// own list of loans tells whether the loan is theirs.
			a, aerr := k.ports.Library.Account(ctx, x.Patron)
			zero(a.Status.Name)
			if aerr != nil {
				ev.Err = aerr
			}
			for _, l := range a.Loans {
				if l.ItemID == x.ItemID {
					ev.OnAccount = true
					if ev.Status.Due.IsZero() {
						ev.Status.Due = l.Due
					}
					if ev.Status.Title == "" {
						ev.Status.Title = l.Title
					}
				}
			}
		}
		return ev
	case EffSecure:
		err := k.ports.Tags.SetSecured(ctx, x.Item, x.Secured)
		return EvSecured{ItemID: x.Item.ItemID, Secured: x.Secured, Err: err}
	case EffCancelCheckout:
		_, err := k.ports.Library.Checkin(ctx, CheckinRequest{ItemID: x.ItemID, Cancel: true})
		return EvCancelled{ItemID: x.ItemID, Err: err}
	case EffCheckin:
		r, err := k.ports.Library.Checkin(ctx, CheckinRequest{ItemID: x.ItemID, OwnerISIL: x.OwnerISIL})
		return EvCheckin{ItemID: x.ItemID, Result: r, Err: err}
	case EffRenew:
		defer x.Patron.wipe()
		r, err := k.ports.Library.Renew(ctx, x.Patron, x.ItemID)
		return EvRenew{Session: x.Session, ItemID: x.ItemID, Result: r, Err: err}
	case EffCheckRenew:
		st, err := k.ports.Library.ItemInfo(ctx, x.ItemID)
		return EvRenewChecked{Session: x.Session, ItemID: x.ItemID, Status: st, Err: err}
	case EffItemTitle:
		st, err := k.ports.Library.ItemInfo(ctx, x.ItemID)
		return EvItemTitle{Session: x.Session, ItemID: x.ItemID, Title: st.Title, HoldQueue: st.HoldQueue, Err: err}
	case EffRenewAll:
		defer x.Patron.wipe()
		r, err := k.ports.Library.RenewAll(ctx, x.Patron)
		return EvRenewAll{Session: x.Session, Result: r, Err: err}
	case EffEndSession:
		err := k.ports.Library.EndSession(ctx, x.Patron)
		x.Patron.wipe()
		if err != nil {
			k.log.WithError(err).Warn("end patron session failed")
		}
		// The session's buffers are zeroed and dropped by now; a forced
		// collection frees the rest (strings of titles and messages),
		// and returns the memory to the OS rather than keep it readable
		// in the process until the heap happens to reuse it.
		if k.opts.GCAtSessionEnd {
			debug.FreeOSMemory()
		}
	case EffBlockPatron:
		defer x.Patron.wipe()
		if err := k.ports.Library.BlockPatron(ctx, x.Patron, x.Message); err != nil {
			k.log.WithError(err).Warn("block patron failed")
		}
	case EffPrint:
		if k.ports.Printer == nil {
			return EvPrinted{Session: x.Session, Err: errors.New("kiosk: no printer")}
		}
		return EvPrinted{Session: x.Session, Err: k.ports.Printer.Print(ctx, x.Receipt)}
	case EffQueueOffline:
		n, err := k.queue.Add(OfflineReturn{ItemID: x.ItemID, OwnerISIL: x.OwnerISIL, At: x.At, KioskID: k.opts.KioskID})
		return EvQueued{ItemID: x.ItemID, Len: n, Err: err}
	case EffForwardQueue:
		return EvQueueForwarded{Len: k.forwardQueue()}
	case EffSettleJournal:
		return EvJournalSettled{Open: k.settleJournal()}
	}
	return nil
}

// async runs f in a goroutine and posts its event.
func (k *Kiosk) async(f func() Event) {
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		if ev := f(); ev != nil {
			k.post(ev)
		}
	}()
}

// sip runs a library-system call with a slot of the connection pool and
// the call timeout.
func (k *Kiosk) sip(f func(ctx context.Context) Event) {
	k.async(func() Event {
		select {
		case k.sipSem <- struct{}{}:
		case <-k.done:
			return nil
		}
		defer func() { <-k.sipSem }()
		ctx, cancel := context.WithTimeout(context.Background(), k.opts.CallTimeout)
		defer cancel()
		start := k.ports.Clock.Now()
		ev := f(ctx)
		k.recordRTT(k.ports.Clock.Now().Sub(start))
		return ev
	})
}

func (k *Kiosk) goTag(x EffSecure) {
	k.tagCall(func(ctx context.Context) Event { return k.execute(ctx, x) })
}

// tagCall runs f in a goroutine with one of the reader's slots and a 5 s
// deadline, and posts its event: a loan's tag writes and a technician's
// share the reader.
func (k *Kiosk) tagCall(f func(ctx context.Context) Event) {
	k.async(func() Event {
		select {
		case k.tagSem <- struct{}{}:
		case <-k.done:
			return nil
		}
		defer func() { <-k.tagSem }()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return f(ctx)
	})
}

func (k *Kiosk) goPrint(x EffPrint) {
	k.printMu.Lock()
	ctx := k.printCtx
	k.printMu.Unlock()
	k.async(func() Event { return k.execute(ctx, x) })
}

// settleJournal resolves the entries left by a crash with Item Information
// before the first patron is served: a checkout that went through is
// cancelled (the patron never saw it confirmed and the tag may be secured),
// a checkin that did not is sent again.
//
// It returns how many entries stay open because the library system could
// not be asked or did not take the correction; they are tried again.
func (k *Kiosk) settleJournal() (open int) {
	for _, e := range k.journal.Entries() {
		ctx, cancel := context.WithTimeout(context.Background(), k.opts.CallTimeout)
		st, err := k.ports.Library.ItemInfo(ctx, e.ItemID)
		log := k.log.WithField("item", e.ItemID).WithField("op", e.Op)
		switch {
		case err != nil:
			log.WithError(err).Error("journal: item information failed; entry kept and tried again")
			cancel()
			open++
			continue
		case e.Op == "checkout" && st.Charged():
			if _, err := k.ports.Library.Checkin(ctx, CheckinRequest{ItemID: e.ItemID, Cancel: true}); err != nil {
				log.WithError(err).Error("journal: cancelling an interrupted loan failed; tried again")
				cancel()
				open++
				continue
			}
			log.Warn("journal: interrupted loan cancelled; check the item's tag")
		case e.Op == "checkin" && st.Charged():
			if _, err := k.ports.Library.Checkin(ctx, CheckinRequest{ItemID: e.ItemID, NoBlock: true, ReturnDate: e.At}); err != nil {
				log.WithError(err).Error("journal: resending an interrupted return failed; tried again")
				cancel()
				open++
				continue
			}
			log.Info("journal: interrupted return completed")
		default:
			log.Info("journal: entry settled, nothing to do")
		}
		cancel()
		if err := k.journal.Close(e.ItemID); err != nil {
			log.WithError(err).Error("journal close failed")
		}
	}
	return open
}

// forwardQueue sends queued offline returns, oldest first, deleting each
// once the library system answered it. It stops at the first transport
// failure and returns how many remain.
func (k *Kiosk) forwardQueue() int {
	for {
		r, ok := k.queue.Peek()
		if !ok {
			return 0
		}
		ctx, cancel := context.WithTimeout(context.Background(), k.opts.CallTimeout)
		res, err := k.ports.Library.Checkin(ctx, CheckinRequest{ItemID: r.ItemID, OwnerISIL: r.OwnerISIL, NoBlock: true, ReturnDate: r.At})
		cancel()
		if err != nil {
			k.log.WithField("item", r.ItemID).WithError(err).Warn("offline queue: forwarding paused")
			return k.queue.Len()
		}
		if !res.OK {
			// Only the translated code is logged: a raw screen message
			// could name a patron.
			k.log.WithField("item", r.ItemID).WithField("reason", reasonFrom(res.Messages, MsgRefusalReturnGeneric).ID).
				Warn("offline queue: library system refused a forwarded return; see staff")
		}
		if err := k.queue.Remove(r.ItemID); err != nil {
			k.log.WithField("item", r.ItemID).WithError(err).Error("offline queue: remove failed")
			return k.queue.Len()
		}
	}
}

// Journal returns the in-flight journal (for tests and kioskctl).
func (k *Kiosk) Journal() *Journal { return k.journal }

// Queue returns the offline queue (for tests and kioskctl).
func (k *Kiosk) Queue() *OfflineQueue { return k.queue }
