package kiosk

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/printer/printertest"
	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/scanner"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

// The core soak (issue 10) runs thousands of patron sessions through the
// whole core against the simulators, with random faults, and checks after
// every session that tags, loans, the offline queue and the model agree
// with what the patron was told.
//
// Everything runs inside one testing/synctest bubble: the ACS simulator is
// served over net.Pipe (acs.Server.ServeConn), the virtual pad sits behind
// the real FEIG driver and pad watcher, and receipts go through the real
// ESC/POS layout to the virtual printer. Time is the bubble's fake clock, so
// request timeouts, idle timeouts and the goodbye timer cost no real time;
// the watcher is polled by the driver instead of by its ticker, so a pad
// change is seen after a fixed number of inventories.
//
// Replay: the seed is printed at the start and with every failure;
// -soak.seed=N or KIOSK_SOAK_SEED=N replays the same sessions and faults.
// The goroutines of the core still interleave as the scheduler decides, so
// a replay follows the same plan but not always the same interleaving; the
// failure message therefore carries the session's own trace and log.
var (
	soakSeedFlag     = flag.Uint64("soak.seed", 0, "seed of the core soak (0: KIOSK_SOAK_SEED or a random one)")
	soakSessionsFlag = flag.Int("soak.sessions", 0, "sessions of the core soak (0: KIOSK_SOAK_SESSIONS or 10000; 300 with -short)")
)

const soakDefaultSessions = 10000

func soakParams(t *testing.T) (seed uint64, sessions int) {
	seed = *soakSeedFlag
	if seed == 0 {
		if v := os.Getenv("KIOSK_SOAK_SEED"); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				t.Fatalf("KIOSK_SOAK_SEED=%q: %v", v, err)
			}
			seed = n
		}
	}
	if seed == 0 {
		seed = rand.Uint64()
	}
	sessions = *soakSessionsFlag
	if sessions == 0 {
		if v := os.Getenv("KIOSK_SOAK_SESSIONS"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				t.Fatalf("KIOSK_SOAK_SESSIONS=%q: want a positive number", v)
			}
			sessions = n
		}
	}
	if sessions == 0 {
		sessions = soakDefaultSessions
		if testing.Short() {
			sessions = 300
		}
	}
	return seed, sessions
}

func TestCoreSoak(t *testing.T) {
	seed, sessions := soakParams(t)
	t.Logf("core soak: %d sessions, seed %d (replay with -soak.seed=%d or KIOSK_SOAK_SEED=%d)", sessions, seed, seed, seed)
	// Journal and queue writes fsync; on tmpfs that costs nothing, on a
	// disk it would dominate the run.
	stateDir := t.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "kiosk-soak-"); err == nil {
			stateDir = d
			t.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	start := time.Now()
	var stats soakStats
	synctest.Test(t, func(t *testing.T) {
		s := newSoak(t, seed, stateDir)
		defer s.close()
		for i := 0; i < sessions && !t.Failed(); i++ {
			s.session(i)
		}
		stats = s.stats
	})
	t.Logf("core soak: %d sessions in %v: %s", sessions, time.Since(start).Round(time.Millisecond), stats)
}

// soakStats count what the soak exercised, so a run that silently stopped
// doing something (no loans, no faults) is visible in the log.
type soakStats struct {
	kinds      map[string]int
	lent       int
	returned   int
	offlineRet int
	renewed    int
	seeStaff   int
	faults     map[string]int
	printed    int
}

func (st soakStats) String() string {
	var kinds, faults []string
	for k, n := range st.kinds {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
	}
	for k, n := range st.faults {
		faults = append(faults, fmt.Sprintf("%s=%d", k, n))
	}
	slices.Sort(kinds)
	slices.Sort(faults)
	return fmt.Sprintf("sessions [%s]; lent %d, returned %d (offline %d), renewed %d, see-staff %d, printed %d; faults [%s]",
		strings.Join(kinds, " "), st.lent, st.returned, st.offlineRet, st.renewed, st.seeStaff, st.printed, strings.Join(faults, " "))
}

// soakClock is the bubble's clock moved to a date the kiosk and the ACS
// accept (the bubble starts in 2000, which the kiosk takes for a reset
// clock and refuses offline returns).
type soakClock struct{ off time.Duration }

func (c soakClock) Now() time.Time { return time.Now().Add(c.off) }
func (c soakClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// pipeDialer connects the SIP2 client to the ACS simulator over net.Pipe.
// While the simulator is off line the dial is refused: nothing was sent.
type pipeDialer struct{ srv *acs.Server }

func (d pipeDialer) Dial(ctx context.Context) (sip2.Conn, error) {
	c, sc := net.Pipe()
	if err := d.srv.ServeConn(sc); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: soak dial: %w", sip2.ErrNotSent, err)
	}
	return sip2.NewStreamConn(c, 0), nil
}

func (pipeDialer) Stream() bool { return true }

// soakUI records what the patron was told in the current session: the
// last state of every item and loan shown, and every item ever shown as
// "see staff".
type soakUI struct {
	mu       sync.Mutex
	items    map[string]ItemView
	loans    map[string]ItemView
	staff    map[string]bool
	unknown  map[string]bool // renewals whose outcome the patron was told is unknown
	kept     map[string]bool // lent but kept secured, and the patron told so
	screens  []Screen
	greeting bool
}

func (u *soakUI) reset() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.items, u.loans = map[string]ItemView{}, map[string]ItemView{}
	u.staff, u.unknown, u.kept = map[string]bool{}, map[string]bool{}, map[string]bool{}
	u.screens = u.screens[:0]
	u.greeting = false
}

func (u *soakUI) Render(v View) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.screens) == 0 || u.screens[len(u.screens)-1] != v.Screen {
		u.screens = append(u.screens, v.Screen)
	}
	for _, it := range v.Items {
		u.items[it.ItemID] = it
		if it.State == ItemSeeStaff {
			u.staff[it.ItemID] = true
		}
		if it.KeepSecured {
			u.kept[it.ItemID] = true
		}
	}
	for _, l := range v.Loans {
		u.loans[l.ItemID] = l
		if l.Reason.ID == MsgRenewOutcomeUnknown {
			u.unknown[l.ItemID] = true
		}
	}
	if v.Greeting != "" {
		u.greeting = true
	}
}

type soakPatron struct {
	ID, PIN, Name string
}

type soakItem struct {
	ID    string
	Parts int
	Tags  []*rfidtest.Tag // the tags while off the pad, with their AFI as last seen
}

type soak struct {
	t     *testing.T
	rnd   *rand.Rand
	seed  uint64
	clock soakClock
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup

	lib   *acs.Library
	srv   *acs.Server
	pool  *sip2.Pool
	pad   *rfidtest.Pad
	watch *rfid.Watcher
	prn   *printertest.Printer
	k     *Kiosk
	ui    *soakUI
	logs  *syncBuffer
	opts  Options

	patrons []soakPatron
	items   map[string]*soakItem
	itemIDs []string
	onPad   map[string]bool
	// queued are items returned into the offline queue and not yet seen
	// forwarded: they are in the library, secured, while the ACS still
	// has them on loan.
	queued   map[string]bool
	offline  bool
	paperOut bool

	stats   soakStats
	traceMu sync.Mutex
	trace   []string
	n       int // session number
}

func newSoak(t *testing.T, seed uint64, stateDir string) *soak {
	s := &soak{t: t, seed: seed, rnd: rand.New(rand.NewPCG(seed, seed^0x5eed)),
		items: map[string]*soakItem{}, onPad: map[string]bool{}, queued: map[string]bool{},
		stats: soakStats{kinds: map[string]int{}, faults: map[string]int{}}}
	s.clock = soakClock{off: time.Until(time.Date(2026, 11, 24, 9, 0, 0, 0, time.Local))}

	sd, err := acs.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	// The canary patron of privacy_test.go: synthetic, and looked for in the
	// model after every session.
	sd.Patrons = append(sd.Patrons, acs.Patron{ID: canaryCPR, PIN: canaryPIN, Name: canaryFirst + " " + canaryLast,
		Group: "adult", Synthetic: true})
	for _, p := range sd.Patrons {
		s.patrons = append(s.patrons, soakPatron{ID: p.ID, PIN: p.PIN, Name: p.Name})
	}
	s.lib, err = acs.New(sd, s.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	so := acs.DefaultOptions()
	so.Seed = seed
	s.srv = acs.NewServer(s.lib, so)

	s.opts = DefaultOptions()
	s.opts.StateDir = stateDir
	// A forced GC per session would triple the soak's time; the memory
	// test (memwipe_linux_test.go) covers it.
	s.opts.GCAtSessionEnd = false
	s.opts.InstitutionISIL = demoISIL
	// Names on screen and on receipts, so the privacy check has something
	// to find if the core kept it.
	s.opts.Greet = true
	s.opts.ReceiptName = true

	sipOpts := sip2.DefaultOptions()
	sipOpts.Dialer = pipeDialer{srv: s.srv}
	sipOpts.Institution = demoISIL
	sipOpts.LoginUser, sipOpts.LoginPassword = "kiosk", "kiosk"
	sipOpts.Location = demoISIL
	sipOpts.ErrorDetection = true
	sipOpts.RequestTimeout = 5 * time.Second
	sipOpts.KeepAlive = 0
	sipOpts.Now = s.clock.Now
	s.pool = sip2.NewPool(s.opts.Parallel, sipOpts)

	s.pad = rfidtest.NewPad(rfidtest.PadOptions{})
	fo := feig.DefaultOptions()
	fo.PSST = -1
	reader := rfid.NewFEIG(feig.New(s.pad.Transport(), fo), rfid.Options{}, nil)
	wo := rfid.DefaultWatcherOptions()
	wo.HomeISILs = []string{demoISIL}
	s.watch = rfid.NewWatcher(reader, wo, nil)

	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	s.prn = printertest.New(576)
	receipts := NewESCPOSReceipts(s.prn, bundle, printer.DefaultOptions(), "Demobiblioteket", "Hovedbiblioteket")

	s.logs = &syncBuffer{}
	log := logrus.New()
	log.SetOutput(s.logs)
	log.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableColors: true})
	s.ui = &soakUI{}
	s.ui.reset()
	s.k, err = New(s.opts, Ports{Library: NewSIP2Library(s.pool), Tags: NewRFIDTags(reader), Printer: receipts,
		Clock: s.clock, Log: log, Identify: ScannerIdentify(scanner.DefaultRules())}, s.ui)
	if err != nil {
		t.Fatal(err)
	}

	// Every item of the library gets its tags, secured unless on loan.
	onLoan := map[string]bool{}
	for _, l := range s.lib.Loans() {
		onLoan[l.Item] = true
	}
	uid := uint32(0x10000)
	for _, it := range s.lib.Items() {
		owner := it.Owner
		if owner == "" {
			owner = demoISIL
		}
		parts := max(it.Parts, 1)
		tags, err := rfidtest.NewItemSet(uid, it.ID, owner, parts)
		if err != nil {
			t.Fatal(err)
		}
		uid += uint32(parts)
		for _, tg := range tags {
			if onLoan[it.ID] {
				tg.AFI = rfid.AFIOnLoan
			}
		}
		s.items[it.ID] = &soakItem{ID: it.ID, Parts: parts, Tags: tags}
		s.itemIDs = append(s.itemIDs, it.ID)
	}
	slices.Sort(s.itemIDs)

	s.ctx, s.stop = context.WithCancel(context.Background())
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.k.Run(s.ctx) }()
	go func() { defer s.wg.Done(); FeedWatcher(s.ctx, s.watch, soakSink{k: s.k, s: s}) }()
	s.poll(2)
	s.settle()
	if v := s.k.View(); v.Screen != ScreenWelcome {
		t.Fatalf("soak: kiosk did not start: %+v", v)
	}
	return s
}

func (s *soak) close() {
	s.stop()
	s.wg.Wait()
	s.pool.Close()
	s.srv.Close()
}

func (s *soak) logf(format string, args ...any) {
	s.traceMu.Lock()
	s.trace = append(s.trace, fmt.Sprintf(format, args...))
	s.traceMu.Unlock()
}

// soakSink passes the watcher's events to the kiosk and writes them into
// the session trace.
type soakSink struct {
	k *Kiosk
	s *soak
}

func (p soakSink) PadItem(it PadItem) {
	p.s.logf("pad: %s parts %v of %d tags %v", it.ItemID, it.Present, it.Parts, it.Tags)
	p.k.PadItem(it)
}

func (p soakSink) PadRemoved(id string) {
	p.s.logf("pad: %s removed", id)
	p.k.PadRemoved(id)
}

func (p soakSink) PadUnreadable() {
	p.s.logf("pad: unreadable tag")
	p.k.PadUnreadable()
}

func (p soakSink) SetReader(present bool) {
	p.s.logf("pad: reader present %v", present)
	p.k.SetReader(present)
}

// fail reports a broken invariant with everything needed to understand it.
func (s *soak) fail(format string, args ...any) {
	s.t.Helper()
	s.traceMu.Lock()
	trace := strings.Join(s.trace, "\n  ")
	s.traceMu.Unlock()
	s.t.Fatalf("core soak: session %d (seed %d): %s\nsession trace:\n  %s\nscreens: %v\ncore log:\n%s",
		s.n, s.seed, fmt.Sprintf(format, args...), trace, s.ui.screens, s.logs.String())
}

func (s *soak) chance(p float64) bool { return s.rnd.Float64() < p }

// poll runs n pad inventories (the watcher's ticks) and lets the core react.
func (s *soak) poll(n int) {
	for range n {
		s.watch.Poll(s.ctx)
		synctest.Wait()
	}
}

// working reports whether the core is still waiting for the library
// system, a tag write or the printer.
func working(v View) bool {
	if v.Busy {
		return true
	}
	for _, it := range v.Items {
		if it.State == ItemWorking || it.State == ItemReading {
			return true
		}
	}
	for _, l := range v.Loans {
		if l.State == ItemWorking {
			return true
		}
	}
	return false
}

// settle lets everything in flight finish. Calls that wait for a timeout
// (a dropped reply) need simulated time to pass, in one-second steps so the
// idle timer sees a patron who waits rather than one who left.
func (s *soak) settle() {
	for range 180 {
		synctest.Wait()
		// Forwarding the offline queue and settling the journal run
		// behind the screens: the view does not show them.
		// (Model's copy shares the secrets with the running core: only the
		// view is built under the core's lock.)
		if m := s.k.Model(); !working(s.k.View()) && !m.Forwarding && !m.Settling {
			return
		}
		time.Sleep(time.Second)
	}
	s.fail("the core is still working after 3 simulated minutes: %+v", s.k.View())
}

func (s *soak) send(ins ...Input) {
	for _, in := range ins {
		s.k.Send(in)
	}
	s.settle()
}

// place puts an item's tags (all parts, or the given ones) on the pad.
func (s *soak) place(id string, parts ...int) {
	it := s.items[id]
	var tags []*rfidtest.Tag
	for i, tg := range it.Tags {
		if len(parts) > 0 && !slices.Contains(parts, i+1) {
			continue
		}
		if _, on := s.pad.Tag(tg.UID); on {
			continue
		}
		tags = append(tags, tg)
	}
	if len(tags) == 0 {
		return
	}
	s.pad.Place(tags...)
	s.onPad[id] = true
	s.logf("place %s parts %v of %d", id, parts, it.Parts)
}

// lift takes an item off the pad, keeping the tags' AFI as the pad had it.
func (s *soak) lift(id string) {
	it := s.items[id]
	uids := make([]feig.UID, len(it.Tags))
	for i, tg := range it.Tags {
		uids[i] = tg.UID
	}
	for _, tg := range s.pad.Take(uids...) {
		for i := range it.Tags {
			if it.Tags[i].UID == tg.UID {
				it.Tags[i] = tg
			}
		}
	}
	delete(s.onPad, id)
	s.logf("lift %s", id)
}

func (s *soak) clearPad() {
	for _, id := range slices.Sorted(mapKeys(s.onPad)) {
		s.lift(id)
	}
	s.poll(3)
	s.settle()
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (s *soak) loansByItem() map[string]acs.Loan {
	out := map[string]acs.Loan{}
	for _, l := range s.lib.Loans() {
		if prev, dup := out[l.Item]; dup {
			s.fail("item %s is on loan twice in the ACS: to %s and %s", l.Item, prev.Patron, l.Patron)
		}
		out[l.Item] = l
	}
	return out
}

// pick returns up to n distinct items for which ok holds, at random.
func (s *soak) pick(n int, ok func(id string) bool) []string {
	var cands []string
	for _, id := range s.itemIDs {
		if !s.onPad[id] && !s.queued[id] && ok(id) {
			cands = append(cands, id)
		}
	}
	s.rnd.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	return cands[:min(n, len(cands))]
}

// ---- faults ----

var soakSIPFaults = []acs.FaultKind{acs.FaultDropReply, acs.FaultCloseAfterCommit, acs.FaultCloseBeforeCommit,
	acs.FaultAnswer96, acs.FaultCorruptChecksum, acs.FaultWrongSequence}

// injectSIP queues up to n one-shot faults on the given request codes.
func (s *soak) injectSIP(n int, codes ...sip2.Code) {
	for range n {
		kind := soakSIPFaults[s.rnd.IntN(len(soakSIPFaults))]
		code := codes[s.rnd.IntN(len(codes))]
		s.srv.InjectOnce(kind, code)
		s.stats.faults["sip:"+kind.String()]++
		s.logf("fault: %s on the next %s", kind, code)
	}
}

// tagFault makes one of the item's tags misbehave: writes that fail or
// are silently ignored, or a tag at the edge of the field that vanishes
// from inventories and comes back.
func (s *soak) tagFault(id string) {
	it := s.items[id]
	tg := it.Tags[s.rnd.IntN(len(it.Tags))]
	switch s.rnd.IntN(4) {
	case 0:
		n := 1 + s.rnd.IntN(4)
		s.pad.FailWrites(tg.UID, n)
		s.stats.faults["tag:fail-writes"]++
		s.logf("fault: %d failing writes on %s", n, id)
	case 1:
		s.pad.IgnoreWrites(tg.UID, 1+s.rnd.IntN(3))
		s.stats.faults["tag:ignore-writes"]++
		s.logf("fault: ignored writes on %s", id)
	case 2:
		// Missing from one inventory in three: the watcher's debounce must
		// keep the item.
		s.pad.Flicker(tg.UID, true, true, false)
		s.stats.faults["tag:flicker"]++
		s.logf("fault: %s flickers", id)
	default:
		// Gone for three inventories, then back: removed and added again.
		s.pad.Flicker(tg.UID, false, false, false, true, true, true, true, true, true, true, true)
		s.stats.faults["tag:vanish"]++
		s.logf("fault: %s vanishes and comes back", id)
	}
}

// readerBlip unplugs the reader for a few inventories and plugs it back.
func (s *soak) readerBlip() {
	s.stats.faults["reader:unplug"]++
	s.logf("fault: reader unplugged")
	s.pad.Unplug()
	s.poll(2)
	s.settle()
	s.pad.Replug()
	s.poll(3)
	s.settle()
	s.logf("reader back")
}

func (s *soak) setOffline(off bool) {
	if s.offline == off {
		return
	}
	s.offline = off
	if err := s.srv.SetOffline(off); err != nil {
		s.fail("SetOffline(%v): %v", off, err)
	}
	if off {
		s.stats.faults["acs:offline"]++
	}
	s.logf("library system off line = %v", off)
	if !off && s.k.Queue().Len() > 0 && s.chance(0.3) {
		// Forwarding the offline queue stalls on its first return until
		// the next health probe.
		s.srv.InjectOnce(acs.FaultCloseAfterCommit, sip2.MsgCheckin)
		s.stats.faults["forward:stalled"]++
		s.logf("fault: forwarding stalls")
	}
	s.k.ProbeNow(s.ctx)
	s.settle()
}

func (s *soak) setPaper(out bool) {
	if s.paperOut == out {
		return
	}
	s.paperOut = out
	if out {
		s.prn.SetPaper(escpos.PaperOut)
		s.stats.faults["printer:paper-out"]++
	} else {
		s.prn.SetPaper(escpos.PaperOK)
	}
	s.logf("paper out = %v", out)
	s.k.ProbeNow(s.ctx)
	s.settle()
}

// ---- sessions ----

func (s *soak) session(n int) {
	s.n = n
	s.traceMu.Lock()
	s.trace = s.trace[:0]
	s.traceMu.Unlock()
	s.ui.reset()
	s.logs.reset()
	s.prn.Reset()
	before := s.loansByItem()

	// Kiosk-wide conditions change between patrons.
	switch {
	case !s.offline && s.chance(0.02):
		s.setOffline(true)
	case s.offline && s.chance(0.2):
		s.setOffline(false)
	}
	if s.chance(0.03) {
		s.setPaper(!s.paperOut)
	}
	if s.chance(0.02) {
		s.readerBlip()
	}

	// The patron's look: a language and larger text, sometimes.
	if s.chance(0.2) {
		lang := []string{"en", "de", "sv", "uk", "pl", "tr"}[s.rnd.IntN(6)]
		s.send(InLanguage{Lang: lang})
		s.logf("language %s", lang)
	}
	if s.chance(0.1) {
		s.send(InLargeText{On: true})
		s.logf("larger text")
	}

	p := s.patrons[s.rnd.IntN(len(s.patrons))]
	if s.chance(0.15) {
		p = s.patrons[len(s.patrons)-1] // the canary
	}
	receipt := []string{"print", "qr", "none"}[s.rnd.IntN(3)]
	kind := ""
	r := s.rnd.IntN(100)
	switch {
	case r < 34:
		kind = "loan"
	case r < 58:
		kind = "return"
	case r < 68:
		kind = "renew"
	case r < 76:
		kind = "account"
	case r < 88:
		kind = "wrong-pin"
	default:
		kind = "idle"
	}
	s.stats.kinds[kind]++
	s.logf("session %d: %s, patron %s, receipt %s, offline %v, paper out %v", n, kind, p.ID, receipt, s.offline, s.paperOut)

	switch kind {
	case "loan":
		if s.login(p, ScreenLoan, 0) {
			s.loan(p)
		}
	case "return":
		s.returns()
	case "renew":
		if s.login(p, ScreenRenew, 0) {
			s.renew()
		}
	case "account":
		if s.login(p, ScreenAccount, 0) {
			s.injectSIP(s.rnd.IntN(2), sip2.MsgPatronInfo)
			s.send(InActivity{})
			if s.chance(0.5) {
				s.send(InChoose{Screen: ScreenRenew})
			}
		}
	case "wrong-pin":
		if s.login(p, ScreenLoan, 1+s.rnd.IntN(2)) {
			s.loan(p)
		}
	case "idle":
		if s.login(p, ScreenLoan, 0) && s.chance(0.5) {
			s.loan(p)
		}
		// The patron walks away.
		s.logf("patron walks away")
		time.Sleep(s.opts.IdleTimeout + 2*time.Second)
		s.settle()
	}
	s.finish(receipt)
	// Faults the session did not use up would strike the next one, or the
	// forwarding checked below; each session gets only its own.
	if n := s.srv.ClearInjected(); n > 0 {
		s.logf("%d faults not used", n)
	}
	s.clearPad()
	s.checkPrivacy(p)
	forwarded := s.checkQueue()
	s.checkLoans(p, kind, before, forwarded)
	s.checkTags()
}

// login identifies the patron and types the PIN, wrong ones first when
// asked. It reports whether the patron reached the intended screen.
func (s *soak) login(p soakPatron, intent Screen, wrong int) bool {
	s.injectSIP(s.rnd.IntN(2), sip2.MsgPatronStatus, sip2.MsgPatronInfo)
	s.send(InChoose{Screen: intent})
	if v := s.k.View(); v.Screen != ScreenIdentify {
		s.logf("no identify screen: %v %s", v.Screen, v.Message.ID)
		return false
	}
	if s.chance(0.1) {
		for _, c := range p.ID {
			s.k.Send(InKey{Key: c})
		}
		s.send(InSubmit{})
	} else {
		s.k.Scan([]byte(p.ID))
		s.settle()
	}
	for attempt := 0; ; attempt++ {
		v := s.k.View()
		if v.Screen != ScreenPIN {
			s.logf("no PIN screen: %v %s", v.Screen, v.Message.ID)
			return false
		}
		pin := p.PIN
		if attempt < wrong {
			pin = "9" + p.PIN[1:]
			if pin == p.PIN {
				pin = "0" + p.PIN[1:]
			}
		}
		for _, c := range pin {
			s.k.Send(InKey{Key: c})
		}
		s.settle()
		v = s.k.View()
		switch {
		case v.InSession:
			s.logf("logged in")
			return true
		case v.Message.ID == MsgLoginWait && attempt < 5:
			// The kiosk-wide backoff after wrong PINs: wait it out.
			secs, _ := v.Message.Data["Seconds"].(int)
			time.Sleep(time.Duration(secs+1) * time.Second)
		case v.Screen == ScreenPIN && attempt < 5:
			// A wrong PIN, or a failed check: try again.
		default:
			s.logf("login failed: %v %s", v.Screen, v.Message.ID)
			return false
		}
	}
}

// loan places 1–5 items: mostly from the shelf, sometimes the patron's own
// (a renewal by checkout) or someone else's, sometimes an incomplete set;
// faults strike while they are worked on.
func (s *soak) loan(p soakPatron) {
	loans := s.loansByItem()
	n := 1 + s.rnd.IntN(5)
	var ids []string
	switch {
	case s.chance(0.1):
		ids = s.pick(n, func(id string) bool { l, ok := loans[id]; return ok && l.Patron == p.ID })
	case s.chance(0.05):
		ids = s.pick(n, func(id string) bool { _, ok := loans[id]; return ok })
	default:
		ids = s.pick(n, func(id string) bool { _, ok := loans[id]; return !ok })
	}
	if s.k.Queue().Len() > 0 && s.chance(0.5) {
		// The patron who returned an item while the library system was
		// off line takes it from the return shelf again before the return
		// reached the library system.
		for _, id := range slices.Sorted(mapKeys(s.queued)) {
			if l, ok := loans[id]; ok && l.Patron == p.ID && !slices.Contains(ids, id) {
				ids = append(ids, id)
				s.logf("%s from the offline queue is borrowed again", id)
				break
			}
		}
	}
	s.injectSIP(s.rnd.IntN(3), sip2.MsgCheckout, sip2.MsgCheckout, sip2.MsgItemInfo, sip2.MsgPatronInfo, sip2.MsgCheckin, "")
	incomplete := ""
	for _, id := range ids {
		if s.chance(0.15) {
			s.tagFault(id)
		}
		if it := s.items[id]; it.Parts > 1 && incomplete == "" && s.chance(0.3) {
			s.place(id, 1)
			incomplete = id
		} else {
			s.place(id)
		}
		s.poll(2)
		if s.chance(0.03) && !s.offline {
			s.setOffline(true)
		}
	}
	s.midSession(ids)
	if incomplete != "" && s.chance(0.7) {
		s.place(incomplete)
	}
	s.poll(4)
	s.settle()
	s.poll(4)
	s.settle()
}

// midSession is what can happen while items are being worked on: one is
// lifted (perhaps during its tag write) and perhaps put back, the reader
// blips.
func (s *soak) midSession(ids []string) {
	if len(ids) > 0 && s.chance(0.1) {
		id := ids[s.rnd.IntN(len(ids))]
		s.lift(id)
		s.poll(3)
		if s.chance(0.5) {
			s.place(id)
			s.poll(2)
		}
	}
	if s.chance(0.03) {
		s.readerBlip()
	}
}

// returns puts items on the pad without logging in: mostly items on loan,
// sometimes one from the shelf. The library system may go off line or come
// back in the middle.
func (s *soak) returns() {
	s.injectSIP(s.rnd.IntN(3), sip2.MsgCheckin, sip2.MsgCheckin, sip2.MsgItemInfo, "")
	s.send(InChoose{Screen: ScreenReturn})
	if v := s.k.View(); v.Screen != ScreenReturn {
		s.logf("no return screen: %v %s", v.Screen, v.Message.ID)
		return
	}
	loans := s.loansByItem()
	n := 1 + s.rnd.IntN(5)
	var ids []string
	if s.chance(0.1) {
		ids = s.pick(n, func(string) bool { return true })
	} else {
		ids = s.pick(n, func(id string) bool { _, ok := loans[id]; return ok })
	}
	for i, id := range ids {
		if s.chance(0.15) {
			s.tagFault(id)
		}
		s.place(id)
		s.poll(2)
		if i == 0 && s.chance(0.05) {
			s.setOffline(!s.offline)
		}
	}
	s.midSession(ids)
	s.poll(4)
	s.settle()
	s.poll(4)
	s.settle()
}

func (s *soak) renew() {
	s.settle()
	s.injectSIP(s.rnd.IntN(3), sip2.MsgRenew, sip2.MsgRenew, sip2.MsgRenewAll, sip2.MsgItemInfo, sip2.MsgPatronInfo)
	v := s.k.View()
	if len(v.Loans) == 0 {
		return
	}
	if s.chance(0.4) {
		s.logf("renew all")
		s.send(InRenewAll{})
		return
	}
	for _, l := range v.Loans {
		if s.chance(0.5) {
			s.k.Send(InToggleRenew{ItemID: l.ItemID})
			s.logf("tick %s", l.ItemID)
		}
	}
	s.send(InRenewChosen{})
}

// finish ends the session the way a patron does: Finish, a receipt choice,
// Done on the goodbye screen or waiting for it.
func (s *soak) finish(receipt string) {
	s.injectSIP(s.rnd.IntN(2), sip2.MsgEndSession)
	for range 30 {
		s.settle()
		v := s.k.View()
		switch v.Screen {
		case ScreenWelcome, ScreenOutOfOrder:
			if !v.InSession {
				return
			}
			s.send(InFinish{})
		case ScreenGoodbye:
			if s.chance(0.5) {
				s.send(InFinish{})
			} else {
				time.Sleep(s.opts.GoodbyeFor + time.Second)
			}
		case ScreenReceipt:
			switch {
			case v.Busy:
				time.Sleep(time.Second)
			case v.ReceiptQR != "" || receipt == "none":
				s.send(InReceipt{Choice: "none"})
			case receipt == "print" && slices.Contains(v.ReceiptChoices, "print"):
				if s.chance(0.05) {
					s.prn.JamAfter(10)
					s.stats.faults["printer:jam"]++
				}
				s.send(InReceipt{Choice: "print"})
				if s.prn.Count() > 0 {
					s.stats.printed++
				}
				s.prn.ClearJam()
				s.prn.JamAfter(0)
			default:
				s.send(InReceipt{Choice: "qr"})
			}
		case ScreenIdentify, ScreenPIN:
			s.send(InBack{})
		default:
			s.send(InFinish{})
		}
	}
	s.fail("the session did not end: %+v", s.k.View())
}

// ---- checks ----

// checkPrivacy: back on the welcome screen, nothing of the patron is left
// in the model or the view.
func (s *soak) checkPrivacy(p soakPatron) {
	m := s.k.Model()
	v := s.k.View()
	if m.State != StateWelcome && m.State != StateOutOfOrder {
		s.fail("after the session the core is in %v, not welcome", m.State)
	}
	var bad []string
	add := func(cond bool, what string) {
		if cond {
			bad = append(bad, what)
		}
	}
	add(m.LoggedIn, "logged in")
	add(!m.Sec.Empty(), "secrets not wiped")
	add(len(m.Items) > 0, "items")
	add(len(m.Loans) > 0, "loans")
	add(len(m.Holds) > 0, "holds")
	add(m.FeeTotal != 0 || m.ReceiptFee != 0, "fees")
	add(len(m.Receipt) > 0 || len(m.ReceiptHolds) > 0 || m.ReceiptQR != "" || m.ReceiptName != "", "receipt")
	add(m.Blocked.ID != "" || m.Blocked.Raw != "", "blocks")
	add(m.Busy != 0 || m.Ending != "", "calls or an end pending")
	add(m.Intent != ScreenWelcome, "intent")
	add(v.Greeting != "" || v.PINDigits != 0 || v.Typed != 0 || v.InSession, "view: greeting, PIN or typed digits")
	add(len(v.Items) > 0 || len(v.Loans) > 0 || len(v.Holds) > 0 || v.ReceiptQR != "", "view: items, loans, holds or receipt")
	s.ui.mu.Lock()
	ended := slices.Contains(s.ui.screens, ScreenGoodbye)
	s.ui.mu.Unlock()
	if !ended && (v.Lang != s.opts.startLang() || v.LargeText) {
		// No session began (returns only, card refused): the welcome
		// screen keeps the language chosen there for an idle timeout from
		// the last touch, then must reset it for the next patron.
		time.Sleep(s.opts.IdleTimeout + time.Second)
		s.settle()
		v = s.k.View()
	}
	add(v.Lang != s.opts.startLang() || v.LargeText, "view: the patron's language or text size")
	// The dump without times: a monotonic clock reading could contain the
	// canary PIN's digits by chance.
	mm := m
	mm.Now, mm.LastActivity, mm.GoodbyeUntil, mm.ReceiptAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	mm.Session = 0 // a counter that could spell the canary PIN
	vv := v
	vv.IdleLeft = 0
	dump := fmt.Sprintf("%+v %+v %+v", mm, *m.Sec, vv)
	first, _, _ := strings.Cut(p.Name, " ")
	add(strings.Contains(dump, p.ID), "the patron id in the model")
	add(first != "" && strings.Contains(dump, first), "the patron's name in the model")
	bad = append(bad, findCanary("model after the session", dump)...)
	if len(bad) > 0 {
		s.fail("patron data left after the session: %s\nmodel: %s", strings.Join(bad, "; "), dump)
	}
}

// checkQueue: once the library system is back, the offline queue drains
// and every return queued while off line is in the ACS. It returns the
// returns it saw forwarded.
func (s *soak) checkQueue() map[string]bool {
	if s.offline {
		return nil
	}
	for try := 0; s.k.Queue().Len() > 0 || s.k.View().Mode != ModeNormal && s.k.View().Mode != ModeNoReceipt; try++ {
		if try == 3 {
			s.fail("offline queue not drained with the library system back: %d left, mode %v %s",
				s.k.Queue().Len(), s.k.View().Mode, s.k.View().ModeReason.ID)
		}
		// A leftover one-shot fault may have paused forwarding; the next
		// health probe resumes it.
		s.k.ProbeNow(s.ctx)
		s.settle()
	}
	if len(s.queued) == 0 {
		return nil
	}
	loans := s.loansByItem()
	for id := range s.queued {
		if l, ok := loans[id]; ok {
			s.fail("item %s was returned off line and forwarded, but the ACS still has it on loan to %s", id, l.Patron)
		}
	}
	s.logf("offline queue drained: %v", slices.Sorted(mapKeys(s.queued)))
	forwarded := s.queued
	s.queued = map[string]bool{}
	return forwarded
}

// checkLoans compares the ACS's loans before and after the session with
// what the patron was told.
func (s *soak) checkLoans(p soakPatron, kind string, before map[string]acs.Loan, forwarded map[string]bool) {
	after := s.loansByItem()
	s.ui.mu.Lock()
	items, loans, staff, unknown := s.ui.items, s.ui.loans, s.ui.staff, s.ui.unknown
	s.ui.mu.Unlock()
	s.stats.seeStaff += len(staff)
	loanFlow := kind != "return"

	for id, v := range items {
		switch {
		case v.State == ItemDone && loanFlow:
			if l, ok := after[id]; !ok || l.Patron != p.ID {
				s.fail("item %s shown as lent (due %v) but the ACS has %+v", id, v.Due, after[id])
			}
			// Lent again: no longer a return waiting in the library.
			delete(s.queued, id)
			s.stats.lent++
		case v.State == ItemDone && v.Destination.ID == MsgDestOffline:
			s.queued[id] = true
			s.stats.offlineRet++
		case v.State == ItemDone:
			if l, ok := after[id]; ok {
				s.fail("item %s shown as returned but the ACS has it on loan to %s", id, l.Patron)
			}
			s.stats.returned++
		}
	}
	ids := map[string]bool{}
	for id := range before {
		ids[id] = true
	}
	for id := range after {
		ids[id] = true
	}
	for id := range ids {
		b, had := before[id]
		a, has := after[id]
		shown, wasShown := items[id]
		told := staff[id]
		switch {
		case !had && !has:
		case !had && has:
			if !loanFlow || a.Patron != p.ID {
				s.fail("item %s lent to %s during a %s session of %s", id, a.Patron, kind, p.ID)
			}
			if !told && (!wasShown || shown.State != ItemDone) {
				s.fail("item %s is on loan to the patron in the ACS, but the patron was told %+v (never see staff)", id, shown)
			}
			if a.Renewals != 0 {
				s.fail("item %s checked out twice: a new loan with %d renewals", id, a.Renewals)
			}
			if wasShown && shown.State == ItemDone && !sameDay(shown.Due, a.Due) {
				s.fail("item %s shown as lent until %v, but the ACS has it due %v", id, shown.Due, a.Due)
			}
		case had && !has:
			switch {
			case forwarded[id] || s.queued[id]:
				// An offline return forwarded now.
			case told:
			case !loanFlow && wasShown && shown.State == ItemDone:
			default:
				s.fail("the loan of %s to %s vanished in a %s session; the patron was told %+v", id, b.Patron, kind, shown)
			}
		case b.Patron != a.Patron:
			s.fail("item %s went from %s to %s without a return", id, b.Patron, a.Patron)
		default:
			// The same patron before and after: at most the one renewal the
			// patron was told about. A loan shown as lent again (a checkout
			// of an item the patron already had) may or may not have been
			// a renewal; its due date must be the ACS's.
			delta := a.Renewals - b.Renewals
			lentShown := loanFlow && wasShown && shown.State == ItemDone
			renewedShown := lentShown && shown.Renewed
			l, onRenewScreen := loans[id]
			if onRenewScreen && l.Renewed {
				renewedShown = true
				if !sameDay(l.Due, a.Due) {
					s.fail("item %s shown renewed until %v, but the ACS has it due %v", id, l.Due, a.Due)
				}
			}
			switch {
			case delta > 1:
				s.fail("item %s renewed %d times in one session", id, delta)
			case delta == 1 && !renewedShown && !lentShown && !told && !unknown[id]:
				s.fail("item %s renewed in the ACS, but the patron was told %+v / %+v", id, shown, l)
			case delta == 0 && renewedShown:
				s.fail("item %s shown as renewed (%+v / %+v), but the ACS did not renew it: before %+v after %+v",
					id, shown, l, b, a)
			case delta == 1:
				s.stats.renewed++
			}
			if lentShown && !shown.Due.IsZero() && !sameDay(shown.Due, a.Due) {
				s.fail("item %s shown as lent until %v, but the ACS has it due %v", id, shown.Due, a.Due)
			}
		}
	}
}

// checkTags: every tag's security bit agrees with the ACS (on loan: AFI
// 0xC2; not: 0x07), unless the patron was told to see staff about exactly
// that item (staff then put it right) or it waits in the offline queue.
func (s *soak) checkTags() {
	loans := s.loansByItem()
	s.ui.mu.Lock()
	staff, kept := s.ui.staff, s.ui.kept
	s.ui.mu.Unlock()
	for _, id := range s.itemIDs {
		it := s.items[id]
		_, lent := loans[id]
		want := byte(rfid.AFISecured)
		if lent {
			want = rfid.AFIOnLoan
		}
		if s.queued[id] {
			want = rfid.AFISecured
		}
		for _, tg := range it.Tags {
			if tg.AFI == want {
				continue
			}
			if staff[id] || kept[id] {
				s.logf("staff set the tags of %s to %#x", id, want)
				for _, t := range it.Tags {
					t.AFI = want
				}
				break
			}
			var afis []string
			for _, t := range it.Tags {
				afis = append(afis, fmt.Sprintf("%v=%#x", t.UID, t.AFI))
			}
			s.ui.mu.Lock()
			shown := s.ui.items[id]
			s.ui.mu.Unlock()
			s.fail("item %s: tag %v has AFI %#x but the ACS says on loan = %v, and the patron was never sent to staff (tags %v; shown %+v)",
				id, tg.UID, tg.AFI, lent, afis, shown)
		}
	}
}

func (s *syncBuffer) reset() {
	s.mu.Lock()
	s.b.Reset()
	s.mu.Unlock()
}

func sameDay(a, b time.Time) bool {
	return a.Format(time.DateOnly) == b.Format(time.DateOnly)
}
