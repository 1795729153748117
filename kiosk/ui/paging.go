package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/kiosk"
)

// Long lists (the items on the pad, the loans, the holds) are shown a page
// at a time with page buttons, because a finger on a touch screen finds a
// thin scroll bar hard to hit and a list cut at the bottom does not say
// that more follows.

// maxRowsPerPage is the most rows the first page of a list shows before
// its room is known; from then on a page holds the rows that fit (fitPages).
const maxRowsPerPage = 6

// pager is the page of each list on screen. It is the one thing the
// renderer keeps between views, and only for the screen and text size it
// belongs to.
type pager struct {
	screen kiosk.Screen
	large  bool
	lists  map[string]*pageState
}

// pageState is the paging of one list.
type pageState struct {
	page  int
	pages int
	rows  int // rows the list had, so that a new item shows its page
	// atEnd keeps a live list on its last page when its pages are packed
	// anew (the room changed) while it showed its newest row.
	atEnd bool
	// room is the size the list's page had at the last layout: the rows
	// are packed into pages of that height by their measured heights.
	room fyne.Size
	// scroll holds the current page; it scrolls only if even one row is
	// taller than the room (a very long reason), never to reach a row.
	scroll *container.Scroll
}

// list returns the paging of the list called name, starting afresh on
// another screen or text size.
func (r *Renderer) list(name string) *pageState {
	pg := &r.pages
	if pg.lists == nil || pg.screen != r.view.Screen || pg.large != r.view.LargeText {
		*pg = pager{screen: r.view.Screen, large: r.view.LargeText, lists: map[string]*pageState{}}
	}
	p := pg.lists[name]
	if p == nil {
		p = &pageState{}
		pg.lists[name] = p
	}
	return p
}

// forgetScrolls drops the scroll containers of the last build.
func (r *Renderer) forgetScrolls() {
	for _, p := range r.pages.lists {
		p.scroll = nil
	}
}

// pageScroll wraps the current page of the list called name; show measures
// it to keep the page within the room it has (fitPages).
func (r *Renderer) pageScroll(name string, page fyne.CanvasObject) *container.Scroll {
	p := r.list(name)
	p.scroll = touchScroll(inset(page, 0, 8, 16, 8))
	return p.scroll
}

// fitPages takes the size each list's page has after a layout pass and
// reports whether it changed, so that the rows are packed again into pages
// that fit (wrapped reasons and destinations differ by language and text
// size, and the page buttons take room once there is more than one page).
func (r *Renderer) fitPages() bool {
	changed := false
	for _, p := range r.pages.lists {
		if p.scroll == nil {
			continue
		}
		// The page's inset (pageScroll) is not room for rows.
		room := p.scroll.Size().Subtract(fyne.NewSize(16, 16))
		if d := room.Subtract(p.room); max(d.Width, -d.Width, d.Height, -d.Height) > 1 {
			p.room, changed = room, true
			p.atEnd = p.pages > 1 && p.page == p.pages-1
		}
	}
	return changed
}

// pageStarts packs rows into pages of the list's room by their heights at
// its width, and returns the index of each page's first row. Before the
// room is known, pages hold maxRowsPerPage rows. A row taller than the room
// gets a page of its own (and the page scrolls).
func (p *pageState) pageStarts(rows []fyne.CanvasObject) []int {
	starts := []int{0}
	if p.room.Height <= 0 {
		for i := maxRowsPerPage; i < len(rows); i += maxRowsPerPage {
			starts = append(starts, i)
		}
		return starts
	}
	gap := theme.Padding() // the VBox's gap between rows
	used := float32(0)
	for i, row := range rows {
		// A wrapped label knows its height once it has its width.
		row.Resize(fyne.NewSize(p.room.Width, row.MinSize().Height))
		h := row.MinSize().Height
		if used > 0 && used+gap+h > p.room.Height {
			starts = append(starts, i)
			used = 0
		}
		if used > 0 {
			used += gap
		}
		used += h
	}
	return starts
}

// paged cuts the rows of the list called name into pages and returns the
// rows of its current page and the page buttons (nil when one page holds
// them all). With follow set (the live loan and return lists), a row added
// to the list turns to the last page, where it is; a list shown afresh
// starts on its first page.
func (r *Renderer) paged(name string, rows []fyne.CanvasObject, follow bool) ([]fyne.CanvasObject, fyne.CanvasObject) {
	p := r.list(name)
	starts := p.pageStarts(rows)
	pages := len(starts)
	if follow && ((p.rows > 0 && len(rows) > p.rows) || p.atEnd) {
		p.page = pages - 1
	}
	p.atEnd = false
	p.rows = len(rows)
	p.page = min(max(p.page, 0), pages-1)
	p.pages = pages
	if pages == 1 {
		return rows, nil
	}
	turn := func(d int) func() {
		return func() {
			p.page += d
			r.show(r.view)
		}
	}
	prevLabel, nextLabel := r.t("screens.page.prev"), r.t("screens.page.next")
	// Previous is an arrow only, so that the buttons and the page count fit
	// the account screen's half width in every language with larger text.
	prev := widget.NewButtonWithIcon("", theme.NavigateBackIcon(), r.action(name+":page:prev", prevLabel, turn(-1)))
	next := widget.NewButtonWithIcon(nextLabel, theme.NavigateNextIcon(), r.action(name+":page:next", nextLabel, turn(1)))
	next.IconPlacement = widget.ButtonIconTrailingText
	next.Importance = widget.HighImportance
	if p.page == 0 {
		prev.Disable()
		delete(r.actions, name+":page:prev")
	}
	if p.page == pages-1 {
		next.Disable()
		delete(r.actions, name+":page:next")
	}
	of := wholeLine(r.t("screens.page.of", map[string]any{"Page": p.page + 1, "Pages": pages}))
	nav := container.NewBorder(nil, nil, withMin(prev, minTouch*1.5, minTouch), withMin(next, buttonWidth, minTouch), container.NewCenter(of))
	end := len(rows)
	if p.page+1 < pages {
		end = starts[p.page+1]
	}
	return rows[starts[p.page]:end], inset(nav, 0, 4, 16, 0)
}
