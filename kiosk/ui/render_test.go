package ui

import (
	"image/color"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"github.com/danbib/kiosk/kiosk"
)

// No screen may contain a theme override: Fyne parses and keeps the fonts
// once per override scope, so an override made per render leaked about
// 0.6 GB per patron session (issue 10). Nor may the larger-text toggle
// change the app's theme: Fyne re-parses every font then. It switches the
// scale of the one theme the renderer made.
func TestNoThemeOverrideInAnyScreen(t *testing.T) {
	r, w, _ := setup(t)
	for _, lang := range []string{"da", "en", "de", "uk"} {
		for _, s := range Samples(lang) {
			for _, large := range []bool{false, true} {
				v := s.View
				v.LargeText = large
				r.Render(v)
				for _, o := range rendered(w.Content()) {
					if _, ok := o.(*container.ThemeOverride); ok {
						t.Fatalf("%s %s (large %v): the screen holds a theme override", lang, s.Name, large)
					}
				}
				if got := fyne.CurrentApp().Settings().Theme(); got != r.th || r.th.Large() != large {
					t.Fatalf("%s %s (large %v): the app's theme is %p (large %v), want the renderer's one theme %p",
						lang, s.Name, large, got, r.th.Large(), r.th)
				}
			}
		}
	}
}

// filledDots counts the filled circles of the masked field.
func filledDots(w fyne.Window) int {
	n := 0
	for _, o := range rendered(w.Content()) {
		if c, ok := o.(*canvas.Circle); ok && c.FillColor != color.Transparent && c.FillColor != nil {
			n++
		}
	}
	return n
}

// shownCard reads the typed card number off the identify screen: one text
// per character, '-' and digits, and a filled dot for a masked digit.
func shownCard(r *Renderer) string {
	var b strings.Builder
	for _, o := range rendered(r.mask) {
		switch x := o.(type) {
		case *canvas.Text:
			b.WriteString(x.Text)
		case *layout.Spacer:
			b.WriteByte(' ')
		case *canvas.Circle:
			if x.FillColor != color.Transparent && x.FillColor != nil {
				b.WriteByte(kiosk.CardMask)
			}
		}
	}
	return b.String()
}

// A key press on the PIN or card-number keypad changes only the dots: they
// are redrawn in place, without rebuilding the screen, and the snapshot
// counts them. Any other change rebuilds the screen.
func TestKeyPressRedrawsOnlyTheDots(t *testing.T) {
	r, w, _ := setup(t)
	for _, screen := range []kiosk.Screen{kiosk.ScreenPIN, kiosk.ScreenIdentify} {
		v := kiosk.View{Screen: screen, Lang: "da", PINLength: 4}
		r.Render(v)
		root := w.Content()
		seq := r.Snapshot().Seq
		for i := 1; i <= 4; i++ {
			if screen == kiosk.ScreenPIN {
				v.PINDigits = i
			} else {
				// Seven typed digits that may be a CPR (synthetic):
				// the date shows, the rest is masked.
				v.Typed = i
				v.Card = kiosk.CardShown([]byte("0101901")[:i+3])
			}
			r.Render(v)
			if w.Content() != root {
				t.Fatalf("%s: key press %d rebuilt the screen", screen, i)
			}
			if screen == kiosk.ScreenIdentify {
				want := string(kiosk.CardShown([]byte("0101901")[:i+3]))
				if got := shownCard(r); got != want {
					t.Fatalf("identify: key press %d shows %q, want %q", i, got, want)
				}
				if i == 4 && !slices.Contains(r.Snapshot().Texts, "-") {
					t.Errorf("identify: the snapshot's texts lack the typed dash: %q", r.Snapshot().Texts)
				}
			} else if got := filledDots(w); got != i {
				t.Fatalf("%s: key press %d shows %d filled dots", screen, i, got)
			}
			s := r.Snapshot()
			if s.Masked != i || s.Seq != seq+uint64(i) {
				t.Fatalf("%s: key press %d: snapshot masked %d seq %d, want %d and %d", screen, i, s.Masked, s.Seq, i, seq+uint64(i))
			}
		}
		// A message (a wrong PIN) is more than the dots.
		v.PINDigits, v.Typed, v.Card = 0, 0, nil
		v.Message = kiosk.Text{ID: kiosk.MsgLoginWrongPIN, Data: map[string]any{"Left": 2}}
		r.Render(v)
		if w.Content() == root {
			t.Fatalf("%s: a new message did not rebuild the screen", screen)
		}
		if filledDots(w) != 0 {
			t.Fatalf("%s: dots left after the PIN was cleared", screen)
		}
	}
}

func TestOnlyMaskChanged(t *testing.T) {
	pin := kiosk.View{Screen: kiosk.ScreenPIN, Lang: "da", PINLength: 4, PINDigits: 1}
	more := pin
	more.PINDigits = 2
	lang := more
	lang.Lang = "en"
	idle := more
	idle.IdleWarning = true
	same := pin
	loan := kiosk.View{Screen: kiosk.ScreenLoan, Typed: 1}
	loan2 := loan
	loan2.Typed = 2
	for _, c := range []struct {
		name     string
		cur, nxt kiosk.View
		want     bool
	}{
		{"one more digit", pin, more, true},
		{"digit and language", pin, lang, false},
		{"idle warning", pin, idle, false},
		{"nothing changed", pin, same, false},
		{"not a keypad screen", loan, loan2, false},
	} {
		if got := onlyMaskChanged(c.cur, c.nxt); got != c.want {
			t.Errorf("%s: onlyMaskChanged = %v, want %v", c.name, got, c.want)
		}
	}
}

// The larger-text toggle never changes the app's theme after the first
// render: each theme change makes Fyne parse every font again.
func TestLargeTextKeepsTheTheme(t *testing.T) {
	r, _, _ := setup(t)
	v := sample(t, "da", "welcome")
	r.Render(v)
	changes := 0
	fyne.CurrentApp().Settings().AddListener(func(fyne.Settings) { changes++ })
	for i := 0; i < 6; i++ {
		v.LargeText = i%2 == 0
		r.Render(v)
		if r.th.Large() != v.LargeText {
			t.Fatalf("toggle %d: theme large %v, want %v", i, r.th.Large(), v.LargeText)
		}
	}
	if changes != 0 {
		t.Fatalf("%d theme changes for 6 toggles, want none", changes)
	}
}
