package rfid

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/logging"

	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/usb/usbio"
)

// EventKind says what happened on the pad.
type EventKind int

const (
	// ItemAdded: an item's first tag was read. Item.Complete tells whether
	// every part of its set is on the pad.
	ItemAdded EventKind = iota + 1
	// ItemChanged: the tags present for an item changed (a part arrived or
	// left, or an AFI was re-read after Refresh).
	ItemChanged
	// ItemRemoved: the item's last tag left the pad. Item is its last state.
	ItemRemoved
	// SetIncomplete: an item is on the pad without all its parts; Item.Missing
	// lists the part numbers missing. Sent with ItemAdded or ItemChanged.
	SetIncomplete
	// ForeignItem: the item's owner ISIL is not one of the home ISILs. Sent
	// with ItemAdded.
	ForeignItem
	// TagUnreadable: a tag is on the pad but its memory cannot be read or
	// decoded. UID and Err are set.
	TagUnreadable
	// UnreadableGone: an unreadable tag left the pad.
	UnreadableGone
	// ReaderDown: the reader is unplugged (at once) or inventories failed
	// three times in a row; Err is the cause. The watcher forgets the pad:
	// what lies on it after ReaderUp is reported again as ItemAdded, and a
	// consumer should forget the pad too.
	ReaderDown
	// ReaderUp: inventories work again.
	ReaderUp
	// Resync: events were dropped because the consumer fell behind; Snapshot
	// holds the whole current state, which replaces everything known before.
	Resync
)

var eventNames = map[EventKind]string{
	ItemAdded: "item added", ItemChanged: "item changed", ItemRemoved: "item removed",
	SetIncomplete: "set incomplete", ForeignItem: "foreign item", TagUnreadable: "tag unreadable",
	UnreadableGone: "unreadable tag gone", ReaderDown: "reader down", ReaderUp: "reader up", Resync: "resync",
}

func (k EventKind) String() string {
	if n, ok := eventNames[k]; ok {
		return n
	}
	return "event(?)"
}

// ItemTag is one part of an item on the pad.
type ItemTag struct {
	UID    UID
	PartNo int
	AFI    byte
	// Secured is AFI == Options.AFISecured of the watcher's reader options.
	Secured bool
	// The tag's own fields of the Danish data model beyond the item's, for
	// maintenance mode's tag inspector: type of usage, content version, the
	// stored CRC and whether it held, and what the decoder had to accept.
	Usage   ddm.Usage
	Version uint8
	CRC     uint16
	CRCOK   bool
	Flags   ddm.Flags
}

// Item is an item (a set of one or more tagged parts) on the pad.
type Item struct {
	ID string
	// OwnerISIL as the tag stores it, without hyphen (ddm.ISILWithHyphen adds it).
	OwnerISIL string
	// Parts is the set size; Tags the parts present, by part number.
	Parts int
	Tags  []ItemTag
	// Missing lists the part numbers not on the pad; Complete is len(Missing) == 0.
	Missing  []int
	Complete bool
	// Foreign is true when the owner is not one of the home ISILs.
	Foreign bool
}

// UIDs returns the UIDs of the parts present.
func (it Item) UIDs() []UID {
	out := make([]UID, len(it.Tags))
	for i, t := range it.Tags {
		out[i] = t.UID
	}
	return out
}

func (it Item) key() string { return it.OwnerISIL + "\x00" + it.ID }

func (it Item) equal(o Item) bool {
	return it.Parts == o.Parts && it.Foreign == o.Foreign && slices.Equal(it.Tags, o.Tags)
}

// Snapshot is the watcher's whole state.
type Snapshot struct {
	Items      []Item
	Unreadable []UID
	ReaderDown bool
}

// Event is one change on the pad.
type Event struct {
	Kind     EventKind
	Item     Item      // item events
	UID      UID       // TagUnreadable, UnreadableGone
	Err      error     // TagUnreadable, ReaderDown
	Snapshot *Snapshot // Resync
}

// WatcherOptions configure a Watcher. The lead maps them from the TOML config.
type WatcherOptions struct {
	// Interval between inventories. Default 200 ms.
	Interval time.Duration
	// Confirm is the number of consecutive inventories a tag must be seen in
	// before it counts. Default 2.
	Confirm int
	// Vanish is the number of consecutive inventories a counted tag must be
	// missing from before it counts as removed (so a flickering tag is not
	// removed and added again). Default 2.
	Vanish int
	// ReadAttempts bounds the rounds in which a counted tag's read may fail
	// (tag or RF errors) before it is reported unreadable. Default 3.
	ReadAttempts int
	// HomeISILs are the library's own ISILs, with or without hyphen. Items
	// owned by others raise ForeignItem. Empty: no check.
	HomeISILs []string
	// Buffer is the capacity of the event channel. Default 64.
	Buffer int
	// Reader options, for the Secured flag of ItemTag. Default: the reader's
	// own options when it has an Options() method (FEIGReader), else DefaultOptions().
	Reader Options
	// NewTicker is the clock seam for Run. Default time.NewTicker.
	NewTicker func(time.Duration) (<-chan time.Time, func())
}

// DefaultWatcherOptions returns the defaults.
func DefaultWatcherOptions() WatcherOptions {
	return WatcherOptions{
		Interval: 200 * time.Millisecond, Confirm: 2, Vanish: 2, ReadAttempts: 3, Buffer: 64,
		Reader: DefaultOptions(),
		NewTicker: func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		},
	}
}

type tagState struct {
	info       TagInfo
	seen       int // consecutive inventories seen
	missed     int // consecutive inventories missed
	counted    bool
	read       bool // read finished, successfully or not
	hasData    bool // tag holds a successful read (kept while a Refresh re-reads)
	failures   int
	tag        Tag
	unreadable error
}

// Watcher polls a Reader and turns what it sees into events.
//
// Delivery policy: the watcher never blocks on its consumer. Events go into
// a buffered channel; when it is full, further events are dropped and the
// watcher instead delivers one Resync event carrying the whole state as soon
// as there is room again. A consumer that handles Resync by replacing its
// view therefore never misses the current state, only intermediate steps.
type Watcher struct {
	r    Reader
	opts WatcherOptions
	log  logrus.FieldLogger

	events chan Event

	mu          sync.Mutex
	tags        map[UID]*tagState
	items       map[string]Item
	down        bool
	overflowed  bool
	invFailures int // consecutive failed inventories
}

// inventoryFailuresDown is the number of consecutive failed inventories (for
// other reasons than a vanished device) after which the reader counts as down.
const inventoryFailuresDown = 3

// NewWatcher returns a watcher on r. Zero option fields take their defaults.
func NewWatcher(r Reader, opts WatcherOptions, log logrus.FieldLogger) *Watcher {
	def := DefaultWatcherOptions()
	if opts.Interval <= 0 {
		opts.Interval = def.Interval
	}
	if opts.Confirm <= 0 {
		opts.Confirm = def.Confirm
	}
	if opts.Vanish <= 0 {
		opts.Vanish = def.Vanish
	}
	if opts.ReadAttempts <= 0 {
		opts.ReadAttempts = def.ReadAttempts
	}
	if opts.Buffer <= 0 {
		opts.Buffer = def.Buffer
	}
	if opts.Reader.AFISecured == 0 {
		opts.Reader = def.Reader
		if o, ok := r.(interface{ Options() Options }); ok {
			opts.Reader = o.Options()
		}
	}
	if opts.NewTicker == nil {
		opts.NewTicker = def.NewTicker
	}
	log = logging.OrDiscard(log)
	return &Watcher{
		r: r, opts: opts, log: log.WithField("component", "rfid watcher"),
		events: make(chan Event, opts.Buffer),
		tags:   map[UID]*tagState{},
		items:  map[string]Item{},
	}
}

// Events is the channel of pad events. It is never closed.
func (w *Watcher) Events() <-chan Event { return w.events }

// Run polls every Interval until ctx ends, and returns ctx.Err().
func (w *Watcher) Run(ctx context.Context) error {
	tick, stop := w.opts.NewTicker(w.opts.Interval)
	defer stop()
	for {
		w.Poll(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
		}
	}
}

// Refresh makes the watcher read the tags again in the next round, so that
// their AFI is current after the kiosk changed it (an ItemChanged follows).
func (w *Watcher) Refresh(uids ...UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, u := range uids {
		if st, ok := w.tags[u]; ok && st.unreadable == nil {
			st.read, st.failures = false, 0
		}
	}
}

// Snapshot returns the current state.
func (w *Watcher) Snapshot() Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.snapshotLocked()
}

func (w *Watcher) snapshotLocked() Snapshot {
	s := Snapshot{ReaderDown: w.down}
	for _, it := range w.items {
		s.Items = append(s.Items, it)
	}
	slices.SortFunc(s.Items, func(a, b Item) int { return strings.Compare(a.key(), b.key()) })
	for u, st := range w.tags {
		if st.unreadable != nil {
			s.Unreadable = append(s.Unreadable, u)
		}
	}
	slices.SortFunc(s.Unreadable, func(a, b UID) int { return strings.Compare(a.String(), b.String()) })
	return s
}

// emit sends without blocking; see the delivery policy on Watcher.
func (w *Watcher) emit(e Event) {
	if w.overflowed {
		return
	}
	select {
	case w.events <- e:
	default:
		w.overflowed = true
		w.log.WithField("buffer", w.opts.Buffer).Warn("rfid: event consumer behind, will resync")
	}
}

func (w *Watcher) flushResync() {
	if !w.overflowed {
		return
	}
	s := w.snapshotLocked()
	select {
	case w.events <- Event{Kind: Resync, Snapshot: &s}:
		w.overflowed = false
	default:
	}
}

// Poll runs one inventory round: count tags, read new ones, regroup items
// and emit the differences. Run calls it on every tick; tests call it directly.
func (w *Watcher) Poll(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.flushResync()
	inv, err := w.r.Inventory(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		// A reader that is gone is reported at once; anything else (a
		// timeout, a buffer overflow, line noise) only when it persists.
		w.invFailures++
		rs, canReset := w.r.(Resetter)
		switch {
		case errors.Is(err, usbio.ErrDisconnected) || errors.Is(err, usbio.ErrNoDevice) ||
			w.invFailures >= inventoryFailuresDown:
			w.setDown(err)
		case canReset && !w.down && w.invFailures == inventoryFailuresDown-1:
			// A reader that hangs or sends garbage is reset once before
			// it counts as down: one more failed inventory after the
			// reset, and it does.
			w.log.WithError(err).Warn("rfid: reader not answering; resetting it")
			if rerr := rs.Reset(ctx); rerr != nil && ctx.Err() == nil {
				w.setDown(fmt.Errorf("%w (reset failed: %w)", err, rerr))
			}
		default:
			w.log.WithError(err).Debug("rfid: inventory failed")
		}
		return
	}
	w.invFailures = 0
	w.setUp()

	present := make(map[UID]bool, len(inv))
	for _, ti := range inv {
		present[ti.UID] = true
		st := w.tags[ti.UID]
		if st == nil {
			st = &tagState{info: ti}
			w.tags[ti.UID] = st
		}
		st.seen++
		st.missed = 0
		if st.seen >= w.opts.Confirm {
			st.counted = true
		}
	}
	var goneUnreadable []UID
	for u, st := range w.tags {
		if present[u] {
			continue
		}
		st.seen = 0
		st.missed++
		if !st.counted || st.missed >= w.opts.Vanish {
			if st.unreadable != nil {
				goneUnreadable = append(goneUnreadable, u)
			}
			delete(w.tags, u)
		}
	}
	slices.SortFunc(goneUnreadable, func(a, b UID) int { return strings.Compare(a.String(), b.String()) })
	for _, u := range goneUnreadable {
		w.emit(Event{Kind: UnreadableGone, UID: u})
	}

	// Read the counted tags not read yet, in inventory order.
	for _, ti := range inv {
		st := w.tags[ti.UID]
		if st == nil || !st.counted || st.read {
			continue
		}
		if !w.readTag(ctx, st) {
			return // the reader went away; the next round starts over
		}
	}
	w.regroup()
}

// readTag reads one tag and reports whether the reader is still usable.
func (w *Watcher) readTag(ctx context.Context, st *tagState) bool {
	tag, err := w.r.ReadTag(ctx, st.info.UID)
	switch {
	case err == nil:
		st.read, st.tag, st.failures, st.hasData = true, tag, 0, true
	case errors.Is(err, usbio.ErrDisconnected), errors.Is(err, usbio.ErrNoDevice):
		w.setDown(err)
		return false
	case st.hasData:
		// A re-read after Refresh failed: keep what was read before rather
		// than lose the item, and give up after ReadAttempts rounds.
		st.failures++
		if st.failures >= w.opts.ReadAttempts {
			st.read = true
			w.log.WithField("uid", st.info.UID.String()).WithError(err).Warn("rfid: re-read failed, keeping the previous read")
		}
	case errors.Is(err, ErrUnreadable):
		st.read, st.unreadable = true, err
		w.emit(Event{Kind: TagUnreadable, UID: st.info.UID, Err: err})
	default:
		st.failures++
		if st.failures >= w.opts.ReadAttempts {
			st.read, st.unreadable = true, err
			w.emit(Event{Kind: TagUnreadable, UID: st.info.UID, Err: err})
		}
	}
	return true
}

func (w *Watcher) setDown(err error) {
	if w.down {
		return
	}
	w.down = true
	// Items may be taken off or put on while the reader is away: nothing
	// known before can be trusted afterwards.
	w.tags = map[UID]*tagState{}
	w.items = map[string]Item{}
	w.log.WithError(err).Warn("rfid: reader down")
	w.emit(Event{Kind: ReaderDown, Err: err})
}

func (w *Watcher) setUp() {
	if !w.down {
		return
	}
	w.down = false
	w.log.Info("rfid: reader up")
	w.emit(Event{Kind: ReaderUp})
}

// regroup builds the items from the tags read and emits what changed:
// removals first, then additions and changes.
func (w *Watcher) regroup() {
	now := map[string]Item{}
	for _, st := range w.tags {
		if !st.counted || !st.hasData {
			continue
		}
		d := st.tag.Data
		it := Item{ID: d.ItemID, OwnerISIL: d.OwnerISIL}
		if prev, ok := now[it.key()]; ok {
			it = prev
		}
		it.Parts = max(it.Parts, d.Parts, 1)
		it.Tags = append(it.Tags, ItemTag{UID: st.tag.UID, PartNo: d.PartNo, AFI: st.tag.AFI,
			Secured: w.opts.Reader.Secured(st.tag.AFI),
			Usage:   d.Usage, Version: d.Version, CRC: d.StoredCRC, CRCOK: d.CRCOK, Flags: d.Flags})
		now[it.key()] = it
	}
	for k, it := range now {
		slices.SortFunc(it.Tags, func(a, b ItemTag) int {
			if a.PartNo != b.PartNo {
				return a.PartNo - b.PartNo
			}
			return strings.Compare(a.UID.String(), b.UID.String())
		})
		have := map[int]bool{}
		for _, t := range it.Tags {
			have[t.PartNo] = true
		}
		for p := 1; p <= it.Parts; p++ {
			if !have[p] {
				it.Missing = append(it.Missing, p)
			}
		}
		it.Complete = len(it.Missing) == 0
		it.Foreign = w.foreign(it.OwnerISIL)
		now[k] = it
	}

	keys := func(m map[string]Item) []string {
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	for _, k := range keys(w.items) {
		if _, ok := now[k]; !ok {
			w.emit(Event{Kind: ItemRemoved, Item: w.items[k]})
		}
	}
	for _, k := range keys(now) {
		it := now[k]
		prev, existed := w.items[k]
		switch {
		case !existed:
			w.emit(Event{Kind: ItemAdded, Item: it})
			if it.Foreign {
				w.emit(Event{Kind: ForeignItem, Item: it})
			}
			if !it.Complete {
				w.emit(Event{Kind: SetIncomplete, Item: it})
			}
		case !it.equal(prev):
			w.emit(Event{Kind: ItemChanged, Item: it})
			if !it.Complete {
				w.emit(Event{Kind: SetIncomplete, Item: it})
			}
		}
	}
	w.items = now
}

func (w *Watcher) foreign(owner string) bool {
	if len(w.opts.HomeISILs) == 0 {
		return false
	}
	for _, h := range w.opts.HomeISILs {
		if ddm.SameISIL(h, owner) {
			return false
		}
	}
	return true
}
