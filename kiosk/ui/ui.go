// Package ui is the kiosk's touch screen, built with Fyne. It renders the
// kiosk.View the core publishes and turns taps into kiosk.Input values; it
// decides nothing itself. Every text comes from the i18n catalogs (through a
// localizer for the session's language) or, for titles and reasons, from the
// library system as the View carries them.
//
// The whole window content is rebuilt from each View, so nothing of a past
// session can linger in a widget once the core has published a clean View.
// The one exception is a key press on the card-number or PIN keypad, which
// changes only the masked dots: those are redrawn in place, so that a dot
// appears within a frame (the rebuild of a whole screen took up to a second
// on a loaded kiosk).
//
// No render makes a Fyne theme override: Fyne parses and caches the fonts
// once per override scope and never frees them, so a fresh override per
// render leaked about 0.6 GB per patron session (issue 10). The larger-text
// toggle switches the text scale of the app's one theme in place (Theme),
// and the few places that need other sizes draw them themselves (bigButton,
// the row layouts in widgets.go).
package ui

import (
	"fmt"
	"image"
	"reflect"
	"slices"
	"sync"

	"fyne.io/fyne/v2"
	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/palette"
)

// Sender receives the patron's inputs. The kiosk core implements it; Send
// must not block for long, because it is called on the UI goroutine.
type Sender interface {
	Send(kiosk.Input)
}

// SendFunc adapts a function to Sender.
type SendFunc func(kiosk.Input)

// Send calls f(in).
func (f SendFunc) Send(in kiosk.Input) { f(in) }

// Options are the UI's knobs; the lead maps them from the TOML config.
type Options struct {
	// Languages lists the language codes offered on the welcome screen, in
	// button order. Default: every language of i18n.Languages.
	Languages []string
	// Palette is the screens' colours (config screen.colours); the zero
	// value means the kiosk's own.
	Palette palette.Palette
	// Logo is the library's logo (config screen.logo_file), a PNG or SVG,
	// for the header and the welcome screen; nil for none.
	Logo fyne.Resource
	// LibraryName is the library's name (config library.name) shown in
	// the header, where the patron looks for whose kiosk this is. Empty
	// shows the catalog's generic title (ui.title, "Selvbetjening").
	LibraryName string
}

// DefaultOptions returns the defaults: all offered languages.
func DefaultOptions() Options {
	var codes []string
	for _, l := range i18n.Languages {
		codes = append(codes, l.Code)
	}
	return Options{Languages: codes}
}

// Renderer is the kiosk's screen. It implements kiosk.UI.
type Renderer struct {
	win    fyne.Window
	bundle *i18n.Bundle
	send   Sender
	log    logrus.FieldLogger
	opts   Options

	// Fields below are touched only on the Fyne UI goroutine.
	view     kiosk.View
	loc      *i18n.Localizer
	th       *Theme          // the app's theme: one, made once, whose text scale the toggle switches
	mask     *fyne.Container // the masked dots of the identify or PIN screen
	actions  map[string]func()
	labels   map[string]string // visible button text → action name
	fyneLang string
	pages    pager // the pages of the long lists (paging.go)

	// mu guards snap and shown, which other goroutines (the script
	// player) read.
	mu    sync.Mutex
	snap  Snapshot
	shown []Shown
}

var _ kiosk.UI = (*Renderer)(nil)

// New returns a renderer drawing into win. It shows nothing until the first
// Render.
func New(win fyne.Window, bundle *i18n.Bundle, send Sender, log logrus.FieldLogger, opts Options) *Renderer {
	if len(opts.Languages) == 0 {
		opts.Languages = DefaultOptions().Languages
	}
	if opts.Palette == (palette.Palette{}) {
		opts.Palette = palette.Default()
	}
	usePalette(opts.Palette)
	return &Renderer{win: win, bundle: bundle, send: send, log: log, opts: opts, th: NewTheme(false)}
}

// Render shows v. It never blocks: the view is copied and handed to the
// Fyne UI goroutine.
func (r *Renderer) Render(v kiosk.View) {
	v = cloneView(v)
	fyne.Do(func() { r.show(v) })
}

// cloneView copies the slices of v so that the core may reuse its own.
func cloneView(v kiosk.View) kiosk.View {
	v.Items = slices.Clone(v.Items)
	v.Loans = slices.Clone(v.Loans)
	v.Holds = slices.Clone(v.Holds)
	v.ReceiptChoices = slices.Clone(v.ReceiptChoices)
	v.Card = slices.Clone(v.Card)
	v.ReceiptCodes = slices.Clone(v.ReceiptCodes)
	if v.Maint != nil {
		mv := *v.Maint
		mv.Lines = slices.Clone(mv.Lines)
		mv.Queue = slices.Clone(mv.Queue)
		mv.Journal = slices.Clone(mv.Journal)
		mv.Log = slices.Clone(mv.Log)
		mv.Tags = slices.Clone(mv.Tags)
		if mv.Confirm != nil {
			c := *mv.Confirm
			mv.Confirm = &c
		}
		v.Maint = &mv
	}
	for i := range v.Items {
		v.Items[i].MissingParts = slices.Clone(v.Items[i].MissingParts)
	}
	return v
}

// show rebuilds the window content from v. It runs on the UI goroutine.
func (r *Renderer) show(v kiosk.View) {
	// The typed card number of the view on screen is wiped once a newer
	// view replaces it; the renderer's copy is its own (cloneView).
	if r.mask != nil && onlyMaskChanged(r.view, v) {
		wipe(r.view.Card)
		r.view = v
		r.mask.Objects = r.maskDots().Objects
		r.mask.Refresh()
		// The typed card number is drawn one character per text, so the
		// texts change too (a script waits for them).
		texts := collectTexts(r.win.Content())
		r.mu.Lock()
		r.snap.Seq++
		r.snap.Masked = masked(v)
		r.snap.Texts = texts
		r.record(r.snap)
		r.mu.Unlock()
		return
	}
	if !sameBuffer(r.view.Card, v.Card) {
		wipe(r.view.Card)
	}
	r.view = v
	r.loc = r.bundle.Localizer(v.Lang)
	r.th.SetLarge(v.LargeText)
	if app := fyne.CurrentApp(); app != nil && app.Settings().Theme() != r.th {
		// Once, at the first render: from then on the toggle changes the
		// scale of this theme, never the theme (see Theme).
		app.Settings().SetTheme(r.th)
	}
	r.mask = nil
	r.actions = map[string]func(){}
	r.labels = map[string]string{}
	if r.fyneLang != r.loc.Lang() {
		r.fyneLang = r.loc.Lang()
		if err := useFyneLanguage(r.fyneLang); err != nil && r.log != nil {
			r.log.WithError(err).Warn("ui: switching Fyne's own strings")
		}
	}
	r.forgetScrolls()
	root := r.build()
	r.win.SetContent(root)
	// A second layout pass: wrapped labels learn their width in the first
	// one and only then report their real height.
	root.Refresh()
	for i := 0; i < 4 && r.fitPages(); i++ {
		// A list's room changed (the first layout, or the page buttons
		// came or went): its rows are packed into pages again.
		r.actions = map[string]func(){}
		r.labels = map[string]string{}
		r.forgetScrolls()
		root = r.build()
		r.win.SetContent(root)
		root.Refresh()
	}

	texts := collectTexts(root)
	var buttons []string
	for k := range r.actions {
		buttons = append(buttons, k)
	}
	slices.Sort(buttons)
	r.mu.Lock()
	r.snap = Snapshot{
		Seq:         r.snap.Seq + 1,
		Screen:      v.Screen,
		Mode:        v.Mode,
		Lang:        r.loc.Lang(),
		Busy:        v.Busy,
		Working:     working(v),
		Items:       len(v.Items),
		Masked:      masked(v),
		IdleWarning: v.IdleWarning,
		Texts:       texts,
		Buttons:     buttons,
	}
	r.record(r.snap)
	r.mu.Unlock()
}

// onlyMaskChanged reports whether next differs from the view on screen only
// in how many characters were typed on the identify or PIN keypad, so that
// only the dots need drawing.
func onlyMaskChanged(cur, next kiosk.View) bool {
	if cur.Screen != next.Screen || (next.Screen != kiosk.ScreenPIN && next.Screen != kiosk.ScreenIdentify) || next.IdleWarning {
		return false
	}
	if cur.PINDigits == next.PINDigits && cur.Typed == next.Typed {
		return false
	}
	cur.PINDigits, cur.Typed, cur.Card = next.PINDigits, next.Typed, next.Card
	return reflect.DeepEqual(cur, next)
}

// masked is the number of filled dots the screen of v shows.
func masked(v kiosk.View) int {
	switch v.Screen {
	case kiosk.ScreenPIN:
		return v.PINDigits
	case kiosk.ScreenIdentify:
		return min(v.Typed, maxCardDots)
	}
	return 0
}

// working reports whether an item or a loan of v is still being read or
// registered, so that a script does not photograph a half-finished list.
func working(v kiosk.View) bool {
	for _, it := range v.Items {
		if it.State == kiosk.ItemReading || it.State == kiosk.ItemWorking {
			return true
		}
	}
	// A loan is never on the pad, so only a renewal in flight counts; the
	// zero State (reading) of a loan means nothing.
	for _, l := range v.Loans {
		if l.State == kiosk.ItemWorking {
			return true
		}
	}
	return false
}

// Shown is one stretch of consecutive renders of the same screen. The script
// player asks for them because a screen that shows only for a while (the
// goodbye screen) can come and go between two of its polls on a loaded
// machine.
type Shown struct {
	First, Last uint64 // Seq of the stretch's first and last render
	Screen      kiosk.Screen
	Texts       []string // the distinct texts of the stretch, in order of appearance
}

// The history is bounded, because the production kiosk renders for months
// and nobody reads it there: maxShown stretches (a script looks back one
// command, which spans a few screens) with at most maxShownTexts texts each
// (a loan session's items and their states stay far below it).
const (
	maxShown      = 32
	maxShownTexts = 500
)

// record adds s to the history. It runs with r.mu held.
func (r *Renderer) record(s Snapshot) {
	n := len(r.shown)
	if n == 0 || r.shown[n-1].Screen != s.Screen {
		if n == maxShown {
			r.shown = slices.Delete(r.shown, 0, 1)
		}
		r.shown = append(r.shown, Shown{First: s.Seq, Screen: s.Screen})
	}
	last := &r.shown[len(r.shown)-1]
	last.Last = s.Seq
	for _, t := range s.Texts {
		if len(last.Texts) >= maxShownTexts {
			break
		}
		if !slices.Contains(last.Texts, t) {
			last.Texts = append(last.Texts, t)
		}
	}
}

// ShownSince returns the stretches of screens rendered after render number
// seq (a Snapshot's Seq), oldest first; the current screen is the last one.
// Safe from any goroutine.
func (r *Renderer) ShownSince(seq uint64) []Shown {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Shown
	for _, s := range r.shown {
		if s.Last > seq {
			s.Texts = slices.Clone(s.Texts)
			out = append(out, s)
		}
	}
	return out
}

// Snapshot is what is on screen, for the script player and tests.
type Snapshot struct {
	Seq         uint64 // counts renders
	Screen      kiosk.Screen
	Mode        kiosk.Mode
	Lang        string
	Busy        bool
	Working     bool // an item or loan is still being read or registered
	Items       int  // rows of the loan or return list
	Masked      int  // dots filled on the identify or PIN screen
	IdleWarning bool
	Texts       []string // every text on screen, in tree order
	Buttons     []string // names Press accepts (catalog keys, key:N, lang:xx, toggle:ID)
}

// Snapshot returns a copy of what is on screen now. Safe from any goroutine.
func (r *Renderer) Snapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.snap
	s.Texts = slices.Clone(s.Texts)
	s.Buttons = slices.Clone(s.Buttons)
	return s
}

// Press taps the button called name: a catalog key ("ui.button.borrow"),
// "key:7" for a keypad key, "lang:en" for a language button, "toggle:ID"
// for a loan on the renew screen, "tag:ITEM/PART" for a tag in the tag
// inspector, or the button's visible text. It waits
// for the UI goroutine and is safe from any goroutine.
func (r *Renderer) Press(name string) error {
	var err error
	fyne.DoAndWait(func() {
		act, ok := r.actions[name]
		if !ok {
			if key, found := r.labels[name]; found {
				act, ok = r.actions[key]
			}
		}
		if !ok {
			err = fmt.Errorf("ui: no button %q on the %s screen", name, r.view.Screen)
			return
		}
		act()
	})
	return err
}

// Capture returns the current window as an image. Safe from any goroutine.
func (r *Renderer) Capture() (img image.Image) {
	fyne.DoAndWait(func() { img = r.win.Canvas().Capture() })
	return img
}

// wipe zeroes a buffer that held a typed card number.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// sameBuffer reports whether a and b share their first byte, so that a
// re-render of the same view (a page turn) does not wipe what it shows.
func sameBuffer(a, b []byte) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0]
}
