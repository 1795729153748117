package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
)

// TestMissingPartsWording: the parts of a set that are missing read as a
// sentence, with the language's plural and its word for "and".
func TestMissingPartsWording(t *testing.T) {
	r, _, _ := setup(t)
	for _, c := range []struct {
		lang    string
		missing []int
		want    string
	}{
		{"da", []int{2, 3}, "Del 2 og 3 af 3 mangler."},
		{"da", []int{2}, "Del 2 af 3 mangler."},
		{"en", []int{2, 3}, "Parts 2 and 3 of 3 are missing."},
		{"en", []int{3}, "Part 3 of 3 is missing."},
		{"de", []int{1, 2, 3}, "Teile 1, 2 und 3 von 3 fehlen."},
		{"pl", []int{2, 3}, "Brakuje części 2 i 3 z 3."},
	} {
		r.Render(kiosk.View{Screen: kiosk.ScreenLoan, Lang: c.lang, Items: []kiosk.ItemView{
			{ItemID: "5012345679", Title: "Mumitroldene", State: kiosk.ItemIncomplete, Parts: 3, MissingParts: c.missing}}})
		if !containsText(r.Snapshot().Texts, c.want) {
			t.Errorf("%s %v: %q lacks %q", c.lang, c.missing, r.Snapshot().Texts, c.want)
		}
	}
}

// TestSummaries: once every item has its outcome, the loan screen sums it
// up in one line, and the renew screen says how many of the tried loans
// were renewed; nothing while an item is still in work.
func TestSummaries(t *testing.T) {
	r, _, _ := setup(t)
	items := []kiosk.ItemView{
		{ItemID: "1", Title: "A", State: kiosk.ItemDone, Due: SampleDay, Parts: 1},
		{ItemID: "2", Title: "B", State: kiosk.ItemDone, Due: SampleDay, Parts: 1},
		{ItemID: "3", Title: "C", State: kiosk.ItemDone, Due: SampleDay, Parts: 1},
		{ItemID: "4", Title: "D", State: kiosk.ItemRefused, Parts: 1, Reason: kiosk.Text{Raw: "Reserveret"}},
	}
	r.Render(kiosk.View{Screen: kiosk.ScreenLoan, Lang: "da", Items: items})
	if !containsText(r.Snapshot().Texts, "3 lånt · 1 kan ikke lånes") {
		t.Errorf("loan summary missing: %q", r.Snapshot().Texts)
	}
	items[3].State = kiosk.ItemWorking
	r.Render(kiosk.View{Screen: kiosk.ScreenLoan, Lang: "da", Items: items})
	if containsText(r.Snapshot().Texts, "lånt ·") || containsText(r.Snapshot().Texts, "3 lånt") {
		t.Errorf("summary while an item is in work: %q", r.Snapshot().Texts)
	}

	v := sample(t, "da", "renew") // one renewed, one refused
	r.Render(v)
	if !containsText(r.Snapshot().Texts, "1 af 2 fornyet") {
		t.Errorf("renew summary missing: %q", r.Snapshot().Texts)
	}
	v = sample(t, "en", "renew")
	r.Render(v)
	if !containsText(r.Snapshot().Texts, "1 of 2 renewed") {
		t.Errorf("English renew summary missing: %q", r.Snapshot().Texts)
	}
}

// TestCannotRenewMarkedBeforeTicking: a loan the patron status says cannot
// be renewed shows why and offers no tick; when none can be, Renew all is
// not offered either.
func TestCannotRenewMarkedBeforeTicking(t *testing.T) {
	r, _, _ := setup(t)
	v := kiosk.View{Screen: kiosk.ScreenRenew, Lang: "en", Loans: []kiosk.ItemView{
		{ItemID: "1", Title: "Kaffe og kager", State: kiosk.ItemDone, Due: SampleDay, CannotRenew: kiosk.Text{ID: "refusal.max_renewals"}},
		{ItemID: "2", Title: "Strikkeopskrifter", State: kiosk.ItemDone, Due: SampleDay},
	}}
	r.Render(v)
	s := r.Snapshot()
	if !containsText(s.Texts, "Cannot be renewed") {
		t.Errorf("no mark on the loan that cannot be renewed: %q", s.Texts)
	}
	if err := r.Press("toggle:1"); err == nil {
		t.Error("a loan that cannot be renewed can be ticked")
	}
	if err := r.Press("toggle:2"); err != nil {
		t.Errorf("the other loan cannot be ticked: %v", err)
	}
	if err := r.Press("ui.button.renew_all"); err != nil {
		t.Errorf("renew all not offered with one renewable loan: %v", err)
	}
	v.Loans[1].CannotRenew = kiosk.Text{ID: "refusal.max_renewals"}
	r.Render(v)
	if err := r.Press("ui.button.renew_all"); err == nil {
		t.Error("renew all offered although no loan can be renewed")
	}
}

// TestLongListsArePaged: every loan of a long list is reachable with the
// page buttons, with no scrolling; a new item on the loan screen turns to
// the page where it is.
func TestLongListsArePaged(t *testing.T) {
	r, w, _ := setup(t)
	var loans []kiosk.ItemView
	for i := range 12 {
		loans = append(loans, kiosk.ItemView{ItemID: fmt.Sprint(5000 + i), Title: fmt.Sprintf("Titel %02d", i), State: kiosk.ItemDone, Due: SampleDay})
	}
	for _, sc := range []kiosk.Screen{kiosk.ScreenRenew, kiosk.ScreenAccount} {
		r.Render(kiosk.View{Screen: sc, Lang: "da", Loans: loans})
		seen := map[string]bool{}
		for page := 0; ; page++ {
			for _, s := range r.Snapshot().Texts {
				seen[s] = true
			}
			if sc := overflowing(w); sc != nil {
				t.Errorf("%v page %d must be scrolled: needs %v, has %v", sc, page, sc.Content.MinSize(), sc.Size())
			}
			if err := r.Press("loans:page:next"); err != nil {
				break
			}
			if page > 5 {
				t.Fatalf("%s: more pages than loans", sc)
			}
		}
		for _, l := range loans {
			if !seen[l.Title] {
				t.Errorf("%s: %q not reachable by the page buttons", sc, l.Title)
			}
		}
		if !seen["Side 1 af 2"] && !seen["Side 1 af 3"] && !seen["Side 1 af 4"] {
			t.Errorf("%s: no page count: %q", sc, r.Snapshot().Texts)
		}
	}

	// A list shown afresh starts on its first page; an item added turns
	// to the page where it is.
	items := append([]kiosk.ItemView(nil), loans[:5]...)
	r.Render(kiosk.View{Screen: kiosk.ScreenLoan, Lang: "da", Items: items})
	if !containsText(r.Snapshot().Texts, "Titel 00") {
		t.Errorf("the loan screen shown afresh is not on its first page: %q", r.Snapshot().Texts)
	}
	items = append(items, loans[5])
	r.Render(kiosk.View{Screen: kiosk.ScreenLoan, Lang: "da", Items: items})
	if !containsText(r.Snapshot().Texts, "Titel 05") {
		t.Errorf("the loan screen does not show the page of the newest item: %q", r.Snapshot().Texts)
	}
	if err := r.Press("items:page:prev"); err != nil {
		t.Fatal(err)
	}
	if !containsText(r.Snapshot().Texts, "Titel 00") || containsText(r.Snapshot().Texts, "Titel 05") {
		t.Errorf("previous page: %q", r.Snapshot().Texts)
	}
}

// largeScreens are the screens the large-text goldens and the clipping
// test cover in every language.
var largeScreens = []string{"welcome", "loan", "account"}

// TestGoldenLargeText renders the welcome, loan and account screens with
// larger text in all seven languages and compares the rendered tree with
// testdata/markup/large-*.xml (Danish and English also as images).
func TestGoldenLargeText(t *testing.T) {
	for _, l := range i18n.Languages {
		for _, name := range largeScreens {
			t.Run(l.Code+"-"+name, func(t *testing.T) {
				r, w, _ := setup(t)
				v := sample(t, l.Code, name)
				v.LargeText = true
				r.Render(v)
				test.AssertRendersToMarkup(t, "markup/large-"+l.Code+"-"+name+".xml", w.Canvas())
				if l.Code == "da" || l.Code == "en" {
					test.AssertImageMatches(t, "screens/large-"+l.Code+"-"+name+".png", w.Canvas().Capture())
				}
			})
		}
	}
}

// TestLargeTextIsLargerAndNotClipped: with larger text every text on the
// welcome, loan and account screens is at least 1.5 times its normal size,
// tile labels included, and in all seven languages no text needs more room
// than it was given (it would be cut or run into its neighbour), and the
// screen's content fits the screen.
func TestLargeTextIsLargerAndNotClipped(t *testing.T) {
	for _, l := range i18n.Languages {
		for _, name := range largeScreens {
			r, w, _ := setup(t)
			v := sample(t, l.Code, name)
			r.Render(v)
			normal := textSizes(w)
			v.LargeText = true
			r.Render(v)
			large := textSizes(w)
			for s, n := range normal {
				if g, ok := large[s]; ok && g < 1.5*n-0.01 {
					t.Errorf("%s/%s: %q is %.1f px large, %.1f normal: under 1.5×", l.Code, name, s, g, n)
				}
			}
			if m := w.Content().MinSize(); m.Width > screenSize.Width || m.Height > screenSize.Height {
				t.Errorf("%s/%s: content needs %v, more than the screen", l.Code, name, m)
			}
			if sc := overflowing(w); sc != nil {
				t.Errorf("%s/%s: a list needs %v but has %v: it must be scrolled", l.Code, name, sc.Content.MinSize(), sc.Size())
			}
			for _, msg := range clipped(r, w) {
				t.Errorf("%s/%s: %s", l.Code, name, msg)
			}
		}
	}
}

// textSizes maps each text on screen to its size (the largest, when a text
// shows twice).
func textSizes(w fyne.Window) map[string]float32 {
	out := map[string]float32{}
	for _, o := range rendered(w.Content()) {
		switch x := o.(type) {
		case *canvas.Text:
			if x.Text != "" && !strings.HasSuffix(x.Text, "…") {
				out[x.Text] = max(out[x.Text], x.TextSize)
			}
		}
	}
	return out
}

// overflowing returns a scroll container on screen whose content is taller
// than its room, or nil.
func overflowing(w fyne.Window) *container.Scroll {
	for _, o := range rendered(w.Content()) {
		if sc, ok := o.(*container.Scroll); ok && sc.Visible() && sc.Content.MinSize().Height > sc.Size().Height+1 {
			return sc
		}
	}
	return nil
}

// TestFixedSizesAcrossSessionsAndLanguages: the welcome tiles are as big in
// a session (with its bottom bar, and a banner) as without, and the screen
// still fits; the keypad's keys are as wide in every language; the
// patron's name keeps a clear gap from the larger-text toggle.
func TestFixedSizesAcrossSessionsAndLanguages(t *testing.T) {
	r, w, _ := setup(t)
	tileSize := func() fyne.Size {
		for _, o := range rendered(w.Content()) {
			if b, ok := o.(*widget.Button); ok && b.Text == "" && b.Importance == widget.HighImportance && b.Size().Height > 100 {
				return b.Size()
			}
		}
		t.Fatal("no tile on the welcome screen")
		return fyne.Size{}
	}
	for _, large := range []bool{false, true} {
		var want fyne.Size
		for i, v := range []kiosk.View{
			{Screen: kiosk.ScreenWelcome, Lang: "de", LargeText: large},
			{Screen: kiosk.ScreenWelcome, Lang: "de", LargeText: large, InSession: true, Greeting: "Anna"},
			{Screen: kiosk.ScreenWelcome, Lang: "de", LargeText: large, InSession: true, Greeting: "Anna",
				Mode: kiosk.ModeOutOfOrder, ModeReason: kiosk.Text{ID: kiosk.MsgModeReaderMissing}},
		} {
			r.Render(v)
			if m := w.Content().MinSize(); m.Height > screenSize.Height || m.Width > screenSize.Width {
				t.Errorf("welcome %d (large %v) needs %v, more than the screen", i, large, m)
			}
			got := tileSize()
			if i == 0 {
				want = got
			} else if got != want {
				t.Errorf("welcome %d (large %v): tile %v, want %v as without a session", i, large, got, want)
			}
		}
	}

	for _, large := range []bool{false, true} {
		checkKeypadWidth(t, r, w, large)
	}

	for _, large := range []bool{false, true} {
		v := sample(t, "de", "loan")
		v.LargeText = large
		r.Render(v)
		var name, toggle fyne.CanvasObject
		for _, o := range rendered(w.Content()) {
			if x, ok := o.(*canvas.Text); ok && strings.Contains(x.Text, "Anna") {
				name = x
			}
			if b, ok := o.(*widget.Button); ok && (b.Text == "Größere Schrift" || b.Text == "Normale Schrift") {
				toggle = b
			}
		}
		if name == nil || toggle == nil {
			t.Fatalf("greeting %v or toggle %v missing", name, toggle)
		}
		d := fyne.CurrentApp().Driver()
		gap := d.AbsolutePositionForObject(toggle).X - (d.AbsolutePositionForObject(name).X + name.Size().Width)
		if gap < greetingGap {
			t.Errorf("large %v: %v px between the greeting and the toggle, want %d", large, gap, greetingGap)
		}
	}
}

// checkKeypadWidth fails when the keypad's keys differ in size between the
// languages.
func checkKeypadWidth(t *testing.T, r *Renderer, w fyne.Window, large bool) {
	t.Helper()
	var key fyne.Size
	for _, l := range i18n.Languages {
		r.Render(kiosk.View{Screen: kiosk.ScreenPIN, Lang: l.Code, PINLength: 4, LargeText: large})
		var ok *widget.Button
		for _, o := range rendered(w.Content()) {
			if b, isB := o.(*widget.Button); isB && b.Importance == widget.HighImportance && b.Size().Width < 300 {
				ok = b
			}
		}
		if ok == nil {
			t.Fatalf("%s: no OK key", l.Code)
		}
		if key == (fyne.Size{}) {
			key = ok.Size()
		} else if ok.Size() != key {
			t.Errorf("%s (large %v): keypad key %v, want %v as in Danish", l.Code, large, ok.Size(), key)
		}
	}

}

// clipped lists every text on screen that does not get the room it needs:
// a title cut with an ellipsis though it is not longer than its row, a
// label's text running out of its label (a label squeezed narrower than
// its text lets it run over its neighbours), or a text drawn smaller than
// its own size.
func clipped(r *Renderer, w fyne.Window) []string {
	var out []string
	for _, o := range rendered(w.Content()) {
		if !o.Visible() {
			continue
		}
		switch x := o.(type) {
		case *widget.Label:
			if x.Truncation == fyne.TextTruncateOff {
				continue
			}
			full := fyne.MeasureText(x.Text, r.th.Size(theme.SizeNameText), x.TextStyle).Width
			if full > x.Size().Width {
				out = append(out, fmt.Sprintf("%q is cut: needs %.0f, has %.0f", x.Text, full, x.Size().Width))
			}
		case *widget.RichText:
			for _, c := range test.WidgetRenderer(x).Objects() {
				if ct, ok := c.(*canvas.Text); ok && ct.Text != "" && ct.Position().X+ct.Size().Width > x.Size().Width+1 {
					out = append(out, fmt.Sprintf("%q runs out of its label: ends at %.0f, the label is %.0f wide",
						ct.Text, ct.Position().X+ct.Size().Width, x.Size().Width))
				}
			}
		case *canvas.Text:
			if min, got := x.MinSize(), x.Size(); x.Text != "" && (min.Width > got.Width+1 || min.Height > got.Height+1) {
				out = append(out, fmt.Sprintf("%q needs %v but has %v", x.Text, min, got))
			}
		}
	}
	return out
}

// textsOnEveryPage returns the texts on screen and on every further page of
// its lists, turning the pages with their buttons, as a patron would.
func textsOnEveryPage(t *testing.T, r *Renderer) []string {
	t.Helper()
	for _, list := range []string{"items", "loans", "holds"} {
		for i := 0; r.Press(list+":page:prev") == nil; i++ {
			if i > 20 {
				t.Fatalf("the %s list has no first page", list)
			}
		}
	}
	texts := r.Snapshot().Texts
	for _, list := range []string{"items", "loans", "holds"} {
		for i := 0; r.Press(list+":page:next") == nil; i++ {
			if i > 20 {
				t.Fatalf("the %s list has no last page", list)
			}
			texts = append(texts, r.Snapshot().Texts...)
		}
	}
	return texts
}
