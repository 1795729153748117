package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/kiosk"
)

// Touch targets: at least 64 px in both directions (we use more where room
// allows, because gloved and shaky fingers miss small buttons).
const (
	minTouch    = 80
	buttonWidth = 260
)

// t renders a catalog message in the session's language.
func (r *Renderer) t(key string, data ...map[string]any) string {
	return r.loc.T(key, data...)
}

// text renders a kiosk.Text in the session's language (kiosk.Text.In): the
// library's configured words, a catalog message, or the library system's
// own words.
func (r *Renderer) text(t kiosk.Text) string { return t.In(r.loc) }

// empty reports whether a kiosk.Text has nothing to show.
func empty(t kiosk.Text) bool { return t.ID == "" && t.Raw == "" && len(t.Lib) == 0 }

// action registers what the button called name does, so that the script
// player can press it, and returns the function to give the button.
func (r *Renderer) action(name, label string, fn func()) func() {
	r.actions[name] = fn
	if label != "" {
		r.labels[label] = name
	}
	return fn
}

// sendAction is action for a button that sends one input.
func (r *Renderer) sendAction(name, label string, in kiosk.Input) func() {
	return r.action(name, label, func() { r.send.Send(in) })
}

// iconButton is button with an icon before the label.
func (r *Renderer) iconButton(key string, icon fyne.Resource, imp widget.Importance, in kiosk.Input) fyne.CanvasObject {
	label := r.t(key)
	b := widget.NewButtonWithIcon(label, icon, r.sendAction(key, label, in))
	b.Importance = imp
	return withMin(b, buttonWidth, minTouch)
}

// heading is a screen heading (48 px, 60 px with larger text).
func (r *Renderer) heading(key string) fyne.CanvasObject {
	return r.headingText(r.t(key))
}

func (r *Renderer) headingText(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.SizeName = theme.SizeNameHeadingText
	l.TextStyle.Bold = true
	l.Wrapping = fyne.TextWrapWord
	return l
}

// subheading is a section heading (34 px).
func (r *Renderer) subheading(key string) fyne.CanvasObject {
	l := widget.NewLabel(r.t(key))
	l.SizeName = theme.SizeNameSubHeadingText
	l.TextStyle.Bold = true
	l.Wrapping = fyne.TextWrapWord
	return l
}

// hint is a line of body text from the catalog.
func (r *Renderer) hint(key string, data ...map[string]any) fyne.CanvasObject {
	return para(r.t(key, data...), widget.MediumImportance)
}

// para is wrapped body text (28 px, 36 px with larger text).
func para(s string, imp widget.Importance) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = imp
	return l
}

// centered centres a label's text in the width it is given.
func centered(l *widget.Label) *widget.Label {
	l.Alignment = fyne.TextAlignCenter
	return l
}

// line is one line of body text, cut with an ellipsis when too long (titles).
func line(s string, bold bool, imp widget.Importance) *widget.Label {
	l := widget.NewLabel(s)
	l.Truncation = fyne.TextTruncateEllipsis
	l.TextStyle.Bold = bold
	l.Importance = imp
	return l
}

// bigButton is a button whose label is drawn at the theme size named size:
// a Fyne button always uses the body size for its label. The label (and
// icon) are drawn over an empty button, which still takes the tap, shows the
// press and looks disabled when disabled. The kiosk once gave such buttons a
// theme override of their own instead, but Fyne parses and keeps the fonts
// again for every override scope, so each render leaked about 0.6 GB per
// patron session (issue 10); this keeps one set of parsed fonts for the app.
func (r *Renderer) bigButton(label string, res fyne.Resource, imp widget.Importance, size fyne.ThemeSizeName, tap func(), disabled bool) fyne.CanvasObject {
	b := widget.NewButton("", tap)
	b.Importance = imp
	if disabled {
		b.Disable()
	}
	fg := theme.ColorNameForeground
	switch {
	case disabled:
		fg = theme.ColorNameDisabled
	case imp == widget.HighImportance:
		fg = theme.ColorNameForegroundOnPrimary
	}
	text := canvas.NewText(label, r.th.Color(fg, theme.VariantLight))
	text.TextSize = r.th.Size(size)
	text.TextStyle.Bold = true
	content := container.NewHBox()
	if res != nil {
		ic := widget.NewIcon(theme.NewColoredResource(res, fg))
		content.Add(container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(r.th.Size(theme.SizeNameInlineIcon)), ic)))
	}
	content.Add(container.NewCenter(text))
	return container.NewStack(b, container.NewCenter(content))
}

// The list rows are laid out tighter than the rest of the screen (4 units
// between lines and inside labels instead of the theme's 8 and 12), so that
// more items fit without scrolling. These layouts do that without a theme
// override, for the reason given at bigButton.
const rowGap = 4

// rowShrink is how much of a label's inner padding a row takes back on each
// side: the theme's inner padding less the row's.
func rowShrink() float32 { return max(theme.InnerPadding()-rowGap, 0) }

// shrinkOf is the padding taken back from o: only labels have inner padding.
func shrinkOf(o fyne.CanvasObject) float32 {
	if _, ok := o.(*widget.Label); ok {
		return rowShrink()
	}
	return 0
}

// rowLines stacks lines of a list row with rowGap between them.
type rowLines struct{}

func (rowLines) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		k := shrinkOf(o)
		m := o.MinSize()
		w = max(w, m.Width-2*k)
		h += m.Height - 2*k
		n++
	}
	if n > 1 {
		h += float32(n-1) * rowGap
	}
	return fyne.NewSize(w, h)
}

func (rowLines) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var y float32
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		k := shrinkOf(o)
		// A wrapped label reports its height for the width it has, so it
		// gets its width first.
		o.Resize(fyne.NewSize(size.Width+2*k, o.Size().Height))
		h := o.MinSize().Height
		o.Move(fyne.NewPos(-k, y-k))
		o.Resize(fyne.NewSize(size.Width+2*k, h))
		y += h - 2*k + rowGap
	}
}

// lines is a row's stack of lines.
func lines(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(rowLines{}, objs...)
}

// rowWithIcon puts lead (an icon) at the left of a row, centred over the
// row's height, and body to its right.
type rowWithIcon struct{}

func (rowWithIcon) MinSize(objs []fyne.CanvasObject) fyne.Size {
	lead, body := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(lead.Width+rowGap+body.Width, max(lead.Height, body.Height))
}

func (rowWithIcon) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lw := objs[0].MinSize().Width
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(lw, size.Height))
	objs[1].Move(fyne.NewPos(lw+rowGap, 0))
	objs[1].Resize(fyne.NewSize(size.Width-lw-rowGap, size.Height))
}

// iconRow is a list row: an icon and the row's lines.
func iconRow(lead, body fyne.CanvasObject) *fyne.Container {
	return container.New(rowWithIcon{}, container.NewCenter(lead), body)
}

// icon is a themed icon at a fixed square size.
func icon(res fyne.Resource, size float32) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSquareSize(size), widget.NewIcon(res))
}

// minLayout stacks its objects and makes the stack at least min big.
type minLayout struct{ min fyne.Size }

func (l minLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := l.min
	for _, o := range objs {
		if o.Visible() {
			m = m.Max(o.MinSize())
		}
	}
	return m
}

func (l minLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// withMin wraps o so that it is at least w×h.
func withMin(o fyne.CanvasObject, w, h float32) *fyne.Container {
	return container.New(minLayout{fyne.NewSize(w, h)}, o)
}

// insetLayout lays out one object with fixed margins.
type insetLayout struct{ left, top, right, bottom float32 }

func (l insetLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m.Add(fyne.NewSize(l.left+l.right, l.top+l.bottom))
}

func (l insetLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(l.left, l.top))
		o.Resize(size.Subtract(fyne.NewSize(l.left+l.right, l.top+l.bottom)))
	}
}

// inset wraps o with margins.
func inset(o fyne.CanvasObject, left, top, right, bottom float32) *fyne.Container {
	return container.New(insetLayout{left, top, right, bottom}, o)
}

// panel puts o on a rounded background.
func panel(o fyne.CanvasObject, bg color.Color, stroke color.Color) fyne.CanvasObject {
	rect := canvas.NewRectangle(bg)
	rect.CornerRadius = 12
	if stroke != nil {
		rect.StrokeColor = stroke
		rect.StrokeWidth = 2
	}
	return container.NewStack(rect, inset(o, 20, 12, 20, 12))
}

// tapArea makes any content tappable as a whole, for rows that are bigger
// than a button (a loan to tick) and for the idle warning, which any touch
// dismisses.
type tapArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
}

func newTapArea(content fyne.CanvasObject, onTap func()) *tapArea {
	t := &tapArea{content: content, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tapArea) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(t.content)
}

// Tapped implements fyne.Tappable.
func (t *tapArea) Tapped(*fyne.PointEvent) {
	if t.onTap != nil {
		t.onTap()
	}
}

// dragArea lets a finger drag the content of a scroll container: Fyne's
// desktop driver scrolls only with a mouse wheel or the thin scroll bar, and
// a kiosk's touch screen arrives as a mouse without a wheel.
type dragArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	scroll  *container.Scroll
}

func (d *dragArea) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(d.content)
}

// Dragged implements fyne.Draggable: the content follows the finger.
func (d *dragArea) Dragged(ev *fyne.DragEvent) {
	d.scroll.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, ev.Dragged.DY)})
}

// DragEnd implements fyne.Draggable.
func (d *dragArea) DragEnd() {}

// touchScroll is a vertical scroll container for lists that a finger can
// drag.
func touchScroll(content fyne.CanvasObject) *container.Scroll {
	d := &dragArea{content: content}
	d.ExtendBaseWidget(d)
	s := container.NewVScroll(d)
	d.scroll = s
	return s
}

// dots draws n filled circles followed by (total-n) hollow ones: the masked
// PIN or card number. Circles are drawn, not typed as "●", so the mask does
// not depend on which fonts have that glyph.
func dots(n, total int, size float32) *fyne.Container {
	var objs []fyne.CanvasObject
	for i := 0; i < total; i++ {
		c := canvas.NewCircle(color.Transparent)
		c.StrokeColor = colForeground
		c.StrokeWidth = 3
		if i < n {
			c.FillColor = colForeground
		}
		objs = append(objs, withMin(container.New(insetLayout{6, 6, 6, 6}, c), size, size))
	}
	return container.NewHBox(objs...)
}

// collectTexts walks the object tree and returns every visible text, for the
// script player's "wait text" and for tests.
func collectTexts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(w.Content)
		case *tapArea:
			walk(w.content)
		case *dragArea:
			walk(w.content)
		case *longPress:
			walk(w.content)
		case *widget.Label:
			if w.Text != "" {
				out = append(out, w.Text)
			}
		case *widget.Button:
			if w.Text != "" {
				out = append(out, w.Text)
			}
		case *canvas.Text:
			if w.Text != "" {
				out = append(out, w.Text)
			}
		}
	}
	walk(o)
	return out
}
