package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/driver/desktop"

	"github.com/danbib/kiosk/kiosk"
)

// findLongPress returns the header's long-press area, or nil.
func findLongPress(r *Renderer) *longPress {
	for _, o := range rendered(r.win.Content()) {
		if l, ok := o.(*longPress); ok {
			return l
		}
	}
	return nil
}

// The way in exists only on the idle welcome and out-of-order screens; a
// hold sends InMaintEnter, a tap sends nothing.
func TestMaintLongPressOnlyWhenIdle(t *testing.T) {
	r, _, rec := setup(t)
	for _, s := range Samples("da") {
		r.Render(s.View)
		want := maintGesture(s.View)
		if got := findLongPress(r) != nil; got != want {
			t.Errorf("%s: long press present %v, want %v", s.Name, got, want)
		}
		snap := r.Snapshot()
		has := false
		for _, b := range snap.Buttons {
			has = has || b == maintEnterAction
		}
		if has != want {
			t.Errorf("%s: %s registered %v, want %v", s.Name, maintEnterAction, has, want)
		}
	}
	welcome := sample(t, "da", "welcome")
	welcome.InSession = true
	r.Render(welcome)
	if findLongPress(r) != nil {
		t.Fatal("a logged-in patron's menu offers the way in")
	}

	r.Render(sample(t, "da", "welcome"))
	lp := findLongPress(r)
	lp.hold = 20 * time.Millisecond
	lp.MouseDown(&desktop.MouseEvent{})
	lp.MouseUp(&desktop.MouseEvent{})
	time.Sleep(60 * time.Millisecond)
	rec.mu.Lock()
	n := len(rec.ins)
	rec.mu.Unlock()
	if n != 0 {
		t.Fatalf("a tap sent %v", rec.ins)
	}
	lp.MouseDown(&desktop.MouseEvent{})
	deadline := time.Now().Add(2 * time.Second)
	for {
		rec.mu.Lock()
		n = len(rec.ins)
		rec.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok := rec.last(t).(kiosk.InMaintEnter); !ok {
		t.Fatalf("the hold sent %#v", rec.last(t))
	}
}

// Nothing a patron typed or was told can be on a maintenance screen: the
// renderer draws only View.Maint there, even if a View carried patron data.
func TestMaintScreensShowNoPatronData(t *testing.T) {
	r, _, _ := setup(t)
	for _, lang := range []string{"da", "en"} {
		for _, s := range Samples(lang) {
			if !maintScreen(s.View) {
				continue
			}
			v := s.View
			v.Greeting = "Kanariefugl"
			v.Message = kiosk.Text{Raw: "0101700042"}
			v.Blocked = kiosk.Text{Raw: "Canarysdottir"}
			v.Items = []kiosk.ItemView{{ItemID: "5012345678", Title: "Kanariefuglens bog"}}
			r.Render(v)
			for _, txt := range r.Snapshot().Texts {
				for _, bad := range []string{"Kanariefugl", "0101700042", "Canarysdottir"} {
					if strings.Contains(txt, bad) {
						t.Errorf("%s/%s shows %q", lang, s.Name, txt)
					}
				}
			}
		}
	}
}

// The tag inspector: a tag row selects its tag; Secure and Unsecure are
// there only with a selection; the confirmation's buttons answer it. An
// unreadable tag cannot be selected.
func TestMaintTagInspectorInputs(t *testing.T) {
	r, _, rec := setup(t)
	v := sample(t, "en", "maint-tests")
	r.Render(v)
	if err := r.Press("tag:5012345678/1"); err != nil {
		t.Fatal(err)
	}
	if got, ok := rec.last(t).(kiosk.InMaintSelectTag); !ok || got.UID != "E004010000000011" {
		t.Fatalf("the row sent %#v", rec.last(t))
	}
	if err := r.Press("tag:E004010000000015"); err == nil {
		t.Error("an unreadable tag can be selected")
	}
	if err := r.Press("maint.button.secure"); err != nil {
		t.Fatal(err)
	}
	if got, ok := rec.last(t).(kiosk.InMaintAFI); !ok || !got.Secured {
		t.Fatalf("Secure sent %#v", rec.last(t))
	}
	v.Maint.Selected = ""
	r.Render(v)
	if err := r.Press("maint.button.unsecure"); err == nil {
		t.Error("Unsecure works without a selection")
	}
	r.Render(sample(t, "en", "maint-tests-confirm"))
	if err := r.Press("maint.button.confirm"); err != nil {
		t.Fatal(err)
	}
	if got, ok := rec.last(t).(kiosk.InMaintConfirm); !ok || !got.Yes {
		t.Fatalf("Yes sent %#v", rec.last(t))
	}
	if err := r.Press("maint.button.cancel"); err != nil {
		t.Fatal(err)
	}
	if got, ok := rec.last(t).(kiosk.InMaintConfirm); !ok || got.Yes {
		t.Fatalf("Cancel sent %#v", rec.last(t))
	}
	for _, txt := range r.Snapshot().Texts {
		if strings.Contains(txt, "E004010000000012") {
			return
		}
	}
	t.Error("the confirmation does not name the tag")
}
