package ui

import (
	"image/color"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
)

// recorder collects the inputs the UI sends.
type recorder struct {
	mu  sync.Mutex
	ins []kiosk.Input
}

func (r *recorder) Send(in kiosk.Input) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ins = append(r.ins, in)
}

func (r *recorder) last(t *testing.T) kiosk.Input {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ins) == 0 {
		t.Fatal("no input was sent")
	}
	return r.ins[len(r.ins)-1]
}

var screenSize = fyne.NewSize(1920, 1080)

// setup returns a renderer on a 1920×1080 test window.
func setup(t *testing.T) (*Renderer, fyne.Window, *recorder) {
	t.Helper()
	return setupWith(t, DefaultOptions())
}

// setupWith is setup with the given options.
func setupWith(t *testing.T, opts Options) (*Renderer, fyne.Window, *recorder) {
	t.Helper()
	test.NewTempApp(t).Settings().SetTheme(NewTheme(false))
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	w.SetPadded(false)
	w.Resize(screenSize)
	rec := &recorder{}
	return New(w, b, rec, nil, opts), w, rec
}

func sample(t *testing.T, lang, name string) kiosk.View {
	t.Helper()
	for _, s := range Samples(lang) {
		if s.Name == name {
			return s.View
		}
	}
	t.Fatalf("no sample %q", name)
	return kiosk.View{}
}

// tapText taps the screen where text is drawn: on a button's own label,
// or on the label a big button draws over itself, which must let the tap
// through to the button beneath (bigButton). It goes through the canvas's
// hit testing, as a finger would.
func tapText(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	for _, o := range rendered(w.Content()) {
		var hit bool
		switch x := o.(type) {
		case *widget.Button:
			hit = x.Text == text
		case *canvas.Text:
			hit = x.Text == text
		}
		if hit && o.Visible() {
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
			test.TapCanvas(w.Canvas(), pos.Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2)))
			return
		}
	}
	t.Fatalf("no button %q on screen", text)
}

// TestGolden renders every sample screen in Danish and English and compares
// the rendered tree (texts, sizes, positions, colours) with the committed
// markup in testdata/markup; the Danish screens are also compared pixel by
// pixel with testdata/screens. After an intended change, copy
// testdata/failed/... over the masters and look at the new images.
func TestGolden(t *testing.T) {
	for _, lang := range []string{"da", "en"} {
		for _, s := range Samples(lang) {
			t.Run(lang+"-"+s.Name, func(t *testing.T) {
				r, w, _ := setup(t)
				r.Render(s.View)
				test.AssertRendersToMarkup(t, "markup/"+lang+"-"+s.Name+".xml", w.Canvas())
				if lang == "da" {
					test.AssertImageMatches(t, "screens/"+lang+"-"+s.Name+".png", w.Canvas().Capture())
				}
			})
		}
	}
}

// TestTouchAndTextSizes checks the rules for a public touch screen at
// 1920×1080 on every sample: each tappable is at least 64×64, each text at
// least 24 px, headings at least 40 px, and the screen's content fits.
func TestTouchAndTextSizes(t *testing.T) {
	for _, lang := range []string{"da", "en", "de", "uk"} {
		for _, s := range Samples(lang) {
			t.Run(lang+"-"+s.Name, func(t *testing.T) {
				r, w, _ := setup(t)
				if lang == "de" {
					// German has the longest words: check it with larger text.
					s.View.LargeText = true
				}
				r.Render(s.View)
				if m := w.Content().MinSize(); m.Width > screenSize.Width || m.Height > screenSize.Height {
					t.Errorf("content needs %v, more than the screen %v", m, screenSize)
				}
				if !maintScreen(s.View) {
					// The technician's screens keep their own layout.
					for _, msg := range clipped(r, w) {
						t.Error(msg)
					}
				}
				sawHeading := false
				for _, o := range rendered(w.Content()) {
					if !o.Visible() {
						continue
					}
					switch x := o.(type) {
					case *widget.Button, *tapArea:
						if sz := x.Size(); sz.Width < 64 || sz.Height < 64 {
							t.Errorf("touch target %T %q is %v, under 64×64", x, textOf(x), sz)
						}
					case *canvas.Text:
						if x.Text != "" && x.TextSize < 24 {
							t.Errorf("text %q is %.0f px, under 24", x.Text, x.TextSize)
						}
						if x.TextSize >= 40 {
							sawHeading = true
						}
					}
				}
				if !sawHeading {
					t.Error("no heading of at least 40 px on the screen")
				}
			})
		}
	}
}

// rendered lists every object drawn for o, through the widgets' live
// renderers (test.LaidOutObjects makes new, unthemed renderers).
func rendered(o fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		out = append(out, o)
		switch c := o.(type) {
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(c).Objects() {
				walk(child)
			}
		case *fyne.Container:
			for _, child := range c.Objects {
				walk(child)
			}
		}
	}
	walk(o)
	return out
}

func textOf(o fyne.CanvasObject) string {
	if b, ok := o.(*widget.Button); ok {
		return b.Text
	}
	return ""
}

func TestTapSendsInputs(t *testing.T) {
	r, w, rec := setup(t)
	r.Render(sample(t, "da", "welcome"))
	tapText(t, w, "Lån")
	if got, want := rec.last(t), (kiosk.InChoose{Screen: kiosk.ScreenLoan}); got != want {
		t.Errorf("borrow sent %#v, want %#v", got, want)
	}
	tapText(t, w, "English")
	if got, want := rec.last(t), (kiosk.InLanguage{Lang: "en"}); got != want {
		t.Errorf("language sent %#v, want %#v", got, want)
	}
	tapText(t, w, "Større tekst")
	if got, want := rec.last(t), (kiosk.InLargeText{On: true}); got != want {
		t.Errorf("larger text sent %#v, want %#v", got, want)
	}

	r.Render(sample(t, "en", "pin"))
	for _, c := range []struct {
		name string
		want kiosk.Input
	}{
		{"key:7", kiosk.InKey{Key: '7'}},
		{"key:0", kiosk.InKey{Key: '0'}},
		{"ui.button.ok", kiosk.InSubmit{}},
		{"ui.button.clear", kiosk.InClear{}},
		{"ui.button.backspace", kiosk.InBackspace{}},
		{"ui.button.back", kiosk.InBack{}},
		{"Back", kiosk.InBack{}}, // by its visible text
	} {
		if err := r.Press(c.name); err != nil {
			t.Fatal(err)
		}
		if got := rec.last(t); got != c.want {
			t.Errorf("%s sent %#v, want %#v", c.name, got, c.want)
		}
	}

	r.Render(sample(t, "en", "renew"))
	// A loan reserved for another patron is marked and offers no tick.
	if err := r.Press("toggle:5012345687"); err == nil {
		t.Error("a loan reserved for another patron can be ticked")
	}
	if err := r.Press("toggle:5012345688"); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.last(t), (kiosk.InToggleRenew{ItemID: "5012345688"}); got != want {
		t.Errorf("toggle sent %#v, want %#v", got, want)
	}
	tapText(t, w, "Renew all")
	if got, want := rec.last(t), (kiosk.InRenewAll{}); got != want {
		t.Errorf("renew all sent %#v, want %#v", got, want)
	}

	r.Render(sample(t, "en", "receipt"))
	for _, c := range []struct{ text, choice string }{{"Print receipt", "print"}, {"Show QR code", "qr"}, {"No receipt", "none"}} {
		tapText(t, w, c.text)
		if got, want := rec.last(t), (kiosk.InReceipt{Choice: c.choice}); got != want {
			t.Errorf("%s sent %#v, want %#v", c.text, got, want)
		}
	}

	r.Render(sample(t, "en", "idle"))
	if err := r.Press("ui.button.still_here"); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.last(t), (kiosk.InStillHere{}); got != want {
		t.Errorf("still here sent %#v, want %#v", got, want)
	}
}

func TestReceiptChoicesFollowPolicy(t *testing.T) {
	r, _, _ := setup(t)
	r.Render(sample(t, "da", "receipt-no-paper"))
	s := r.Snapshot()
	for _, b := range s.Buttons {
		if b == "ui.button.print" {
			t.Error("print offered although the policy does not allow it")
		}
	}
	if err := r.Press("ui.button.qr"); err != nil {
		t.Errorf("QR not offered: %v", err)
	}
}

func TestReturnsOnlyDisablesOtherChoices(t *testing.T) {
	r, _, rec := setup(t)
	r.Render(sample(t, "da", "welcome-returns-only"))
	for _, name := range []string{"ui.button.borrow", "ui.button.renew", "ui.button.account"} {
		if err := r.Press(name); err == nil {
			t.Errorf("%s can be pressed in returns-only mode", name)
		}
	}
	if err := r.Press("ui.button.return"); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.last(t), (kiosk.InChoose{Screen: kiosk.ScreenReturn}); got != want {
		t.Errorf("return sent %#v", got)
	}
	if !containsText(r.Snapshot().Texts, "Lige nu kan du kun aflevere materialer.") {
		t.Errorf("no returns-only banner in %q", r.Snapshot().Texts)
	}
}

func containsText(texts []string, want string) bool {
	for _, s := range texts {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// TestNothingOfASessionRemains renders a session and then the welcome
// screen: neither the name nor any title may remain anywhere in the tree.
func TestNothingOfASessionRemains(t *testing.T) {
	r, w, _ := setup(t)
	loan := sample(t, "da", "loan")
	r.Render(loan)
	if !containsText(r.Snapshot().Texts, "Hej Anna") {
		t.Fatalf("greeting missing on the loan screen: %q", r.Snapshot().Texts)
	}
	r.Render(sample(t, "da", "welcome"))
	all := collectTexts(w.Content())
	for _, o := range rendered(w.Content()) {
		if x, ok := o.(*canvas.Text); ok {
			all = append(all, x.Text)
		}
	}
	for _, s := range all {
		if strings.Contains(s, "Anna") {
			t.Errorf("the patron's name remains: %q", s)
		}
		for _, it := range loan.Items {
			if it.Title != "" && strings.Contains(s, it.Title) {
				t.Errorf("a title of the session remains: %q", s)
			}
		}
	}
}

// TestGreetingOnlyInSession: a name is never shown outside the screens of a
// logged-in patron, even if a View carried one by mistake.
func TestGreetingOnlyInSession(t *testing.T) {
	r, _, _ := setup(t)
	for _, sc := range []kiosk.Screen{kiosk.ScreenWelcome, kiosk.ScreenIdentify, kiosk.ScreenPIN, kiosk.ScreenReturn, kiosk.ScreenGoodbye, kiosk.ScreenOutOfOrder} {
		r.Render(kiosk.View{Screen: sc, Lang: "da", Greeting: "Anna", PINLength: 4})
		if containsText(r.Snapshot().Texts, "Anna") {
			t.Errorf("name shown on the %s screen", sc)
		}
	}
}

// TestRenderCopiesTheView: the core may reuse its slices after Render.
func TestRenderCopiesTheView(t *testing.T) {
	r, _, _ := setup(t)
	v := sample(t, "en", "loan")
	r.Render(v)
	v.Items[0].Title = "Changed after render"
	if containsText(r.Snapshot().Texts, "Changed after render") {
		t.Error("the renderer kept the caller's slice")
	}
	if r.view.Items[0].Title == "Changed after render" {
		t.Error("the renderer's view shares the caller's slice")
	}
}

func TestTextFallsBackToRaw(t *testing.T) {
	r, _, _ := setup(t)
	r.Render(kiosk.View{Screen: kiosk.ScreenWelcome, Lang: "en"})
	if got := r.text(kiosk.Text{ID: "ui.button.borrow", Raw: "x"}); got != "Borrow" {
		t.Errorf("catalog text = %q", got)
	}
	if got := r.text(kiosk.Text{ID: "no.such.key", Raw: "Udlånt"}); got != "Udlånt" {
		t.Errorf("unknown id with raw = %q, want the raw text", got)
	}
	if got := r.text(kiosk.Text{Raw: "Reserveret"}); got != "Reserveret" {
		t.Errorf("raw = %q", got)
	}
}

func TestDatesAndAmountsFollowLanguage(t *testing.T) {
	r, _, _ := setup(t)
	r.Render(sample(t, "da", "account"))
	texts := r.Snapshot().Texts
	if !containsText(texts, "Afleveres senest 27.11.2026") || !containsText(texts, "125,00 kr.") {
		t.Errorf("Danish date or amount missing: %q", texts)
	}
	r.Render(sample(t, "en", "account"))
	texts = r.Snapshot().Texts
	if !containsText(texts, "Due 27 Nov 2026") || !containsText(texts, "DKK 125.00") {
		t.Errorf("English date or amount missing: %q", texts)
	}
}

// TestRenewedWithoutDueDate: a loan renewed whose new due date the kiosk
// does not know says "renewed" without a date, never year 1.
func TestRenewedWithoutDueDate(t *testing.T) {
	r, _, _ := setup(t)
	v := sample(t, "en", "renew")
	v.Loans = append(v.Loans[:0:0], kiosk.ItemView{ItemID: "3800000755", Title: "Pelle Erobreren",
		State: kiosk.ItemDone, Renewed: true, Parts: 1})
	r.Render(v)
	texts := r.Snapshot().Texts
	if !containsText(texts, "Renewed") || containsText(texts, "until") || containsText(texts, "0001") {
		t.Errorf("renewed loan without a due date: %q", texts)
	}
}

func TestIdleCountdown(t *testing.T) {
	r, _, _ := setup(t)
	v := sample(t, "en", "idle")
	r.Render(v)
	if !containsText(r.Snapshot().Texts, "The screen resets in 15 seconds.") {
		t.Errorf("countdown missing: %q", r.Snapshot().Texts)
	}
	v.IdleLeft = 900_000_000 // 0.9 s rounds up to 1
	r.Render(v)
	if !containsText(r.Snapshot().Texts, "The screen resets in 1 second.") {
		t.Errorf("singular countdown missing: %q", r.Snapshot().Texts)
	}
}

func TestFyneOwnStringsInDanish(t *testing.T) {
	for _, c := range []struct{ code, want string }{{"da", "Annuller"}, {"en", "Cancel"}, {"de", "Abbrechen"}, {"tr", "İptal"}, {"da", "Annuller"}} {
		if err := useFyneLanguage(c.code); err != nil {
			t.Fatal(err)
		}
		if got := lang.L("Cancel"); got != c.want {
			t.Errorf("%s: Cancel = %q, want %q", c.code, got, c.want)
		}
	}
}

func TestQRImage(t *testing.T) {
	img, err := qrImage("Kvittering: Eventyr og historier, 24.12.2026", 480)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 300 || b.Dx() > 480 || b.Dx() != b.Dy() {
		t.Errorf("QR image is %v", b)
	}
	white := color.NRGBAModel.Convert(color.White)
	if got := color.NRGBAModel.Convert(img.At(2, 2)); got != white {
		t.Errorf("no quiet zone: corner is %v", got)
	}
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			if c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA); c.R < 128 {
				dark++
			}
		}
	}
	if dark == 0 {
		t.Error("the QR image is blank")
	}
}

// TestDragScrollsLists: a finger dragging up on a list taller than its
// room (the holds of the account screen; long lists are paged) scrolls it.
func TestDragScrollsLists(t *testing.T) {
	_, w, _ := setup(t)
	list := container.NewVBox()
	for range 30 {
		list.Add(para("Reserveret: læg materialet på reserveringshylden", widget.MediumImportance))
	}
	sc := touchScroll(list)
	w.SetContent(sc)
	pos := fyne.NewPos(600, 500)
	test.Drag(w.Canvas(), pos, 0, -200)
	if sc.Offset.Y <= 0 {
		t.Errorf("dragging up did not scroll: offset %v", sc.Offset)
	}
	before := sc.Offset.Y
	test.Drag(w.Canvas(), pos, 0, 100)
	if sc.Offset.Y >= before {
		t.Errorf("dragging down did not scroll back: offset %v, was %v", sc.Offset.Y, before)
	}
}

// BenchmarkRenderLoan measures one full rebuild of the loan screen, which
// happens on every change while items are read.
func BenchmarkRenderLoan(b *testing.B) {
	test.NewTempApp(b).Settings().SetTheme(NewTheme(false))
	bundle, err := i18n.NewBundle()
	if err != nil {
		b.Fatal(err)
	}
	w := test.NewWindow(nil)
	defer w.Close()
	w.Resize(screenSize)
	r := New(w, bundle, SendFunc(func(kiosk.Input) {}), nil, DefaultOptions())
	var v kiosk.View
	for _, s := range Samples("da") {
		if s.Name == "loan" {
			v = s.View
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Render(v)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/render")
}

// TestEveryScreenHasAWayOut: every screen of a session offers Back, Finish
// or Done (the idle warning offers "I am still here"); only the welcome and
// out-of-order screens, which belong to no session, may lack them.
func TestEveryScreenHasAWayOut(t *testing.T) {
	r, _, _ := setup(t)
	for _, s := range Samples("da") {
		r.Render(s.View)
		snap := r.Snapshot()
		if snap.Screen == kiosk.ScreenWelcome || snap.Screen == kiosk.ScreenOutOfOrder {
			continue
		}
		ok := false
		for _, b := range snap.Buttons {
			switch b {
			case "ui.button.back", "ui.button.finish", "ui.button.done", "ui.button.still_here", "maint.button.exit":
				ok = true
			}
		}
		if !ok {
			t.Errorf("sample %s: no way out among %q", s.Name, snap.Buttons)
		}
	}
}

// TestNoRawKeysOnScreen renders every sample in all seven languages and
// fails on any text that is still a catalog key.
func TestNoRawKeysOnScreen(t *testing.T) {
	r, _, _ := setup(t)
	for _, l := range i18n.Languages {
		for _, s := range Samples(l.Code) {
			r.Render(s.View)
			for _, txt := range r.Snapshot().Texts {
				if strings.HasPrefix(txt, "ui.") || strings.HasPrefix(txt, "common.") || strings.HasPrefix(txt, "maint.") || strings.HasPrefix(txt, "mode.") {
					t.Errorf("%s/%s shows the raw key %q", l.Code, s.Name, txt)
				}
			}
		}
	}
}

// TestOutOfOrderBannerDuringSession: when the kiosk breaks down during a
// session (the reader unplugged), every screen of the session says so with
// the reason, in the patron's language, and keeps its way out; the
// out-of-order screen itself needs no banner.
func TestOutOfOrderBannerDuringSession(t *testing.T) {
	r, _, rec := setup(t)
	for _, c := range []struct{ lang, head, reason, finish string }{
		{"da", "Automaten er ude af drift lige nu.", "Læseren svarer ikke.", "Afslut"},
		{"en", "The kiosk is out of order right now.", "The reader is not answering.", "Finish"},
	} {
		r.Render(sample(t, c.lang, "loan-out-of-order"))
		texts := r.Snapshot().Texts
		if !containsText(texts, c.head) || !containsText(texts, c.reason) {
			t.Errorf("%s: banner or reason missing: %q", c.lang, texts)
		}
		// The pad takes no more items: the page must not ask for them.
		if containsText(texts, "Læg dine materialer på pladen") || containsText(texts, "Put your items on the pad") {
			t.Errorf("%s: the loan page still asks for items with the reader down: %q", c.lang, texts)
		}
		if err := r.Press(c.finish); err != nil {
			t.Errorf("%s: the patron cannot finish: %v", c.lang, err)
		} else if got := rec.last(t); got != (kiosk.InFinish{}) {
			t.Errorf("%s: finish sent %#v", c.lang, got)
		}
	}

	for _, sc := range []kiosk.Screen{kiosk.ScreenIdentify, kiosk.ScreenPIN, kiosk.ScreenLoan, kiosk.ScreenReturn,
		kiosk.ScreenRenew, kiosk.ScreenAccount, kiosk.ScreenReceipt} {
		r.Render(kiosk.View{Screen: sc, Lang: "en", PINLength: 4, ReceiptChoices: []string{"qr", "none"},
			Mode: kiosk.ModeOutOfOrder, ModeReason: kiosk.Text{ID: kiosk.MsgModeReaderMissing}})
		if !containsText(r.Snapshot().Texts, "The kiosk is out of order right now.") {
			t.Errorf("no out-of-order banner on the %s screen: %q", sc, r.Snapshot().Texts)
		}
	}

	// A reason that only repeats the banner is left out.
	v := sample(t, "en", "loan-out-of-order")
	v.ModeReason = kiosk.Text{ID: kiosk.MsgModeQueueFull}
	r.Render(v)
	if texts := r.Snapshot().Texts; !containsText(texts, "The kiosk is out of order right now.") || containsText(texts, "Please ask staff.") {
		t.Errorf("queue-full banner: %q", texts)
	}

	// A patron back at the menu sees the banner, can still finish, and is
	// offered nothing the core would refuse.
	r.Render(kiosk.View{Screen: kiosk.ScreenWelcome, Lang: "en", InSession: true, Greeting: "Anna",
		Mode: kiosk.ModeOutOfOrder, ModeReason: kiosk.Text{ID: kiosk.MsgModeReaderMissing}})
	if !containsText(r.Snapshot().Texts, "The kiosk is out of order right now.") {
		t.Errorf("no banner on the session's welcome screen: %q", r.Snapshot().Texts)
	}
	for _, name := range []string{"ui.button.borrow", "ui.button.return", "ui.button.renew", "ui.button.account"} {
		if err := r.Press(name); err == nil {
			t.Errorf("%s can be pressed while the kiosk is out of order", name)
		}
	}
	if err := r.Press("ui.button.finish"); err != nil {
		t.Errorf("no way to finish on the session's welcome screen: %v", err)
	}

	// The out-of-order screen gives the reason once, in its own layout.
	r.Render(sample(t, "en", "out-of-order"))
	texts := r.Snapshot().Texts
	if containsText(texts, "The kiosk is out of order right now.") {
		t.Errorf("banner on the out-of-order screen: %q", texts)
	}
	n := 0
	for _, s := range texts {
		if strings.Contains(s, "reader is not answering") {
			n++
		}
		if strings.Contains(strings.ToLower(s), "out of order") {
			n += 10
		}
	}
	// The heading says "Out of order"; the reason once, without saying it
	// again.
	if n != 11 {
		t.Errorf("the out-of-order screen does not say it once with the reason: %q", texts)
	}
}

// TestShownSinceKeepsScreensThatWentBy: the history the script player reads
// holds a screen that has already given way to the next one, with its
// texts; renders of one screen in a row make one stretch; what was shown
// before the mark is left out, and the history stays bounded.
func TestShownSinceKeepsScreensThatWentBy(t *testing.T) {
	r, _, _ := setup(t)
	r.Render(sample(t, "da", "receipt"))
	mark := r.Snapshot().Seq
	r.Render(sample(t, "da", "goodbye"))
	goodbye := r.Snapshot().Texts
	r.Render(sample(t, "da", "welcome"))
	r.Render(sample(t, "da", "welcome-returns-only"))

	got := r.ShownSince(mark)
	if len(got) != 2 || got[0].Screen != kiosk.ScreenGoodbye || got[1].Screen != kiosk.ScreenWelcome {
		t.Fatalf("shown since the mark: %+v", got)
	}
	for _, s := range goodbye {
		if !slices.Contains(got[0].Texts, s) {
			t.Errorf("goodbye text %q not kept: %q", s, got[0].Texts)
		}
	}
	if got[1].First != mark+2 || got[1].Last != mark+3 {
		t.Errorf("welcome stretch is renders %d..%d, want %d..%d", got[1].First, got[1].Last, mark+2, mark+3)
	}
	// Both welcome renders' texts: the plain one and the returns-only banner.
	if !containsText(got[1].Texts, "Velkommen") || !containsText(got[1].Texts, "Lige nu kan du kun aflevere") {
		t.Errorf("welcome texts: %q", got[1].Texts)
	}
	if n := len(r.ShownSince(r.Snapshot().Seq)); n != 0 {
		t.Errorf("%d stretches after the last render", n)
	}

	for i := 0; i < 3*maxShown; i++ {
		name := "goodbye"
		if i%2 == 1 {
			name = "pin"
		}
		r.Render(sample(t, "da", name))
	}
	all := r.ShownSince(0)
	if len(all) != maxShown {
		t.Errorf("history holds %d stretches, want at most %d", len(all), maxShown)
	}
	if last := all[len(all)-1]; last.Screen != kiosk.ScreenPIN || last.Last != r.Snapshot().Seq {
		t.Errorf("the newest stretch is %+v, want the current pin screen", last)
	}
}

// TestSnapshotWorking: the snapshot says when a row is still being read or
// registered, which "wait idle" in a scenario waits out.
func TestSnapshotWorking(t *testing.T) {
	r, _, _ := setup(t)
	for _, c := range []struct {
		name string
		want bool
	}{
		{"loan", true},     // an item still being read
		{"return", true},   // an item being registered
		{"renew", false},   // every loan has its outcome
		{"account", false}, // no rows in progress
	} {
		r.Render(sample(t, "da", c.name))
		if got := r.Snapshot().Working; got != c.want {
			t.Errorf("%s: Working = %v, want %v", c.name, got, c.want)
		}
	}
	v := sample(t, "da", "renew")
	v.Loans[0].State = kiosk.ItemWorking
	r.Render(v)
	if !r.Snapshot().Working {
		t.Error("a loan being renewed does not count as working")
	}
}

// TestReturnsSwitchedOff: when the library system takes no returns (98
// checkin ok = N), the welcome screen says so and offers no Return, while
// Borrow stays.
func TestReturnsSwitchedOff(t *testing.T) {
	r, _, _ := setup(t)
	r.Render(kiosk.View{Screen: kiosk.ScreenWelcome, Lang: "en", Mode: kiosk.ModeNormal,
		ModeReason: kiosk.Text{ID: kiosk.MsgModeCheckinDisabled}})
	if !containsText(r.Snapshot().Texts, "Returns are switched off right now. You can borrow items.") {
		t.Errorf("no notice that returns are off: %q", r.Snapshot().Texts)
	}
	if err := r.Press("ui.button.return"); err == nil {
		t.Error("Return can be pressed while returns are switched off")
	}
	if err := r.Press("ui.button.borrow"); err != nil {
		t.Errorf("Borrow cannot be pressed: %v", err)
	}
}
