package acs

import (
	"os"
	"strings"
	"testing"
	"time"
)

// The demo's people, by what they demonstrate (all synthetic test data).
const (
	anna  = "0101700001"  // ordinary; returns show the checkin alerts
	bent  = "0202700002"  // fees above the limit
	carla = "0303700003"  // card reported lost
	dorte = "0404700004"  // holds ready for pickup
	erik  = "0505700005"  // many loans
	frida = "0101164006"  // child, 10 years
	gust  = "32100000007" // library card number
	henr  = "0808700008"  // renewals denied
	ida   = "0909700009"  // charge privileges denied
	jonas = "0303134010"  // child, 13 years
	karen = "1010700011"  // holds on items lent to others
	lars  = "1111700012"  // small fee
	mette = "1212700013"  // picks up at Filial Nord
	ole   = "0101710014"  // clean account
	pin   = "1234"
)

// testNow is the fixed clock of the tests: a Tuesday morning.
var testNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.Local)

func demoLib(t *testing.T) *Library {
	t.Helper()
	s, err := DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(s, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// itemByTitle finds a demo item id by title prefix.
func itemByTitle(t *testing.T, l *Library, prefix string) string {
	t.Helper()
	for _, it := range l.Items() {
		if strings.HasPrefix(it.Title, prefix) {
			return it.ID
		}
	}
	t.Fatalf("no demo item titled %q", prefix)
	return ""
}

func days(n int) time.Time { return dateOf(testNow).AddDate(0, 0, n) }

func TestDemoSeedShape(t *testing.T) {
	l := demoLib(t)
	if l.Institution().ID != "DK-799000" || l.Institution().Name != "Demobiblioteket" {
		t.Errorf("institution = %+v", l.Institution())
	}
	if _, ok := l.AuthenticateTerminal("kiosk", "kiosk"); !ok {
		t.Error("terminal kiosk/kiosk missing")
	}
	if _, ok := l.AuthenticateTerminal("kiosk", "wrong"); ok {
		t.Error("wrong terminal password accepted")
	}
	ps := l.Patrons()
	if len(ps) < 12 {
		t.Errorf("%d patrons, want >= 12", len(ps))
	}
	cards := 0
	for _, p := range ps {
		if !p.Synthetic {
			t.Errorf("patron %s not marked synthetic", p.Name)
		}
		if p.PIN == "" || p.Note == "" {
			t.Errorf("patron %s lacks PIN or note", p.Name)
		}
		if p.ID[0] > '3' || p.ID[:2] > "31" {
			cards++
		}
	}
	if cards == 0 {
		t.Error("no patron with a library card number")
	}
	items := l.Items()
	if len(items) < 60 {
		t.Errorf("%d items, want >= 60", len(items))
	}
	var cd3, dvd2, other, aged, held bool
	for _, it := range items {
		if len(it.ID) != 10 || strings.Trim(it.ID, "0123456789") != "" {
			t.Errorf("item id %q is not a 10-digit barcode", it.ID)
		}
		cd3 = cd3 || it.Media == "audiobook" && it.Parts == 3
		dvd2 = dvd2 || it.Media == "film" && it.Parts == 2
		other = other || it.Owner == "DK-775100"
		aged = aged || it.Media == "film" && it.AgeLimit >= 15
		held = held || len(it.Holds) > 0
	}
	if !cd3 || !dvd2 || !other || !aged || !held {
		t.Errorf("demo lacks a kind of item: 3-CD %v, 2-DVD %v, other library %v, age limit %v, held %v", cd3, dvd2, other, aged, held)
	}
}

func TestDueDatesByGroupAndMedia(t *testing.T) {
	l := demoLib(t)
	cases := []struct {
		patron, title string
		want          int
	}{
		{ole, "Lykke-Per", 0}, // lent to Carla: refused below, checked separately
		{ole, "Eventyr og historier", 28},
		{frida, "Hodja fra Pjort", 14},
		{ole, "Olsen-banden", 0},
		{ole, "Krummerne", 7},
		{frida, "Krummerne", 0}, // already lent to Ole now
	}
	for _, c := range cases {
		res := l.Checkout(CheckoutRequest{Patron: c.patron, PIN: pin, PINSent: true, Item: itemByTitle(t, l, c.title)})
		if c.want == 0 {
			if res.OK {
				t.Errorf("%s borrowing %q: ok, want refused", c.patron, c.title)
			}
			continue
		}
		if !res.OK {
			t.Errorf("%s borrowing %q refused: %v", c.patron, c.title, res.Refusal)
			continue
		}
		if !res.Due.Equal(days(c.want)) {
			t.Errorf("%s borrowing %q: due %v, want in %d days", c.patron, c.title, res.Due, c.want)
		}
	}
}

func TestRenewalRules(t *testing.T) {
	l := demoLib(t)
	cases := []struct {
		patron, title, code string
	}{
		{erik, "Ditte Menneskebarn", CodeMaxRenewals},
		{erik, "Kvinden i buret", CodeReserved},
		{erik, "Hærværk", ""},
		{erik, "Pelle Erobreren", ""}, // overdue loans may be renewed
		{anna, "Hærværk", CodeNotOnLoan},
		{henr, "Den afrikanske farm", CodeRenewalDenied},
		{carla, "Lykke-Per", CodeCardLost},
		{erik, "Ud & Se", CodeNotOnLoan},
	}
	for _, c := range cases {
		res := l.Renew(RenewRequest{Patron: c.patron, PIN: pin, PINSent: true, Item: itemByTitle(t, l, c.title)})
		switch {
		case c.code == "" && !res.OK:
			t.Errorf("renew %q: refused %v", c.title, res.Refusal)
		case c.code != "" && (res.OK || res.Refusal.Code != c.code):
			t.Errorf("renew %q: ok=%v refusal=%v, want %s", c.title, res.OK, res.Refusal, c.code)
		}
	}
	// A fresh loan renews exactly RenewalLimit times.
	id := itemByTitle(t, l, "Eventyr og historier")
	if r := l.Checkout(CheckoutRequest{Patron: ole, Item: id}); !r.OK {
		t.Fatal(r.Refusal)
	}
	for i := 0; i < 3; i++ {
		if r := l.Renew(RenewRequest{Patron: ole, Item: id}); !r.OK {
			t.Fatalf("renewal %d refused: %v", i+1, r.Refusal)
		}
	}
	if r := l.Renew(RenewRequest{Patron: ole, Item: id}); r.OK || r.Refusal.Code != CodeMaxRenewals {
		t.Errorf("4th renewal: %+v", r)
	}
	// A magazine cannot be renewed at all.
	mag := itemByTitle(t, l, "Ud & Se")
	if r := l.Checkout(CheckoutRequest{Patron: ole, Item: mag}); !r.OK {
		t.Fatal(r.Refusal)
	}
	if r := l.Renew(RenewRequest{Patron: ole, Item: mag}); r.OK || r.Refusal.Code != CodeMaxRenewals {
		t.Errorf("magazine renewal: %+v", r)
	}
}

func TestRenewAll(t *testing.T) {
	l := demoLib(t)
	res := l.RenewAll(erik, pin, true)
	if res.Refusal != nil {
		t.Fatal(res.Refusal)
	}
	if len(res.Renewed) != 6 || len(res.Unrenewed) != 2 {
		t.Errorf("renewed %d, unrenewed %d; want 6 and 2", len(res.Renewed), len(res.Unrenewed))
	}
	if r := l.RenewAll(erik, "0000", true); r.Refusal == nil || r.Refusal.Code != CodeInvalidPIN {
		t.Errorf("wrong PIN: %+v", r.Refusal)
	}
}

func TestCheckoutBlocks(t *testing.T) {
	l := demoLib(t)
	item := itemByTitle(t, l, "Eventyr og historier")
	cases := []struct {
		patron, pin, code string
	}{
		{bent, pin, CodeExcessiveFees},
		{carla, pin, CodeCardLost},
		{ida, pin, CodePatronBlocked},
		{ole, "9999", CodeInvalidPIN},
		{"0101709999", pin, CodeUnknownPatron},
	}
	for _, c := range cases {
		res := l.Checkout(CheckoutRequest{Patron: c.patron, PIN: c.pin, PINSent: true, Item: item})
		if res.OK || res.Refusal.Code != c.code {
			t.Errorf("%s: ok=%v refusal=%v, want %s", c.patron, res.OK, res.Refusal, c.code)
		}
	}
	// Lars has a fee below the limit and may borrow.
	if res := l.Checkout(CheckoutRequest{Patron: lars, PIN: pin, PINSent: true, Item: item}); !res.OK {
		t.Errorf("lars refused: %v", res.Refusal)
	}
	// No block: the loan already happened offline and is accepted with the
	// kiosk's due date.
	nb := itemByTitle(t, l, "Journal 64")
	res := l.Checkout(CheckoutRequest{Patron: bent, Item: nb, NoBlock: true, NBDue: days(31)})
	if !res.OK || !res.Due.Equal(days(31)) {
		t.Errorf("no-block checkout: %+v", res)
	}
	// Flags: Bent's fees show as excessive fees, Carla's lost card as such.
	if f := l.PatronStatus(bent, pin, true).Flags; !f[FlagExcessiveFees] {
		t.Errorf("bent flags %q", FlagString(f))
	}
	if f := l.PatronStatus(carla, pin, true).Flags; !f[FlagCardLost] {
		t.Errorf("carla flags %q", FlagString(f))
	}
	if f := l.PatronStatus(ole, pin, true).Flags; FlagString(f) != strings.Repeat(" ", 14) {
		t.Errorf("ole flags %q", FlagString(f))
	}
}

func TestHoldsAndPickupShelf(t *testing.T) {
	l := demoLib(t)
	kf := itemByTitle(t, l, "Kongens Fald")
	if st := l.ItemInfo(kf); st.Circulation != CircOnHold || !st.HoldPickup.Equal(days(7)) {
		t.Errorf("Kongens Fald status %+v", st)
	}
	if r := l.Checkout(CheckoutRequest{Patron: ole, Item: kf}); r.OK || r.Refusal.Code != CodeReserved {
		t.Errorf("ole took Dorte's hold: %+v", r)
	}
	info := l.PatronStatus(dorte, pin, true)
	if len(info.ReadyHolds) != 3 || len(info.WaitingHolds) != 1 {
		t.Errorf("dorte holds: %d ready, %d waiting", len(info.ReadyHolds), len(info.WaitingHolds))
	}
	if r := l.Checkout(CheckoutRequest{Patron: dorte, Item: kf}); !r.OK {
		t.Fatalf("dorte refused her hold: %v", r.Refusal)
	}
	if h := l.Holds(kf); len(h) != 0 {
		t.Errorf("hold not fulfilled: %+v", h)
	}
	if info := l.PatronStatus(dorte, pin, true); len(info.ReadyHolds) != 2 {
		t.Errorf("dorte ready holds after pickup: %d", len(info.ReadyHolds))
	}
	// A cancelling checkin (BI=Y) undoes the loan and restores the hold.
	if r := l.Checkin(CheckinRequest{Item: kf, Cancel: true}); !r.OK || r.Alert != AlertHoldHere {
		t.Errorf("cancel checkin: %+v", r)
	}
	if _, lent := l.LoanOf(kf); lent {
		t.Error("cancelled loan still there")
	}
	if h := l.Holds(kf); len(h) != 1 || h[0].Patron != dorte || !h[0].Ready {
		t.Errorf("hold not restored: %+v", h)
	}
}

func TestAgeLimit(t *testing.T) {
	l := demoLib(t)
	cases := []struct {
		patron, title string
		ok            bool
	}{
		{frida, "Pusher", false},
		{frida, "Ternet Ninja (film)", true},
		{jonas, "Melancholia", true},
		{jonas, "Festen", false},
		{anna, "Pusher", true},
	}
	for _, c := range cases {
		res := l.Checkout(CheckoutRequest{Patron: c.patron, Item: itemByTitle(t, l, c.title)})
		if res.OK != c.ok || (!c.ok && res.Refusal.Code != CodeAgeLimit) {
			t.Errorf("%s borrowing %q: ok=%v refusal=%v", c.patron, c.title, res.OK, res.Refusal)
		}
	}
}

func TestRecheckoutIsRenewal(t *testing.T) {
	l := demoLib(t)
	id := itemByTitle(t, l, "Niels Lyhne")
	res := l.Checkout(CheckoutRequest{Patron: anna, PIN: pin, PINSent: true, Item: id})
	if !res.OK || !res.Renewal || !res.Due.Equal(days(28)) {
		t.Errorf("re-checkout: %+v", res)
	}
	if ln, _ := l.LoanOf(id); ln.Renewals != 1 {
		t.Errorf("renewals = %d", ln.Renewals)
	}
	s, _ := DemoSeed()
	s.Policy.RefuseRecheckout = true
	l2, err := New(s, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	if r := l2.Checkout(CheckoutRequest{Patron: anna, Item: id}); r.OK || r.Refusal.Code != CodeAlreadyOnLoan {
		t.Errorf("refused re-checkout: %+v", r)
	}
	// Someone else's loan is refused.
	if r := l.Checkout(CheckoutRequest{Patron: ole, Item: id}); r.OK || r.Refusal.Code != CodeItemOnLoan {
		t.Errorf("other's loan: %+v", r)
	}
}

func TestCheckinAlerts(t *testing.T) {
	l := demoLib(t)
	cases := []struct {
		title, alert, text, dest, bin string
		prior                         string
	}{
		{"Babettes gæstebud", AlertHoldHere, "Reserveret", "DK-799000", "RES", anna},
		{"Det forsømte forår", AlertHoldOther, "Sendes til Filial Nord", "DK-799001", "TRANSPORT", anna},
		{"Hundehoved", AlertSendToOther, "Sendes til Aarhus Bibliotekerne", "DK-775100", "FJERNLÅN", anna},
		{"Niels Lyhne", AlertNone, "", "", "A", anna},
		{"Intet", AlertNone, "", "", "A", ""}, // not lent: still ok
	}
	for _, c := range cases {
		res := l.Checkin(CheckinRequest{Item: itemByTitle(t, l, c.title), Location: "DK-799000"})
		if !res.OK || res.Alert != c.alert || res.AlertText != c.text || res.Destination != c.dest || res.SortBin != c.bin || res.PriorPatron != c.prior {
			t.Errorf("checkin %q: %+v", c.title, res)
		}
	}
	if info := l.PatronStatus(karen, pin, true); len(info.ReadyHolds) != 2 {
		t.Errorf("karen's hold not on the shelf after the return: %d ready", len(info.ReadyHolds))
	}
	if st := l.ItemInfo(itemByTitle(t, l, "Det forsømte forår")); st.Circulation != CircInTransit {
		t.Errorf("item for Filial Nord: status %s", st.Circulation)
	}
	// At Filial Nord the item is "here".
	if r := l.Checkin(CheckinRequest{Item: itemByTitle(t, l, "Det forsømte forår"), Location: "DK-799001"}); r.Alert != AlertHoldHere {
		t.Errorf("checkin at Filial Nord: %+v", r)
	}
	if r := l.Checkin(CheckinRequest{Item: "3899999999"}); r.OK || r.Refusal.Code != CodeUnknownItem {
		t.Errorf("unknown item: %+v", r)
	}
}

func TestLateFeeHonoursReturnDate(t *testing.T) {
	l := demoLib(t)
	pelle := itemByTitle(t, l, "Pelle Erobreren") // due 5 days ago
	// Returned (offline) before the due date: no fee.
	r := l.Checkin(CheckinRequest{Item: pelle, NoBlock: true, ReturnDate: days(-6)})
	if !r.OK || r.Fee != 0 {
		t.Errorf("offline return before due: %+v", r)
	}
	l = demoLib(t)
	r = l.Checkin(CheckinRequest{Item: pelle})
	if r.Fee != 20 || len(l.Fees(erik)) != 1 {
		t.Errorf("late return: fee %v, fees %v", r.Fee, l.Fees(erik))
	}
}

func TestPatronInfoLists(t *testing.T) {
	l := demoLib(t)
	info := l.PatronStatus(erik, pin, true)
	if !info.Found || !info.PINOK || len(info.Loans) != 8 || len(info.Overdue) != 1 {
		t.Errorf("erik: found %v pin %v loans %d overdue %d", info.Found, info.PINOK, len(info.Loans), len(info.Overdue))
	}
	info = l.PatronStatus(bent, pin, true)
	if info.FeeTotal != 325 || len(info.Fees) != 2 {
		t.Errorf("bent fees %v %d", info.FeeTotal, len(info.Fees))
	}
	if info := l.PatronStatus("LN:"+gust, pin, true); !info.Found {
		t.Error("LN: prefix not accepted on input")
	}
	if info := l.PatronStatus(ole, "0000", true); !info.Found || info.PINOK {
		t.Errorf("wrong pin: %+v", info)
	}
	if info := l.PatronStatus(mette, pin, true); len(info.ReadyHolds) != 1 || info.ReadyHolds[0].Pickup != "DK-799001" {
		t.Errorf("mette: %+v", info.ReadyHolds)
	}
}

func TestBlockPatron(t *testing.T) {
	l := demoLib(t)
	if !l.BlockPatron(ole, true) {
		t.Fatal("block failed")
	}
	f := l.PatronStatus(ole, pin, true).Flags
	if !f[FlagChargeDenied] || !f[FlagCardLost] {
		t.Errorf("flags %q", FlagString(f))
	}
}

func TestParseSeedErrors(t *testing.T) {
	bad := []string{
		`{"institution":{"id":"DK-1"},"bogus":1}`,
		`{"institution":{"id":""}}`,
		`{"institution":{"id":"DK-1"},"items":[{"id":"1","title":"x","media":"scroll"}]}`,
		`{"institution":{"id":"DK-1"},"loans":[{"item":"1","patron":"2"}]}`,
		`{"institution":{"id":"DK-1"},"patrons":[{"id":"1","blocks":["grumpy"]}]}`,
	}
	for _, b := range bad {
		s, err := ParseSeed(strings.NewReader(b))
		if err == nil {
			_, err = New(s, nil)
		}
		if err == nil {
			t.Errorf("seed %s accepted", b)
		}
	}
	// A minimal seed works and gets the default policy.
	s, err := ParseSeed(strings.NewReader(`{"institution":{"id":"DK-1","name":"Lille"},"terminals":[{"login":"a","password":"b"}],
		"patrons":[{"id":"p","pin":"1","name":"P","group":"adult"}],"items":[{"id":"i","title":"T","media":"book"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(s, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	if r := l.Checkout(CheckoutRequest{Patron: "p", Item: "i"}); !r.OK || !r.Due.Equal(days(28)) {
		t.Errorf("minimal seed checkout: %+v", r)
	}
}

// TestReadmeSeedExample keeps the documented seed format honest.
func TestReadmeSeedExample(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```json\n")
	if !ok {
		t.Fatal("README has no json example")
	}
	example, _, _ := strings.Cut(rest, "```")
	s, err := ParseSeed(strings.NewReader(example))
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(s, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	if ln, ok := l.LoanOf("3800000846"); !ok || !ln.Due.Equal(days(-5)) {
		t.Errorf("example loan %+v", ln)
	}
}

func TestReadyHoldsExpire(t *testing.T) {
	s, err := DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	now := testNow
	l, err := New(s, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	kf := itemByTitle(t, l, "Kongens Fald")
	now = testNow.AddDate(0, 0, 7) // the last pickup day
	if st := l.ItemInfo(kf); st.Circulation != CircOnHold {
		t.Errorf("on the last pickup day: status %s", st.Circulation)
	}
	now = testNow.AddDate(0, 0, 8)
	if st := l.ItemInfo(kf); st.Circulation != CircAvailable || st.HoldQueue != 0 {
		t.Errorf("after expiry: %+v", st)
	}
	if r := l.Checkout(CheckoutRequest{Patron: ole, Item: kf}); !r.OK {
		t.Errorf("expired hold still blocks: %v", r.Refusal)
	}
}
