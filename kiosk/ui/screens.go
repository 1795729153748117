package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/kiosk"
)

// screen is what one screen builder returns: the body and the buttons of
// the bottom bar.
type screen struct {
	body        fyne.CanvasObject
	left, right []fyne.CanvasObject
}

// build makes the whole window content for r.view.
func (r *Renderer) build() fyne.CanvasObject {
	v := r.view
	var s screen
	switch v.Screen {
	case kiosk.ScreenWelcome:
		s = r.welcome()
	case kiosk.ScreenIdentify:
		s = r.identify()
	case kiosk.ScreenPIN:
		s = r.pin()
	case kiosk.ScreenLoan:
		s = r.itemScreen("ui.loan.heading", "ui.loan.hint", "loan")
	case kiosk.ScreenReturn:
		s = r.itemScreen("ui.return.heading", "ui.return.hint", "return")
	case kiosk.ScreenRenew:
		s = r.renew()
	case kiosk.ScreenAccount:
		s = r.account()
	case kiosk.ScreenReceipt:
		s = r.receipt()
	case kiosk.ScreenGoodbye:
		s = r.goodbye()
	case kiosk.ScreenMaintLogin:
		s = r.maintLogin()
	case kiosk.ScreenMaintenance:
		s = r.maintenance()
	default:
		s = r.outOfOrder()
	}

	top := container.NewVBox(r.header())
	for _, b := range r.banners() {
		top.Add(inset(b, 40, 12, 40, 0))
	}
	var bottom fyne.CanvasObject
	if len(s.left)+len(s.right) > 0 || v.Busy {
		bottom = r.footer(s)
	}
	main := container.NewBorder(top, bottom, nil, nil, inset(s.body, 48, 20, 48, 12))
	if v.IdleWarning && v.Screen != kiosk.ScreenWelcome && v.Screen != kiosk.ScreenOutOfOrder {
		// The warning replaces the whole screen: the patron may have walked
		// away, so the next person in the queue sees nothing of the session.
		main = r.idleScreen()
	}
	return container.NewStack(canvas.NewRectangle(colBackground), main)
}

// header is the blue bar: the library's name, the patron's greeting on the
// screens of a logged-in session, and the larger-text toggle.
func (r *Renderer) header() fyne.CanvasObject {
	v := r.view
	titleText := r.opts.LibraryName
	if titleText == "" {
		titleText = r.t("ui.title")
	}
	if v.Screen == kiosk.ScreenMaintenance {
		titleText = r.t("maint.heading", map[string]any{"Tech": r.maintView().Tech})
	}
	title := canvas.NewText(titleText, colWhite)
	title.TextSize = r.th.Size(theme.SizeNameSubHeadingText)
	title.TextStyle.Bold = true
	var titleObj fyne.CanvasObject = container.NewCenter(title)
	if logo := r.logo(headerLogoHeight); logo != nil {
		titleObj = container.NewHBox(container.NewCenter(logo), container.NewCenter(title))
	}
	if maintGesture(v) {
		// The technician's way in: hold the title for five seconds. It
		// looks like nothing, and a tap does nothing.
		fire := r.sendAction(maintEnterAction, "", kiosk.InMaintEnter{})
		titleObj = newLongPress(titleObj, maintHold, fire)
	}

	right := container.NewHBox()
	if v.Greeting != "" && sessionScreen(v) {
		g := canvas.NewText(r.t("ui.greeting", map[string]any{"Name": v.Greeting}), colWhite)
		g.TextSize = r.th.Size(theme.SizeNameSubHeadingText)
		right.Add(container.NewCenter(g))
		// A clear gap keeps the name from touching the toggle.
		right.Add(withMin(layout.NewSpacer(), greetingGap, 0))
	}
	if v.Screen != kiosk.ScreenOutOfOrder && !maintScreen(v) {
		key := "ui.button.larger_text"
		if v.LargeText {
			key = "ui.button.normal_text"
		}
		zoom := theme.ZoomInIcon()
		if v.LargeText {
			zoom = theme.ZoomOutIcon()
		}
		right.Add(r.iconButton(key, zoom, widget.MediumImportance, kiosk.InLargeText{On: !v.LargeText}))
	}
	bar := container.NewBorder(nil, nil, titleObj, right)
	// The bar keeps its height on screens without the toggle.
	return withMin(container.NewStack(canvas.NewRectangle(colHeader), inset(bar, 40, 10, 40, 10)), 0, minTouch+20)
}

// sessionScreen reports the screens on which a logged-in patron may be
// greeted; the others never show the name, even if a View carried one.
func sessionScreen(v kiosk.View) bool {
	switch v.Screen {
	case kiosk.ScreenLoan, kiosk.ScreenRenew, kiosk.ScreenAccount, kiosk.ScreenReceipt:
		return true
	case kiosk.ScreenWelcome:
		return v.InSession
	}
	return false
}

// banners are the kiosk-wide mode notices, the screen's message and the
// patron's block reason.
func (r *Renderer) banners() []fyne.CanvasObject {
	v := r.view
	var out []fyne.CanvasObject
	if v.Screen == kiosk.ScreenOutOfOrder || maintScreen(v) {
		// The technician's screens show their own messages.
		return nil
	}
	switch v.Mode {
	case kiosk.ModeOutOfOrder:
		// The core lets a session that is under way finish when the kiosk
		// breaks down (the reader unplugged); the out-of-order screen only
		// comes after it, so the patron must learn it here. The reason is
		// shown unless it merely repeats the banner.
		reason := r.outOfOrderWhy(v.ModeReason)
		out = append(out, r.banner(r.t("ui.banner.out_of_order"), reason, theme.NewErrorThemedResource(theme.ErrorIcon()), colBannerErr))
	case kiosk.ModeReturnsOnly:
		// The reason is shown below unless it merely repeats the banner.
		reason := r.text(v.ModeReason)
		if v.ModeReason.ID == kiosk.MsgModeReturnsOnly || v.ModeReason.ID == kiosk.MsgModeOfflineReturns {
			reason = ""
		}
		out = append(out, r.banner(r.t("ui.banner.returns_only"), reason, theme.NewWarningThemedResource(theme.WarningIcon()), colBannerWarn))
	case kiosk.ModeNoReceipt:
		out = append(out, r.banner(r.t("ui.banner.no_receipt"), "", theme.NewWarningThemedResource(theme.DocumentPrintIcon()), colBannerWarn))
	case kiosk.ModeNormal:
		if v.ModeReason.ID == kiosk.MsgModeCheckinDisabled {
			out = append(out, r.banner(r.text(v.ModeReason), "", theme.NewWarningThemedResource(theme.WarningIcon()), colBannerWarn))
		}
	}
	if !empty(v.Blocked) && (v.Screen == kiosk.ScreenLoan || v.Screen == kiosk.ScreenAccount) {
		out = append(out, r.banner(r.t("ui.blocked"), r.text(v.Blocked), theme.NewErrorThemedResource(theme.ErrorIcon()), colBannerErr))
	}
	if !empty(v.Message) {
		out = append(out, r.banner(r.text(v.Message), "", theme.NewErrorThemedResource(theme.ErrorIcon()), colBannerErr))
	}
	return out
}

func (r *Renderer) banner(head, detail string, res fyne.Resource, bg color.Color) fyne.CanvasObject {
	// The head wraps: cut, the German out-of-order notice lost its end
	// with larger text.
	h := para(head, widget.MediumImportance)
	h.TextStyle.Bold = true
	texts := container.NewVBox(h)
	if detail != "" {
		texts.Add(para(detail, widget.MediumImportance))
	}
	return panel(container.NewBorder(nil, nil, container.NewCenter(icon(res, 48)), nil, texts), bg, nil)
}

// footer is the bottom bar: Back on the left, Finish (and screen actions)
// on the right, and progress in the middle while the library system answers.
func (r *Renderer) footer(s screen) fyne.CanvasObject {
	left := container.NewHBox(s.left...)
	right := container.NewHBox(s.right...)
	var mid fyne.CanvasObject = layout.NewSpacer()
	if r.view.Busy {
		bar := widget.NewProgressBarInfinite()
		// Not wrapped: a wrapping label in a centring box is given no
		// width, and its text runs over it.
		mid = inset(container.NewVBox(container.NewCenter(widget.NewLabel(r.t("ui.busy"))), bar), 40, 0, 40, 0)
	}
	row := container.NewBorder(nil, nil, left, right, mid)
	sep := canvas.NewRectangle(colSeparator)
	sep.SetMinSize(fyne.NewSize(1, 2))
	return container.NewVBox(sep, inset(row, 40, 12, 40, 16))
}

func (r *Renderer) back() fyne.CanvasObject {
	return r.iconButton("ui.button.back", theme.NavigateBackIcon(), widget.MediumImportance, kiosk.InBack{})
}

func (r *Renderer) finish() fyne.CanvasObject {
	return r.iconButton("ui.button.finish", theme.ConfirmIcon(), widget.HighImportance, kiosk.InFinish{})
}

// welcome: four big choices and the language buttons.
func (r *Renderer) welcome() screen {
	v := r.view
	// The tiles the core would refuse are disabled: out of order (a
	// patron back at the menu of a session) refuses even returns.
	returnsOnly := v.Mode >= kiosk.ModeReturnsOnly
	outOfOrder := v.Mode == kiosk.ModeOutOfOrder
	// 98 checkin ok = N: the library system takes no returns just now.
	noReturns := outOfOrder || v.ModeReason.ID == kiosk.MsgModeCheckinDisabled
	tiles := container.NewGridWithColumns(2,
		r.tile("ui.button.borrow", theme.DownloadIcon(), kiosk.ScreenLoan, returnsOnly),
		r.tile("ui.button.return", theme.UploadIcon(), kiosk.ScreenReturn, noReturns),
		r.tile("ui.button.renew", theme.HistoryIcon(), kiosk.ScreenRenew, returnsOnly),
		r.tile("ui.button.account", theme.AccountIcon(), kiosk.ScreenAccount, returnsOnly),
	)
	langs := container.NewHBox()
	for _, code := range r.opts.Languages {
		name := r.bundle.Localizer(code).T("common.language_name")
		b := widget.NewButton(name, r.sendAction("lang:"+code, name, kiosk.InLanguage{Lang: code}))
		if code == r.loc.Lang() {
			b.Importance = widget.HighImportance
		}
		langs.Add(withMin(b, 150, minTouch))
	}
	// The tiles keep their height whether or not the session's bottom bar
	// takes room below them.
	var head fyne.CanvasObject = r.heading("ui.welcome.heading")
	if logo := r.logo(welcomeLogoHeight); logo != nil {
		head = container.NewBorder(nil, nil, nil, logo, head)
	}
	body := container.NewVBox(head)
	if !v.InSession {
		// A patron in a session knows what the menu is for; the line's
		// room keeps the tiles and a banner on the screen with larger text.
		body.Add(r.hint("ui.welcome.lead"))
	}
	body.Objects = append(body.Objects,
		inset(tiles, 0, 16, 0, 24),
		container.NewCenter(container.NewHBox(inset(container.NewCenter(wholeLine(r.t("ui.welcome.language"))), 0, 0, 16, 0), langs)),
	)
	s := screen{body: body}
	if v.InSession {
		// A logged-in patron back at the menu can end the session here.
		s.right = []fyne.CanvasObject{r.finish()}
	}
	return s
}

// tile is a big welcome-screen choice.
func (r *Renderer) tile(key string, res fyne.Resource, to kiosk.Screen, disabled bool) fyne.CanvasObject {
	label := r.t(key)
	tap := r.sendAction(key, label, kiosk.InChoose{Screen: to})
	if disabled {
		delete(r.actions, key)
	}
	return withMin(r.bigButton(label, res, widget.HighImportance, sizeTile, tap, disabled), 400, tileHeight(r.view.LargeText))
}

// keypad is the on-screen number pad shared by the identify and PIN screens.
func (r *Renderer) keypad() fyne.CanvasObject {
	var keys []fyne.CanvasObject
	digit := func(d rune) fyne.CanvasObject {
		s := string(d)
		return r.bigButton(s, nil, widget.MediumImportance, sizeKey, r.sendAction("key:"+s, "", kiosk.InKey{Key: d}), false)
	}
	for _, d := range "123456789" {
		keys = append(keys, digit(d))
	}
	// Backspace is an icon, so that no language's word for it widens the
	// keypad's columns; its name still works for scripts and screen texts.
	bsLabel := r.t("ui.button.backspace")
	bs := r.bigButton("", theme.NavigateBackIcon(), widget.MediumImportance, sizeKey, r.sendAction("ui.button.backspace", bsLabel, kiosk.InBackspace{}), false)
	okLabel := r.t("ui.button.ok")
	ok := r.bigButton(okLabel, nil, widget.HighImportance, sizeKey, r.sendAction("ui.button.ok", okLabel, kiosk.InSubmit{}), false)
	keys = append(keys, bs, digit('0'), ok)
	size := keySize(r.view.LargeText)
	for i, k := range keys {
		keys[i] = withMin(k, size.Width, size.Height)
	}
	return container.NewGridWithColumns(3, keys...)
}

// identify: scan a card, or type its number.
func (r *Renderer) identify() screen {
	r.mask = r.maskDots()
	field := panel(withMin(container.NewCenter(r.mask), 560, 88), colRow, colSeparator)
	left := container.NewVBox(
		r.heading("ui.identify.heading"),
		r.hint("ui.identify.hint"),
		inset(field, 0, 16, 0, 8),
		container.NewHBox(r.iconButton("ui.button.clear", theme.ContentClearIcon(), widget.MediumImportance, kiosk.InClear{})),
	)
	return screen{body: besideKeypad(left, r.keypad()), left: []fyne.CanvasObject{r.back()}}
}

// maxCardDots is the most dots the card-number field shows; a longer number
// still fills it.
const maxCardDots = 14

// maskDots draws what was typed as dots: one filled dot per card-number
// character (no hollow ones, since card numbers differ in length), or the
// PIN's filled and hollow dots.
func (r *Renderer) maskDots() *fyne.Container {
	v := r.view
	n := masked(v)
	if v.Screen == kiosk.ScreenIdentify {
		return cardCells(v.Card, r.th.Size(sizeMask)*0.75)
	}
	return dots(n, max(v.PINLength, n, 4), 64)
}

// pin: the masked PIN and the keypad.
func (r *Renderer) pin() screen {
	r.mask = r.maskDots()
	field := panel(withMin(container.NewCenter(r.mask), 560, 88), colRow, colSeparator)
	left := container.NewVBox(
		r.heading("ui.pin.heading"),
		r.hint("ui.pin.hint"),
		inset(field, 0, 16, 0, 8),
		container.NewHBox(r.iconButton("ui.button.clear", theme.ContentClearIcon(), widget.MediumImportance, kiosk.InClear{})),
	)
	return screen{body: besideKeypad(left, r.keypad()), left: []fyne.CanvasObject{r.back()}}
}

// itemScreen is the live list of the loan and return screens.
func (r *Renderer) itemScreen(headKey, hintKey, kind string) screen {
	v := r.view
	var rows []fyne.CanvasObject
	for _, it := range v.Items {
		rows = append(rows, r.itemRow(it, kind))
	}
	rows, nav := r.paged("items", rows, true)
	list := container.NewVBox(rows...)
	if v.Mode == kiosk.ModeOutOfOrder {
		// The pad takes no more items: asking for them, or saying that
		// none lies there yet, would mislead.
		hintKey = "screens.pad_down.hint"
	} else if len(v.Items) == 0 {
		list.Add(inset(para(r.t("ui.loan.empty"), widget.MediumImportance), 0, 24, 0, 0))
	}
	top := container.NewVBox(r.heading(headKey), r.hint(hintKey))
	if kind == "loan" {
		top.Add(summaryLine(r.loanSummary(v.Items)))
	}
	body := container.NewBorder(top, nav, nil, nil, r.pageScroll("items", list))
	return screen{body: body, left: []fyne.CanvasObject{r.back()}, right: []fyne.CanvasObject{r.finish()}}
}

// itemRow is one item with its progress: reading, parts missing, lent until
// a date, returned with where it goes, refused with the reason.
func (r *Renderer) itemRow(it kiosk.ItemView, kind string) fyne.CanvasObject {
	title := it.Title
	if title == "" {
		title = r.t("ui.item.untitled", map[string]any{"ID": it.ItemID})
	}
	var status, detail string
	imp := widget.MediumImportance
	res := theme.ViewRefreshIcon()
	date := map[string]any{"Date": r.loc.Date(it.Due)}
	switch it.State {
	case kiosk.ItemReading:
		status = r.t("ui.item.reading")
	case kiosk.ItemIncomplete:
		status = r.missingParts(it)
		imp, res = widget.WarningImportance, theme.NewWarningThemedResource(theme.WarningIcon())
	case kiosk.ItemWorking:
		status = r.t("ui.item.working")
	case kiosk.ItemDone:
		imp, res = widget.SuccessImportance, theme.NewSuccessThemedResource(theme.ConfirmIcon())
		switch kind {
		case "return":
			status = r.t("ui.item.returned")
		case "renew":
			status = r.t("ui.item.renewed", date)
			if it.Due.IsZero() {
				// Renewed, but the new due date did not reach the kiosk:
				// no date rather than a wrong one.
				status = r.t("ui.item.renewed_undated")
			}
		default:
			status = r.t("ui.item.lent", date)
		}
	case kiosk.ItemRefused:
		status = r.t("ui.item.refused_" + kind)
		detail = r.text(it.Reason)
		imp, res = widget.DangerImportance, theme.NewErrorThemedResource(theme.ErrorIcon())
	case kiosk.ItemSeeStaff:
		status = r.t("ui.item.see_staff")
		detail = r.text(it.Reason)
		imp, res = widget.WarningImportance, theme.NewWarningThemedResource(theme.WarningIcon())
	}
	texts := lines(line(title, true, widget.MediumImportance), line(status, true, imp))
	if detail != "" {
		texts.Add(para(detail, widget.MediumImportance))
	}
	if it.KeepSecured && it.State == kiosk.ItemDone {
		texts.Add(para(r.text(kiosk.Text{ID: kiosk.MsgLoanKeepSecured}), widget.WarningImportance))
	}
	if kind == "return" && !empty(it.Destination) {
		// Where the item goes is the one thing the patron must act on.
		dest := widget.NewLabel(r.text(it.Destination))
		dest.SizeName = theme.SizeNameSubHeadingText
		dest.TextStyle.Bold = true
		dest.Wrapping = fyne.TextWrapWord
		texts.Add(dest)
	}
	row := iconRow(icon(res, 56), inset(texts, 16, 0, 0, 0))
	return inset(panel(row, colRow, nil), 0, 0, 0, 12)
}

// renew: the patron's loans to tick, renew the ticked ones or all.
func (r *Renderer) renew() screen {
	v := r.view
	var rows []fyne.CanvasObject
	chosen, renewable := 0, 0
	for _, it := range v.Loans {
		if it.Selected {
			chosen++
		}
		if empty(it.CannotRenew) {
			renewable++
		}
		rows = append(rows, r.renewRow(it))
	}
	rows, nav := r.paged("loans", rows, false)
	list := container.NewVBox(rows...)
	if len(v.Loans) == 0 {
		list.Add(inset(para(r.t("ui.renew.empty"), widget.MediumImportance), 0, 24, 0, 0))
	}
	chosenBtn := r.iconButton("ui.button.renew_chosen", theme.HistoryIcon(), widget.HighImportance, kiosk.InRenewChosen{})
	allBtn := r.iconButton("ui.button.renew_all", theme.HistoryIcon(), widget.HighImportance, kiosk.InRenewAll{})
	if chosen == 0 {
		disable(chosenBtn)
		delete(r.actions, "ui.button.renew_chosen")
	}
	if renewable == 0 {
		disable(allBtn)
		delete(r.actions, "ui.button.renew_all")
	}
	// The page buttons share the row of the renew buttons, leaving the
	// list as much room as it can have.
	var bottom fyne.CanvasObject = inset(container.NewHBox(chosenBtn, allBtn), 0, 12, 0, 0)
	if nav != nil {
		bottom = container.NewBorder(nil, nil, bottom, nil, inset(nav, 32, 8, 0, 0))
	}
	body := container.NewBorder(
		container.NewVBox(r.heading("ui.renew.heading"), r.hint("ui.renew.hint"), summaryLine(r.renewSummary(v.Loans))),
		bottom,
		nil, nil,
		r.pageScroll("loans", list),
	)
	return screen{body: body, left: []fyne.CanvasObject{r.back()}, right: []fyne.CanvasObject{r.finish()}}
}

// disable finds the button inside a withMin wrapper and disables it.
func disable(o fyne.CanvasObject) {
	if c, ok := o.(*fyne.Container); ok {
		for _, x := range c.Objects {
			if b, ok := x.(*widget.Button); ok {
				b.Disable()
			}
		}
	}
}

func (r *Renderer) renewRow(it kiosk.ItemView) fyne.CanvasObject {
	tick := theme.CheckButtonIcon()
	if it.Selected {
		tick = theme.NewPrimaryThemedResource(theme.CheckButtonCheckedIcon())
	}
	title := it.Title
	if title == "" {
		title = r.t("ui.item.untitled", map[string]any{"ID": it.ItemID})
	}
	texts := lines(line(title, true, widget.MediumImportance), r.dueLine(it))
	if !empty(it.CannotRenew) && !it.Renewed && it.State == kiosk.ItemDone {
		// Known before trying: marked, with the reason, and no tick.
		it.State, it.Reason = kiosk.ItemRefused, it.CannotRenew
	}
	switch {
	case it.Renewed, it.State == kiosk.ItemWorking, it.State == kiosk.ItemRefused, it.State == kiosk.ItemSeeStaff:
		// The row then says how the renewal went instead of offering a tick.
		if it.Renewed {
			it.State = kiosk.ItemDone
		}
		return r.itemRow(it, "renew")
	}
	row := panel(iconRow(icon(tick, 56), inset(texts, 16, 0, 0, 0)), colRow, nil)
	name := "toggle:" + it.ItemID
	tap := newTapArea(row, r.sendAction(name, "", kiosk.InToggleRenew{ItemID: it.ItemID}))
	return inset(tap, 0, 0, 0, 12)
}

// dueLine says when a loan is due, in red when it is overdue.
func (r *Renderer) dueLine(it kiosk.ItemView) fyne.CanvasObject {
	date := map[string]any{"Date": r.loc.Date(it.Due)}
	if it.Overdue {
		return line(r.t("ui.item.overdue", date), true, widget.DangerImportance)
	}
	if it.Due.IsZero() {
		return layout.NewSpacer()
	}
	return line(r.t("ui.item.due", date), false, widget.MediumImportance)
}

// account: the fees under the heading; loans on the left, holds ready on
// the right.
func (r *Renderer) account() screen {
	v := r.view
	var rows []fyne.CanvasObject
	for _, it := range v.Loans {
		title := it.Title
		if title == "" {
			title = r.t("ui.item.untitled", map[string]any{"ID": it.ItemID})
		}
		rows = append(rows, inset(panel(lines(line(title, true, widget.MediumImportance), r.dueLine(it)), colRow, nil), 0, 0, 0, 10))
	}
	rows, nav := r.paged("loans", rows, false)
	list := container.NewVBox(rows...)
	if len(v.Loans) == 0 {
		list.Add(para(r.t("ui.account.no_loans"), widget.MediumImportance))
	}
	loans := container.NewBorder(r.subheading("ui.account.loans"), nav, nil, nil, r.pageScroll("loans", list))
	var holdRows []fyne.CanvasObject
	for _, h := range v.Holds {
		where := r.t("ui.account.pickup", map[string]any{"Place": h.PickupAt})
		if !h.LastDay.IsZero() {
			where = r.t("ui.account.pickup_until", map[string]any{"Place": h.PickupAt, "Date": r.loc.Date(h.LastDay)})
		}
		holdRows = append(holdRows, inset(panel(lines(line(h.Title, true, widget.MediumImportance), para(where, widget.SuccessImportance)), colRow, nil), 0, 0, 0, 10))
	}
	holdRows, holdNav := r.paged("holds", holdRows, false)
	holdList := container.NewVBox(holdRows...)
	if len(v.Holds) == 0 {
		holdList.Add(para(r.t("ui.account.no_holds"), widget.MediumImportance))
	}
	holds := container.NewBorder(r.subheading("ui.account.holds"), holdNav, nil, nil, r.pageScroll("holds", holdList))
	// The fees take one row across the screen, so that the holds keep
	// their column even with larger text.
	var fees fyne.CanvasObject = para(r.t("ui.account.no_fees"), widget.MediumImportance)
	if v.FeeTotal > 0 {
		total := wholeLine(r.t("ui.account.fee_total", map[string]any{"Amount": r.loc.Money(v.FeeTotal, v.Currency)}))
		total.Importance = widget.DangerImportance
		fees = total
		if !empty(v.PayWhere) {
			fees = container.NewBorder(nil, nil, total, nil, inset(para(r.text(v.PayWhere), widget.MediumImportance), 16, 0, 0, 0))
		}
	}
	feeHead := wholeLine(r.t("ui.account.fees"))
	feeHead.SizeName = theme.SizeNameSubHeadingText
	feeRow := container.NewBorder(nil, nil, inset(feeHead, 0, 0, 24, 0), nil, fees)
	cols := container.NewGridWithColumns(2,
		inset(loans, 0, 0, 24, 0),
		inset(holds, 0, 0, 24, 0),
	)
	body := container.NewBorder(container.NewVBox(r.heading("ui.account.heading"), inset(feeRow, 0, 0, 0, 12)), nil, nil, nil, cols)
	return screen{body: body, left: []fyne.CanvasObject{r.back()}, right: []fyne.CanvasObject{r.finish()}}
}

// receipt: print, QR or none, as the policy allows; or the QR code itself.
func (r *Renderer) receipt() screen {
	v := r.view
	if v.ReceiptQR != "" || len(v.ReceiptCodes) > 0 {
		return r.receiptQR()
	}
	choices := container.NewVBox()
	for _, c := range v.ReceiptChoices {
		var key string
		var res fyne.Resource
		imp := widget.HighImportance
		switch c {
		case "print":
			key, res = "ui.button.print", theme.DocumentPrintIcon()
		case "qr":
			key, res = "ui.button.qr", theme.GridIcon()
		case "none":
			key, res, imp = "ui.button.no_receipt", theme.CancelIcon(), widget.MediumImportance
		default:
			continue
		}
		label := r.t(key)
		b := r.bigButton(label, res, imp, theme.SizeNameSubHeadingText, r.sendAction(key, label, kiosk.InReceipt{Choice: c}), false)
		choices.Add(inset(withMin(b, 640, 110), 0, 0, 0, 16))
	}
	body := container.NewBorder(r.heading("ui.receipt.heading"), nil, nil, nil, container.NewCenter(choices))
	return screen{body: body, left: []fyne.CanvasObject{r.back()}}
}

// goodbye: thanks, and a reminder; nothing about the patron.
func (r *Renderer) goodbye() screen {
	body := container.NewCenter(withMin(container.NewVBox(
		container.NewCenter(icon(theme.NewSuccessThemedResource(theme.ConfirmIcon()), 160)),
		centered(r.headingText(r.t("ui.goodbye.heading"))),
		centered(para(r.t("ui.goodbye.hint"), widget.MediumImportance)),
	), 900, 0))
	return screen{body: body, right: []fyne.CanvasObject{r.iconButton("ui.button.done", theme.ConfirmIcon(), widget.HighImportance, kiosk.InFinish{})}}
}

// outOfOrder: no buttons at all; the reason, if the core gave one.
func (r *Renderer) outOfOrder() screen {
	v := r.view
	// The heading says "out of order" once; below it only why, and where
	// to get help.
	box := container.NewVBox(
		container.NewCenter(icon(theme.NewErrorThemedResource(theme.ErrorIcon()), 160)),
		centered(r.headingText(r.t("ui.outoforder.heading"))),
	)
	if why := r.outOfOrderWhy(v.ModeReason); why != "" {
		l := centered(para(why, widget.MediumImportance))
		l.SizeName = theme.SizeNameSubHeadingText
		l.TextStyle.Bold = true
		box.Add(l)
	}
	box.Add(centered(para(r.t("screens.outoforder.help"), widget.MediumImportance)))
	return screen{body: container.NewCenter(withMin(box, 900, 0))}
}

// idleScreen counts down to the end of the session; any touch keeps it.
func (r *Renderer) idleScreen() *fyne.Container {
	v := r.view
	secs := int(math.Ceil(v.IdleLeft.Seconds()))
	if secs < 0 {
		secs = 0
	}
	still := r.t("ui.button.still_here")
	stillFn := r.sendAction("ui.button.still_here", still, kiosk.InStillHere{})
	btn := r.bigButton(still, theme.AccountIcon(), widget.HighImportance, theme.SizeNameSubHeadingText, stillFn, false)
	card := panel(container.NewVBox(
		r.heading("ui.idle.heading"),
		para(r.loc.N("ui.idle.countdown", secs), widget.MediumImportance),
		para(r.t("ui.idle.tap"), widget.MediumImportance),
		inset(withMin(btn, 640, 110), 0, 16, 0, 8),
	), colRow, colPrimary)
	return container.NewStack(newTapArea(container.NewCenter(withMin(card, 1000, 0)), stillFn))
}
