package kiosk

import (
	"sync/atomic"
	"testing"

	"github.com/danbib/kiosk/sip2"
)

// TestE2ECheckoutAnsweredAboutAnotherItem (reliability.md scenario 11): the
// library system refuses a checkout, but the answer the kiosk receives says
// "ok" about another item. The kiosk must not take it as a loan: the item
// is settled with Item Information (17), found not lent, stays secured
// (AFI 0x07), and the patron is not told it was lent.
func TestE2ECheckoutAnsweredAboutAnotherItem(t *testing.T) {
	e := newE2E(t, nil, nil)
	var item string
	for _, it := range e.lib.Items() {
		if it.NotLoanable && it.Parts <= 1 && (it.Owner == "" || it.Owner == demoISIL) {
			item = it.ID
			break
		}
	}
	if item == "" {
		t.Fatal("the demo library has no reference item")
	}
	e.login(t, demoPatron, demoPIN)
	var rewritten atomic.Int32
	e.dialer.setRewrite(func(b []byte) []byte {
		m, err := sip2.Decode(b, sip2.DecodeOptions{})
		if err != nil || m.Code != sip2.MsgCheckoutResponse || m.Get(sip2.FieldItemID) != item {
			return b
		}
		// The refusal of our item turns into a success about another.
		m.SetFixed(sip2.FOK, "1").SetFixed(sip2.FDesensitize, "Y").Set(sip2.FieldItemID, "9"+item)
		out, err := sip2.Encode(m, sip2.EncodeOptions{ErrorDetection: m.HasSeq, Lax: true})
		if err != nil {
			t.Errorf("re-encode: %v", err)
			return b
		}
		rewritten.Add(1)
		return out
	})
	uids := e.place(t, item, 1)
	e.eventually(t, "item settled", func() bool { return viewDone(e.k.View(), 1) })
	e.dialer.setRewrite(nil)
	if rewritten.Load() == 0 {
		t.Fatal("no checkout answer was rewritten")
	}
	v := e.k.View().Items[0]
	if v.State == ItemDone || !v.Due.IsZero() {
		t.Errorf("an answer about another item counted as a loan: %+v", v)
	}
	if got := e.chargedTo(item); got != "" {
		t.Errorf("item charged to %q", got)
	}
	if a := e.afi(uids[0]); a != 0x07 {
		t.Errorf("AFI %#x, want 0x07 (secured)", a)
	}
	if e.srv.Received(sip2.MsgItemInfo) < 1 {
		t.Error("the ambiguous checkout was not settled with Item Information")
	}
}
