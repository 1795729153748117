package kiosk

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/sip2/acs"
)

// The canary patron is synthetic test data: 01-01-1970 with an obviously
// fake sequence number, a made-up name and PIN. The test runs a whole
// session with it and then looks for it everywhere the kiosk writes.
const (
	canaryCPR   = "0101700042"
	canaryPIN   = "4711"
	canaryFirst = "Kanariefugl"
	canaryLast  = "Canarysdottir"
)

// canaryPatterns are the forms in which the canary could leak: the CPR
// (plain, with a dash, its first six digits: the birth date), the PIN as a
// number of its own, the names; and the CPR and names in hex (either case)
// and base64 (standard and URL alphabets, at each of the three byte
// alignments a value can have inside a longer encoded text).
var canaryPatterns = func() []*regexp.Regexp {
	out := []*regexp.Regexp{
		regexp.MustCompile(`010170-?0042`),
		regexp.MustCompile(canaryCPR[:6]),
		regexp.MustCompile(`(^|[^0-9])` + canaryPIN + `([^0-9]|$)`),
		regexp.MustCompile(canaryFirst),
		regexp.MustCompile(canaryLast),
	}
	for _, v := range []string{canaryCPR, canaryCPR[:6], canaryFirst, canaryLast} {
		out = append(out, regexp.MustCompile(`(?i)`+hex.EncodeToString([]byte(v))))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			for _, f := range base64Forms(enc, v) {
				out = append(out, regexp.MustCompile(regexp.QuoteMeta(f)))
			}
		}
	}
	return out
}()

// base64Forms returns, for each of the three alignments of v inside a
// longer value, the part of its base64 that depends on v alone.
func base64Forms(enc *base64.Encoding, v string) []string {
	var out []string
	for pad := 0; pad < 3; pad++ {
		s := enc.EncodeToString([]byte(strings.Repeat("\x00", pad) + v))
		// Drop the group shared with the bytes before v and the last group,
		// which depends on the bytes after it.
		lo := 0
		if pad > 0 {
			lo = 4
		}
		hi := len(s) - 4
		if hi-lo >= 4 {
			out = append(out, s[lo:hi])
		}
	}
	return out
}

func findCanary(where, text string) []string {
	var out []string
	for _, re := range canaryPatterns {
		if loc := re.FindStringIndex(text); loc != nil {
			lo, hi := max(loc[0]-40, 0), min(loc[1]+40, len(text))
			out = append(out, fmt.Sprintf("%s: %q in …%s…", where, re.String(), text[lo:hi]))
		}
	}
	return out
}

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

// TestCanaryPatternsFindEncodedForms: the canary search finds the CPR
// however it is encoded inside a longer text, so a clean result means
// something.
func TestCanaryPatternsFindEncodedForms(t *testing.T) {
	for _, pre := range []string{"", "a", "ab", "abc"} {
		v := []byte(pre + "patron=" + canaryCPR + ";")
		for _, text := range []string{
			string(v),
			hex.EncodeToString(v),
			strings.ToUpper(hex.EncodeToString(v)),
			base64.StdEncoding.EncodeToString(v),
			base64.URLEncoding.EncodeToString(v),
			"born " + canaryCPR[:6],
		} {
			if len(findCanary("t", text)) == 0 {
				t.Errorf("canary not found in %q", text)
			}
		}
	}
}
