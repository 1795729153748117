package kiosk

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/i18n"
)

// recObserver writes down what it is told, one line per call.
type recObserver struct{ got []string }

func (r *recObserver) SessionEnded(outcome string, d time.Duration, items int) {
	r.got = append(r.got, fmt.Sprintf("session %s %s items=%d", outcome, d, items))
}
func (r *recObserver) Loan()                 { r.got = append(r.got, "loan") }
func (r *recObserver) Return(route string)   { r.got = append(r.got, "return "+route) }
func (r *recObserver) Renewal(result string) { r.got = append(r.got, "renewal "+result) }
func (r *recObserver) Refusal(op, code string) {
	r.got = append(r.got, "refusal "+op+" "+code)
}
func (r *recObserver) UnknownOutcome(op, settled string) {
	r.got = append(r.got, "unknown "+op+" "+settled)
}
func (r *recObserver) WrongPIN()   { r.got = append(r.got, "wrong-pin") }
func (r *recObserver) CardLocked() { r.got = append(r.got, "card-locked") }

// observed drives Step as the runner does and lets the runner's
// bookkeeping tell a recObserver.
type observed struct {
	k   *Kiosk
	rec *recObserver
}

func newObserved(m Model) *observed {
	rec := &recObserver{}
	k := &Kiosk{ports: Ports{Observer: rec}, model: m}
	k.watch = newWatch(m.Session)
	return &observed{k: k, rec: rec}
}

func (o *observed) run(evs ...Event) {
	for _, ev := range evs {
		prev := o.k.model
		next, effs := Step(prev, ev)
		o.k.model = next
		o.k.observe(ev, prev, next, effs)
	}
}

// later moves the model's clock on by d.
func (o *observed) later(d time.Duration) { o.k.model.Now = o.k.model.Now.Add(d) }

func (o *observed) want(t *testing.T, want ...string) {
	t.Helper()
	if !slices.Equal(o.rec.got, want) {
		t.Errorf("observed\n  %s\nwant\n  %s", strings.Join(o.rec.got, "\n  "), strings.Join(want, "\n  "))
	}
	o.rec.got = nil
}

func login(pin string) []Event {
	return append([]Event{in(InChoose{Screen: ScreenLoan}), EvScan{Text: []byte(testCPR)}}, keys(pin)...)
}

func TestObserverLoanSessionFinished(t *testing.T) {
	o := newObserved(welcome(testOpts()))
	o.run(login(testPIN)...)
	o.later(10 * time.Second)
	o.run(EvAuth{Session: o.k.model.Session, Status: PatronStatus{ValidPatron: "Y", ValidPIN: "Y"}},
		EvPadItem{Item: pad("item-1")}, EvPadItem{Item: pad("item-2")},
		EvCheckout{ItemID: "item-1", Result: CheckoutResult{OK: true, Desensitize: "Y"}},
		EvSecured{ItemID: "item-1"},
		EvCheckout{ItemID: "item-2", Result: CheckoutResult{OK: false, Messages: []string{"[RESERVED] Reserveret til en anden"}}})
	o.want(t, "loan", "refusal checkout RESERVED")
	o.later(20 * time.Second)
	o.run(in(InFinish{}), in(InReceipt{Choice: "none"}))
	o.want(t, "session finished 30s items=2")
}

func TestObserverIdleTimeout(t *testing.T) {
	opts := testOpts()
	o := newObserved(welcome(opts))
	o.run(login(testPIN)...)
	o.run(EvAuth{Session: o.k.model.Session, Status: PatronStatus{ValidPatron: "Y", ValidPIN: "Y"}})
	o.later(opts.IdleTimeout)
	o.run(EvTick{})
	o.want(t, fmt.Sprintf("session idle_timeout %s items=0", opts.IdleTimeout))
}

func TestObserverWrongPINsAndCardLocked(t *testing.T) {
	opts := testOpts()
	opts.BackoffAfter = 0
	o := newObserved(welcome(opts))
	o.run(in(InChoose{Screen: ScreenLoan}))
	for i := 0; i < 3; i++ {
		o.run(append([]Event{EvScan{Text: []byte(testCPR)}}, keys("9999")...)...)
		o.run(EvAuth{Session: o.k.model.Session, Status: PatronStatus{ValidPatron: "Y", ValidPIN: "N"}})
	}
	o.want(t, "wrong-pin", "wrong-pin", "wrong-pin", "card-locked")
	o.run(in(InBack{}))
	o.want(t, "session card_locked 0s items=0")

	// The locked card again: the session ends as card_locked too.
	o.run(append([]Event{in(InChoose{Screen: ScreenLoan}), EvScan{Text: []byte(testCPR)}}, in(InBack{}))...)
	o.want(t, "session card_locked 0s items=0")

	// A card the library system does not know: a failed login, no wrong PIN.
	o.run(in(InChoose{Screen: ScreenLoan}), EvScan{Text: []byte("0101700001")})
	o.run(keys(testPIN)...)
	o.run(EvAuth{Session: o.k.model.Session, Status: PatronStatus{ValidPatron: "N"}})
	o.later(opts.IdleTimeout)
	o.run(EvTick{})
	if len(o.rec.got) != 1 || !strings.HasPrefix(o.rec.got[0], "session login_failed ") {
		t.Errorf("unknown patron: observed %q, want one login_failed session", o.rec.got)
	}
}

func TestObserverReturnRoutesAndRefusals(t *testing.T) {
	opts := testOpts()
	opts.SortBins = map[string]i18n.Texts{"B2": {"da": "Kasse 2", "en": "Bin 2"}}
	o := newObserved(welcome(opts))
	o.run(in(InChoose{Screen: ScreenReturn}))
	cases := []struct {
		res  CheckinResult
		want string
	}{
		{CheckinResult{OK: true}, "return shelf"},
		{CheckinResult{OK: true, SortBin: "B2"}, "return shelf"},
		{CheckinResult{OK: true, Alert: true, AlertType: "01"}, "return hold"},
		{CheckinResult{OK: true, Alert: true, Messages: []string{"Sendes til Tårnby Bibliotek"}}, "return transit"},
		{CheckinResult{OK: true, Alert: true}, "return staff"},
	}
	for i, c := range cases {
		id := fmt.Sprintf("item-%d", i)
		c.res.Resensitize = "Y"
		o.run(EvPadItem{Item: pad(id)}, EvCheckin{ItemID: id, Result: c.res}, EvSecured{ItemID: id, Secured: true})
		o.want(t, c.want)
	}
	// A refusal with a code the core does not know is counted as other:
	// the label never takes the library system's free text.
	p := pad("item-x")
	p.Secured = true
	o.run(EvPadItem{Item: p}, EvCheckin{ItemID: "item-x", Result: CheckinResult{Messages: []string{"[SOMETHING_NEW] Anna Hansen må ikke"}}})
	o.want(t, "refusal checkin other")
}

func TestObserverUnknownOutcomeSettled(t *testing.T) {
	o := newObserved(welcome(testOpts()))
	o.run(login(testPIN)...)
	o.run(EvAuth{Session: o.k.model.Session, Status: PatronStatus{ValidPatron: "Y", ValidPIN: "Y"}},
		EvPadItem{Item: pad("item-1")}, EvCheckout{ItemID: "item-1", Err: ErrOutcomeUnknown})
	o.want(t)
	o.run(EvSettled{ItemID: "item-1", Status: ItemStatus{Circulation: "03"}})
	o.want(t, "unknown checkout not_done")
	o.run(EvCheckout{ItemID: "item-1", Err: ErrOutcomeUnknown},
		EvSettled{ItemID: "item-1", Status: ItemStatus{Circulation: "04"}, OnAccount: true}, EvSecured{ItemID: "item-1"})
	o.want(t, "unknown checkout done", "loan")
}

func TestLogSessionID(t *testing.T) {
	a, b := newWatch(1), newWatch(2)
	if a.id == b.id || len(a.id) != 16 {
		t.Fatalf("session ids %q and %q: want two different random ids", a.id, b.id)
	}
	if got := logSession(a, a); got != "" {
		t.Errorf("before the session began: %q, want none", got)
	}
	a.start = t0
	if got := logSession(a, a); got != a.id {
		t.Errorf("in the session: %q, want %q", got, a.id)
	}
	if got := logSession(a, b); got != a.id {
		t.Errorf("the step that ends it: %q, want %q", got, a.id)
	}
}

// TestLogLinesCarrySession: the core's log lines carry the session's random
// id under the stable field name, and the reason of a session's end.
func TestLogLinesCarrySession(t *testing.T) {
	var buf strings.Builder
	l := logrus.New()
	l.SetOutput(&buf)
	l.SetFormatter(&logrus.JSONFormatter{})
	k := &Kiosk{log: l}
	k.writeLog(EffLog{Level: "info", Msg: logSessionEnded, Reason: "idle"}, "0123456789abcdef")
	k.writeLog(EffLog{Level: "warn", Msg: "item needs staff", ItemID: "3800000846"}, "")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	for i, want := range []map[string]any{
		{"session": "0123456789abcdef", "reason": "idle", "msg": "session ended"},
		{"item": "3800000846", "session": nil},
	} {
		var got map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("line %d: %s = %v, want %v (%s)", i, k, got[k], v, lines[i])
			}
		}
	}
}
