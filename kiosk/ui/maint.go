package ui

import (
	"image/color"
	"math"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/kiosk"
)

// The technician's screens. Everything shown comes from View.Maint, which
// the core builds from the kiosk's own facts: there is nothing of a patron
// to show here.

// maintHold is how long the header's title must be held to open the
// credential screen: long enough that no patron does it by chance.
const maintHold = 5 * time.Second

// maintEnterAction is the name under which the long press is registered,
// so a scenario can "press" it (there is no visible button).
const maintEnterAction = "maint:enter"

// longPress fires after its content has been held down for hold; letting
// go or moving off earlier cancels it. A tap does nothing.
type longPress struct {
	widget.BaseWidget
	content fyne.CanvasObject
	hold    time.Duration
	fire    func()

	mu    sync.Mutex
	timer *time.Timer
}

func newLongPress(content fyne.CanvasObject, hold time.Duration, fire func()) *longPress {
	l := &longPress{content: content, hold: hold, fire: fire}
	l.ExtendBaseWidget(l)
	return l
}

func (l *longPress) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(l.content) }

// MouseDown starts the hold (a finger on a touch screen arrives as a mouse
// button).
func (l *longPress) MouseDown(*desktop.MouseEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
	}
	l.timer = time.AfterFunc(l.hold, func() { fyne.Do(l.fire) })
}

// MouseUp cancels a hold that has not yet fired.
func (l *longPress) MouseUp(*desktop.MouseEvent) { l.cancel() }

// MouseIn implements desktop.Hoverable.
func (l *longPress) MouseIn(*desktop.MouseEvent) {}

// MouseMoved implements desktop.Hoverable.
func (l *longPress) MouseMoved(*desktop.MouseEvent) {}

// MouseOut cancels the hold: the finger slid away.
func (l *longPress) MouseOut() { l.cancel() }

func (l *longPress) cancel() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}

// maintGesture reports whether the header's long press may open
// maintenance mode on the screen of v: the idle welcome and out-of-order
// screens only. The core refuses it elsewhere too.
func maintGesture(v kiosk.View) bool {
	return (v.Screen == kiosk.ScreenWelcome && !v.InSession) || v.Screen == kiosk.ScreenOutOfOrder
}

// maintScreen reports the technician's screens.
func maintScreen(v kiosk.View) bool {
	return v.Screen == kiosk.ScreenMaintLogin || v.Screen == kiosk.ScreenMaintenance
}

// maintLogin is the credential screen: masked dots and the keypad.
func (r *Renderer) maintLogin() screen {
	mv := r.maintView()
	field := panel(withMin(container.NewCenter(dots(min(mv.Typed, maxCardDots), min(mv.Typed, maxCardDots), 40)), 440, 72), colRow, colSeparator)
	left := container.NewVBox(r.heading("maint.login.heading"), r.hint("maint.login.hint"), inset(field, 0, 16, 0, 8),
		container.NewHBox(r.iconButton("ui.button.clear", theme.ContentClearIcon(), widget.MediumImportance, kiosk.InClear{})))
	switch {
	case mv.Checking:
		left.Add(para(r.t("maint.login.checking"), widget.MediumImportance))
	case !empty(mv.Message):
		left.Add(r.banner(r.text(mv.Message), "", theme.NewErrorThemedResource(theme.ErrorIcon()), colBannerErr))
	}
	body := container.NewGridWithColumns(2, left, container.NewCenter(r.keypad()))
	return screen{body: body, left: []fyne.CanvasObject{r.back()}}
}

func (r *Renderer) maintView() *kiosk.MaintView {
	if r.view.Maint == nil {
		return &kiosk.MaintView{}
	}
	return r.view.Maint
}

// maintenance is maintenance mode: tabs for the pages, the page, Exit.
func (r *Renderer) maintenance() screen {
	mv := r.maintView()
	tabs := container.NewHBox()
	for _, p := range kiosk.MaintPages {
		key := "maint.tab." + tabKey(p)
		label := r.t(key)
		b := widget.NewButton(label, r.sendAction(key, label, kiosk.InMaintPage{Page: p}))
		if p == mv.Page {
			b.Importance = widget.HighImportance
		}
		tabs.Add(withMin(b, 200, minTouch))
	}
	langs := container.NewHBox()
	for _, code := range []string{"da", "en"} {
		name := r.bundle.Localizer(code).T("common.language_name")
		b := widget.NewButton(name, r.sendAction("lang:"+code, name, kiosk.InLanguage{Lang: code}))
		if code == r.loc.Lang() {
			b.Importance = widget.HighImportance
		}
		langs.Add(withMin(b, 150, minTouch))
	}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, langs, tabs))
	if mv.Warning {
		secs := int(math.Ceil(mv.IdleLeft.Seconds()))
		top.Add(r.banner(r.t("maint.idle.warning", map[string]any{"Seconds": secs}), "", theme.NewWarningThemedResource(theme.WarningIcon()), colBannerWarn))
	}
	if !empty(mv.Result) {
		top.Add(r.banner(r.text(mv.Result), "", theme.NewPrimaryThemedResource(theme.InfoIcon()), colRow))
	}
	var page fyne.CanvasObject
	var right []fyne.CanvasObject
	switch mv.Page {
	case kiosk.PageTests:
		page = r.maintTests(mv)
		if mv.Confirm == nil {
			right = r.maintAFIButtons(mv)
		}
	case kiosk.PageOutOfOrder:
		page = r.maintOutOfOrder(mv)
	case kiosk.PageQueue:
		page = r.maintQueue(mv)
		right = append(right, r.maintButton("maint.button.refresh", theme.ViewRefreshIcon(), kiosk.ActionRefresh, mv))
	case kiosk.PageLog:
		page = r.maintLog(mv)
		right = append(right, r.maintButton("maint.button.refresh", theme.ViewRefreshIcon(), kiosk.ActionRefresh, mv))
	default:
		page = r.maintStatus(mv)
		right = append(right, r.maintButton("maint.button.refresh", theme.ViewRefreshIcon(), kiosk.ActionRefresh, mv))
	}
	body := container.NewBorder(inset(top, 0, 0, 0, 12), nil, nil, nil, page)
	exit := r.iconButton("maint.button.exit", theme.LogoutIcon(), widget.HighImportance, kiosk.InMaintExit{})
	return screen{body: body, left: []fyne.CanvasObject{exit}, right: right}
}

// tabKey is the catalog key part of a page name.
func tabKey(p string) string {
	if p == kiosk.PageOutOfOrder {
		return "out_of_order"
	}
	return p
}

// maintButton is a page's action button, disabled while another action runs.
func (r *Renderer) maintButton(key string, res fyne.Resource, action string, mv *kiosk.MaintView) fyne.CanvasObject {
	b := r.iconButton(key, res, widget.MediumImportance, kiosk.InMaintAction{Action: action})
	if mv.Busy != "" {
		disable(b)
		delete(r.actions, key)
	}
	return b
}

// levelColour is a status line's colour.
func levelColour(l kiosk.Level) color.Color {
	switch l {
	case kiosk.LevelOK:
		return colSuccess
	case kiosk.LevelWarn:
		return colWarning
	case kiosk.LevelBad:
		return colError
	}
	return colDisabled
}

func levelImportance(l kiosk.Level) widget.Importance {
	switch l {
	case kiosk.LevelOK:
		return widget.SuccessImportance
	case kiosk.LevelWarn:
		return widget.WarningImportance
	case kiosk.LevelBad:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// maintStatus answers "what is wrong": one row per fact, its colour and
// level word (for technicians who do not tell red from green), the value,
// and what to do. Faults come first, then what to check, so the answer is
// at the top without scrolling; within a level the order is the core's.
func (r *Renderer) maintStatus(mv *kiosk.MaintView) fyne.CanvasObject {
	rank := map[kiosk.Level]int{kiosk.LevelBad: 0, kiosk.LevelWarn: 1, kiosk.LevelUnknown: 2, kiosk.LevelOK: 3}
	sorted := slices.Clone(mv.Lines)
	slices.SortStableFunc(sorted, func(a, b kiosk.StatusLine) int { return rank[a.Level] - rank[b.Level] })
	grid := container.NewGridWithColumns(2)
	for _, l := range sorted {
		dot := canvas.NewCircle(levelColour(l.Level))
		lead := withMin(container.New(insetLayout{8, 8, 8, 8}, dot), 40, 40)
		label := widget.NewLabel(r.t(l.Label))
		label.TextStyle.Bold = true
		level := widget.NewLabel(r.t("maint.level." + string(l.Level)))
		level.TextStyle.Bold = true
		level.Importance = levelImportance(l.Level)
		texts := lines(container.NewHBox(label, level), para(r.text(l.Value), widget.MediumImportance))
		if !empty(l.Advice) {
			texts.Add(para(r.text(l.Advice), levelImportance(l.Level)))
		}
		grid.Add(inset(panel(iconRow(lead, inset(texts, 8, 0, 0, 0)), colRow, nil), 0, 0, 8, 8))
	}
	return container.NewBorder(r.heading("maint.tab.status"), nil, nil, nil, touchScroll(inset(grid, 0, 4, 16, 4)))
}

// maintTests are the device and library-system tests and the system actions
// on the left, the tag inspector on the right; while an AFI write waits for
// its yes, the confirmation alone.
func (r *Renderer) maintTests(mv *kiosk.MaintView) fyne.CanvasObject {
	if mv.Confirm != nil {
		return r.maintConfirm(mv.Confirm)
	}
	// One button a row: the page shares the screen with the inspector.
	tests := container.NewVBox(
		r.maintButton("maint.button.print_test", theme.DocumentPrintIcon(), kiosk.ActionPrintTest, mv),
		r.maintButton("maint.button.acs_check", theme.ComputerIcon(), kiosk.ActionACSCheck, mv),
	)
	system := container.NewVBox(
		r.maintButton("maint.button.restart", theme.ViewRefreshIcon(), kiosk.ActionRestart, mv),
		r.maintButton("maint.button.reboot", theme.MediaReplayIcon(), kiosk.ActionReboot, mv),
	)
	box := container.NewVBox(r.heading("maint.tab.tests"), r.hint("maint.tests.hint"), inset(tests, 0, 8, 0, 16),
		r.maintScanTest(mv), inset(r.hint("maint.system.hint"), 0, 16, 0, 0), inset(system, 0, 8, 0, 8))
	if mv.Demo {
		box.Add(r.hint("maint.system.demo"))
	}
	// The heading scrolls with the tests: the inspector needs the height.
	// The tests take a third of the width, the inspector's rows the rest.
	return container.NewBorder(nil, nil, withMin(touchScroll(inset(box, 0, 0, 32, 0)), 620, 0), nil, r.maintInspector(mv))
}

// maintOutOfOrder switches the kiosk out of order with a preset, or back.
func (r *Renderer) maintOutOfOrder(mv *kiosk.MaintView) fyne.CanvasObject {
	box := container.NewVBox(r.heading("maint.tab.out_of_order"))
	if mv.OutOfOrder != "" {
		box.Add(line(r.t("maint.ooo.state_on"), true, widget.DangerImportance))
		box.Add(panel(para(r.text(kiosk.Text{ID: "mode.forced_" + mv.OutOfOrder}), widget.MediumImportance), colBannerErr, nil))
	} else {
		box.Add(line(r.t("maint.ooo.state_off"), true, widget.SuccessImportance))
	}
	box.Add(r.hint("maint.ooo.hint"))
	presets := container.NewGridWithColumns(len(mv.Presets))
	for _, p := range mv.Presets {
		label := r.t("maint.preset." + p)
		imp := widget.MediumImportance
		if p == mv.OutOfOrder {
			imp = widget.HighImportance
		}
		tap := r.sendAction("preset:"+p, label, kiosk.InMaintOutOfOrder{Preset: p})
		presets.Add(withMin(r.bigButton(label, nil, imp, theme.SizeNameSubHeadingText, tap, false), 0, 110))
	}
	box.Add(inset(presets, 0, 16, 0, 16))
	off := r.iconButton("maint.button.in_service", theme.ConfirmIcon(), widget.HighImportance, kiosk.InMaintOutOfOrder{})
	if mv.OutOfOrder == "" {
		disable(off)
		delete(r.actions, "maint.button.in_service")
	}
	box.Add(container.NewHBox(off))
	return box
}

// maintQueue lists the offline queue and the unsettled journal: item ids
// and times only.
func (r *Renderer) maintQueue(mv *kiosk.MaintView) fyne.CanvasObject {
	rows := func(qs []kiosk.QueueRow) fyne.CanvasObject {
		box := container.NewVBox()
		for _, q := range qs {
			op := r.t("maint.queue.op_" + q.Op)
			box.Add(line(q.ItemID+"  "+op+"  "+r.loc.DateTime(q.At), false, widget.MediumImportance))
		}
		if len(qs) == 0 {
			box.Add(para(r.t("maint.queue.empty"), widget.MediumImportance))
		}
		return box
	}
	queue := container.NewVBox(line(r.t("maint.queue.offline", map[string]any{"Count": len(mv.Queue)}), true, widget.MediumImportance),
		rows(mv.Queue), container.NewHBox(r.maintButton("maint.button.forward", theme.MailSendIcon(), kiosk.ActionForward, mv)))
	journal := container.NewVBox(line(r.t("maint.queue.journal", map[string]any{"Count": len(mv.Journal)}), true, widget.MediumImportance),
		rows(mv.Journal), container.NewHBox(r.maintButton("maint.button.settle", theme.ConfirmIcon(), kiosk.ActionSettle, mv)))
	cols := container.NewGridWithColumns(2, touchScroll(inset(queue, 0, 0, 24, 0)), touchScroll(inset(journal, 0, 0, 24, 0)))
	return container.NewBorder(r.heading("maint.tab.queue"), nil, nil, nil, cols)
}

// maintLog shows the last log lines, newest first; they were redacted when
// they were written.
func (r *Renderer) maintLog(mv *kiosk.MaintView) fyne.CanvasObject {
	list := container.NewVBox()
	for _, l := range mv.Log {
		list.Add(line(l, false, widget.MediumImportance))
	}
	if len(mv.Log) == 0 {
		list.Add(para(r.t("maint.log.empty"), widget.MediumImportance))
	}
	return container.NewBorder(container.NewVBox(r.heading("maint.tab.log"), r.hint("maint.log.heading")), nil, nil, nil,
		touchScroll(inset(list, 0, 4, 16, 4)))
}

var _ fyne.Widget = (*longPress)(nil)
var _ desktop.Mouseable = (*longPress)(nil)
