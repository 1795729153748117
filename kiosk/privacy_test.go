package kiosk

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danbib/kiosk/internal/canary"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/sip2/acs"
)

// The canary patron (internal/canary) under the names the kiosk's tests
// use.
const (
	canaryCPR   = canary.CPR
	canaryPIN   = canary.PIN
	canaryFirst = canary.First
	canaryLast  = canary.Last
)

func findCanary(where, text string) []string { return canary.Find(where, text) }

func TestPrivacyCanary(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	seed, err := acs.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	seed.Patrons = append(seed.Patrons, acs.Patron{ID: canaryCPR, PIN: canaryPIN, Name: canaryFirst + " " + canaryLast,
		Group: "adult", Synthetic: true})
	e := newE2E(t, seed, func(o *Options) { o.Greet = true })

	// A wrong PIN first, so the throttle has seen the card.
	e.k.Send(InChoose{Screen: ScreenLoan})
	e.k.Scan([]byte(canaryCPR))
	e.eventually(t, "pin", func() bool { return e.k.View().Screen == ScreenPIN })
	for _, c := range "0000" {
		e.k.Send(InKey{Key: c})
	}
	e.eventually(t, "wrong pin", func() bool { return e.k.View().Message.ID == MsgLoginWrongPIN })
	for _, c := range canaryPIN {
		e.k.Send(InKey{Key: c})
	}
	e.eventually(t, "loan screen", func() bool { return e.k.View().Screen == ScreenLoan })
	if g := e.k.View().Greeting; g != canaryFirst {
		t.Fatalf("greeting %q", g)
	}
	items := availableItems(t, e.lib, 2)
	var uids []feig.UID
	for _, id := range items {
		uids = append(uids, e.place(t, id, 1)...)
	}
	e.eventually(t, "lent", func() bool { return viewDone(e.k.View(), 2) })
	e.renewAccountFinish(t, 2)
	e.k.Send(InReceipt{Choice: "qr"})
	e.eventually(t, "qr", func() bool { return e.k.View().ReceiptQR != "" })
	qr := e.k.View().ReceiptQR
	codes := e.k.View().ReceiptCodes
	if len(codes) == 0 {
		t.Error("the receipt screen has no calendar codes")
	}
	for _, c := range codes {
		qr += "\n" + c.Text
	}
	e.k.Send(InReceipt{Choice: "print"})
	e.eventually(t, "goodbye", func() bool { return e.k.View().Screen == ScreenGoodbye })

	// The return flow: the library system's 10 names the patron who had
	// the item (AA), which must go no further. The items are lifted and
	// put back, as the next session leaves items lying there alone.
	e.liftAndPutBack(t, items, uids...)
	e.k.Send(InChoose{Screen: ScreenReturn})
	e.eventually(t, "returned", func() bool {
		v := e.k.View()
		return v.Screen == ScreenReturn && viewDone(v, 2) && v.Items[0].State == ItemDone && v.Items[1].State == ItemDone
	})
	for _, id := range items {
		if got := e.chargedTo(id); got != "" {
			t.Fatalf("%s still lent after the return", id)
		}
	}
	returnView := fmt.Sprintf("%+v", e.k.View())
	e.k.Send(InFinish{})
	e.eventually(t, "after the return", func() bool { s := e.k.View().Screen; return s != ScreenReturn })
	if e.k.View().Screen == ScreenReceipt {
		e.k.Send(InReceipt{Choice: "print"})
	}
	e.eventually(t, "welcome or goodbye", func() bool {
		s := e.k.View().Screen
		return s == ScreenGoodbye || s == ScreenWelcome
	})

	var leaks []string
	leaks = append(leaks, findCanary("receipt QR", qr)...)
	if e.prn.Count() == 0 {
		t.Fatal("no receipt printed")
	}
	for i := 0; i < e.prn.Count(); i++ {
		text, err := e.prn.Text(i)
		if err != nil {
			t.Fatal(err)
		}
		leaks = append(leaks, findCanary(fmt.Sprintf("receipt %d", i), text)...)
		raw := e.prn.Jobs()[i]
		leaks = append(leaks, findCanary(fmt.Sprintf("receipt %d bytes", i), string(raw.Bytes))...)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "session ended") {
		t.Fatal("the log sink received nothing: the check would prove nothing")
	}
	// The JSON log escapes ">" as \u003e.
	if !strings.Contains(logs, `sip2: -\u003e 23`) {
		t.Fatal("the SIP2 client does not log to the kiosk's sink: the check would miss it")
	}
	leaks = append(leaks, findCanary("log", logs)...)
	leaks = append(leaks, findCanary("return screen", returnView)...)
	leaks = append(leaks, findCanary("view after the session", fmt.Sprintf("%+v", e.k.View()))...)
	for _, dir := range []string{e.opts.StateDir, tmp} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, rerr := os.ReadFile(path)
			if rerr == nil {
				leaks = append(leaks, findCanary(path, string(data))...)
			}
			return nil
		})
	}
	m := e.k.Model()
	if !m.Sec.Empty() || m.LoggedIn || len(m.Items) != 0 || len(m.Loans) != 0 || len(m.Receipt) != 0 {
		t.Errorf("patron data in the model after the session: %+v", m)
	}
	for _, l := range leaks {
		t.Error(l)
	}
}
