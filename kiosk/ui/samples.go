package ui

import (
	"time"

	"github.com/danbib/kiosk/kiosk"
)

// Sample is a hand-made View of one screen, used by the golden tests and by
// the demo's "view" command to show screens the simulated library cannot
// reach on its own (out of order, the idle warning).
type Sample struct {
	Name string
	View kiosk.View
}

// SampleDay is the fixed "today" of the samples, so that their dates never
// change.
var SampleDay = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Samples returns one View of every screen (and of the mode banners and the
// idle warning) in language lang. Titles and reasons are what a Danish
// library system would send: they stay Danish in every language.
func Samples(lang string) []Sample {
	due := SampleDay.AddDate(0, 0, 30)
	base := kiosk.View{Lang: lang, PINLength: 4, Currency: "DKK", Paper: kiosk.PaperOK}
	with := func(f func(v *kiosk.View)) kiosk.View {
		v := base
		f(&v)
		return v
	}
	loanItems := []kiosk.ItemView{
		{ItemID: "5012345678", Title: "Eventyr og historier", State: kiosk.ItemDone, Due: due, Parts: 1},
		{ItemID: "5012345679", Title: "Mumitroldene på eventyr (lydbog, 3 cd'er)", State: kiosk.ItemIncomplete, Parts: 3, MissingParts: []int{2}},
		{ItemID: "5012345680", Title: "Politikens bog om svampe", State: kiosk.ItemRefused, Parts: 1,
			Reason: kiosk.Text{Raw: "Materialet er reserveret til en anden låner"}},
		{ItemID: "5012345681", Title: "", State: kiosk.ItemReading, Parts: 1},
	}
	return []Sample{
		{"welcome", with(func(v *kiosk.View) { v.Screen = kiosk.ScreenWelcome })},
		{"welcome-returns-only", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenWelcome
			v.Mode = kiosk.ModeReturnsOnly
			v.ModeReason = kiosk.Text{Raw: "Bibliotekssystemet svarer ikke."}
		})},
		{"identify", with(func(v *kiosk.View) { v.Screen = kiosk.ScreenIdentify; v.Typed = 6 })},
		{"pin", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenPIN
			v.PINDigits = 2
			v.Message = kiosk.Text{Raw: "Forkert pinkode. Prøv igen."}
		})},
		{"loan", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenLoan
			v.Greeting = "Anna"
			v.Items = loanItems
			v.Busy = true
		})},
		{"loan-blocked", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenLoan
			v.Blocked = kiosk.Text{Raw: "Du har for mange overskredne lån."}
		})},
		{"return", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenReturn
			v.Items = []kiosk.ItemView{
				{ItemID: "5012345682", Title: "Kogebog for travle", State: kiosk.ItemDone, Parts: 1,
					Destination: kiosk.Text{Raw: "Sæt materialet i den blå kasse til højre"}},
				{ItemID: "5012345683", Title: "Havens fugle", State: kiosk.ItemDone, Parts: 1,
					Destination: kiosk.Text{Raw: "Reserveret: læg materialet på reserveringshylden"}},
				{ItemID: "5012345684", Title: "Fjernlån fra Aarhus", State: kiosk.ItemSeeStaff, Parts: 1,
					Reason: kiosk.Text{Raw: "Sendes til Aarhus Hovedbibliotek"}},
				{ItemID: "5012345685", Title: "", State: kiosk.ItemWorking, Parts: 1},
			}
		})},
		{"renew", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenRenew
			v.Greeting = "Anna"
			v.Loans = []kiosk.ItemView{
				{ItemID: "5012345686", Title: "Kaffe og kager", State: kiosk.ItemDone, Due: SampleDay.AddDate(0, 0, 3), Selected: true},
				{ItemID: "5012345687", Title: "Danmarks historie, bind 2", State: kiosk.ItemDone, Due: SampleDay.AddDate(0, 0, -2), Overdue: true},
				{ItemID: "5012345688", Title: "Strikkeopskrifter", State: kiosk.ItemDone, Due: SampleDay.AddDate(0, 0, 12)},
				{ItemID: "5012345689", Title: "Rejsen til Island", State: kiosk.ItemDone, Due: due, Renewed: true},
				{ItemID: "5012345690", Title: "Skaklærebogen", State: kiosk.ItemRefused, Due: SampleDay.AddDate(0, 0, 1),
					Reason: kiosk.Text{Raw: "Materialet er reserveret til en anden låner"}},
			}
		})},
		{"account", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenAccount
			v.Greeting = "Anna"
			v.Loans = []kiosk.ItemView{
				{ItemID: "5012345686", Title: "Kaffe og kager", Due: SampleDay.AddDate(0, 0, 3)},
				{ItemID: "5012345687", Title: "Danmarks historie, bind 2", Due: SampleDay.AddDate(0, 0, -2), Overdue: true},
				{ItemID: "5012345688", Title: "Strikkeopskrifter", Due: SampleDay.AddDate(0, 0, 12)},
			}
			v.Holds = []kiosk.HoldView{
				{Title: "Ternet Ninja", PickupAt: "Hovedbiblioteket", LastDay: SampleDay.AddDate(0, 0, 6)},
				{Title: "Klimaets historie", PickupAt: "Filial Nord"},
			}
			v.FeeTotal = 12500
			v.PayWhere = kiosk.Text{Raw: "Gebyrer opkræves af kommunen."}
		})},
		{"receipt", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenReceipt
			v.Greeting = "Anna"
			v.ReceiptChoices = []string{"print", "qr", "none"}
		})},
		{"receipt-no-paper", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenReceipt
			v.Mode = kiosk.ModeNoReceipt
			v.Paper = kiosk.PaperOut
			v.ReceiptChoices = []string{"qr", "none"}
		})},
		{"receipt-qr", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenReceipt
			v.ReceiptQR = "Kvittering 24.11.2026\nEventyr og historier - 24.12.2026"
			v.ReceiptChoices = []string{"print", "qr", "none"}
		})},
		{"goodbye", with(func(v *kiosk.View) { v.Screen = kiosk.ScreenGoodbye })},
		{"idle", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenLoan
			v.Items = loanItems[:1]
			v.IdleWarning = true
			v.IdleLeft = 15 * time.Second
		})},
		{"large-text", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenLoan
			v.LargeText = true
			v.Items = loanItems[:3]
		})},
		{"loan-out-of-order", with(func(v *kiosk.View) {
			// The reader was unplugged during the session: the session goes
			// on, under a banner, until the patron finishes.
			v.Screen = kiosk.ScreenLoan
			v.Greeting = "Anna"
			v.Mode = kiosk.ModeOutOfOrder
			v.ModeReason = kiosk.Text{ID: kiosk.MsgModeReaderMissing}
			v.Items = loanItems[:1]
		})},
		{"out-of-order", with(func(v *kiosk.View) {
			// With the reason the core gives when the reader is missing, the
			// most common case, so the sample matches the demo's real one.
			v.Screen = kiosk.ScreenOutOfOrder
			v.Mode = kiosk.ModeOutOfOrder
			v.ModeReason = kiosk.Text{ID: kiosk.MsgModeReaderMissing}
		})},
	}
}
