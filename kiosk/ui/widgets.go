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

// text renders a kiosk.Text: a catalog message when it has an ID the
// catalogs know, else the library system's own words.
func (r *Renderer) text(t kiosk.Text) string {
	if t.ID != "" {
		s := r.loc.T(t.ID, t.Data)
		if s != t.ID || t.Raw == "" {
			return s
		}
	}
	return t.Raw
}

// empty reports whether a kiosk.Text has nothing to show.
func empty(t kiosk.Text) bool { return t.ID == "" && t.Raw == "" }

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

// bigger gives o's text the theme size named n (buttons always use the body
// size, so a bigger button label needs its own theme).
func (r *Renderer) bigger(o fyne.CanvasObject, n fyne.ThemeSizeName) fyne.CanvasObject {
	return container.NewThemeOverride(o, sized{Theme: r.th, text: n})
}

// tighten lays o out with the row theme.
func (r *Renderer) tighten(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewThemeOverride(o, tight{r.th})
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
func dots(n, total int, size float32) fyne.CanvasObject {
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
		case *container.ThemeOverride:
			walk(w.Content)
		case *container.Scroll:
			walk(w.Content)
		case *tapArea:
			walk(w.content)
		case *dragArea:
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
