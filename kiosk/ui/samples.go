package ui

import (
	"sync"
	"time"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/printer"
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

// The sample library's own words, as its configuration would give them
// (returns.default_shelf, returns.sort_bins, library.pay_where): the samples
// carry them, and the catalog messages, the way the core does, so that a
// sample renders through the same translation path as a session.
var (
	sampleReturnShelf = i18n.Texts{
		"da": "Sæt materialet i den blå kasse til højre",
		"en": "Put the item in the blue box on the right",
		"de": "Stellen Sie das Medium in die blaue Kiste rechts",
		"sv": "Lägg materialet i den blå lådan till höger",
		"uk": "Покладіть матеріал у синю скриньку праворуч",
		"pl": "Włóż materiał do niebieskiego pojemnika po prawej",
		"tr": "Materyali sağdaki mavi kutuya koyun",
	}
	sampleSortBin = i18n.Texts{
		"da": "3, den grønne", "en": "3, the green one", "de": "3, die grüne", "sv": "3, den gröna",
		"uk": "3, зелена", "pl": "3, zielona", "tr": "3, yeşil olan",
	}
	samplePayWhere = i18n.Texts{
		"da": "Gebyrer opkræves af kommunen.",
		"en": "Fees are collected by the municipality.",
		"de": "Gebühren zieht die Gemeinde ein.",
		"sv": "Avgifterna tas ut av kommunen.",
		"uk": "Збори стягує муніципалітет.",
		"pl": "Opłaty pobiera gmina.",
		"tr": "Ücretler belediye tarafından tahsil edilir.",
	}
	// sampleReserved is the core's reason for FBS's "[RESERVED]" with its
	// Danish text, which stays a fallback only.
	sampleReserved = kiosk.Text{ID: "refusal.reserved", Raw: "Materialet er reserveret til en anden låner"}
	// sampleLibrarySays is the core's reason for a free text without a
	// code it knows: the library system's words, marked as such.
	sampleLibrarySays = kiosk.Text{ID: kiosk.MsgLibrarySays, Data: map[string]any{"Text": sampleFreeText}, Raw: sampleFreeText}
)

const sampleFreeText = "Fornyelse kræver kontakt til Filial Nord"

// Samples returns one View of every screen (and of the mode banners and the
// idle warning) in language lang. Titles, names and branches are what a
// Danish library system would send: they stay Danish in every language;
// every other text is a catalog message or the library's configured words,
// as in a session.
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
			Reason: sampleReserved},
		{ItemID: "5012345681", Title: "", State: kiosk.ItemReading, Parts: 1},
	}
	return []Sample{
		{"welcome", with(func(v *kiosk.View) { v.Screen = kiosk.ScreenWelcome })},
		{"welcome-returns-only", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenWelcome
			v.Mode = kiosk.ModeReturnsOnly
			v.ModeReason = kiosk.Text{ID: kiosk.MsgModeOfflineReturns}
		})},
		{"identify", with(func(v *kiosk.View) {
			// Seven digits that may begin a CPR number (synthetic): the
			// date shows, the rest is masked.
			v.Screen = kiosk.ScreenIdentify
			v.Typed = 7
			v.Card = kiosk.CardShown([]byte("0101901"))
		})},
		{"pin", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenPIN
			v.PINDigits = 2
			v.Message = kiosk.Text{ID: kiosk.MsgLoginWrongPIN, Data: map[string]any{"Left": 2}}
		})},
		{"loan", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenLoan
			v.Greeting = "Anna"
			v.Items = loanItems
			v.Busy = true
		})},
		{"loan-blocked", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenLoan
			v.Blocked = kiosk.Text{ID: "block.too_many_overdue"}
		})},
		{"return", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenReturn
			v.Items = []kiosk.ItemView{
				{ItemID: "5012345682", Title: "Kogebog for travle", State: kiosk.ItemDone, Parts: 1,
					Destination: kiosk.Text{ID: kiosk.MsgDestShelf, Lib: sampleReturnShelf}},
				{ItemID: "5012345683", Title: "Havens fugle", State: kiosk.ItemDone, Parts: 1,
					Destination: kiosk.Text{ID: kiosk.MsgDestReservations}},
				{ItemID: "5012345691", Title: "Dyr i Danmark", State: kiosk.ItemDone, Parts: 1,
					Destination: kiosk.Text{ID: kiosk.MsgDestSortBin, Data: map[string]any{"Bin": sampleSortBin}}},
				{ItemID: "5012345684", Title: "Fjernlån fra Aarhus", State: kiosk.ItemDone, Parts: 1,
					Destination: kiosk.Text{ID: kiosk.MsgDestOtherLibrary, Data: map[string]any{"Library": "Aarhus Hovedbibliotek"}}},
				{ItemID: "5012345685", Title: "", State: kiosk.ItemWorking, Parts: 1},
			}
		})},
		{"renew", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenRenew
			v.Greeting = "Anna"
			v.Loans = []kiosk.ItemView{
				{ItemID: "5012345686", Title: "Kaffe og kager", State: kiosk.ItemDone, Due: SampleDay.AddDate(0, 0, 3), Selected: true},
				{ItemID: "5012345687", Title: "Danmarks historie, bind 2", State: kiosk.ItemDone, Due: SampleDay.AddDate(0, 0, -2), Overdue: true,
					CannotRenew: kiosk.Text{ID: kiosk.MsgRenewReservedOther}},
				{ItemID: "5012345688", Title: "Strikkeopskrifter", State: kiosk.ItemDone, Due: SampleDay.AddDate(0, 0, 12)},
				{ItemID: "5012345689", Title: "Rejsen til Island", State: kiosk.ItemDone, Due: due, Renewed: true},
				{ItemID: "5012345690", Title: "Skaklærebogen", State: kiosk.ItemRefused, Due: SampleDay.AddDate(0, 0, 1),
					Reason: sampleLibrarySays},
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
			v.PayWhere = kiosk.Text{Lib: samplePayWhere}
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
			v.ReceiptCodes = sampleCodes(lang, printer.Receipt{Kind: printer.KindLoan, Time: SampleDay,
				Library: "Demobiblioteket", Reference: "KIOSK-20261124-120000", Items: []printer.Item{
					{Title: "Eventyr og historier", Due: due},
					{Title: "Mumitroldene på eventyr (lydbog, 3 cd'er)", Due: due},
					{Title: "Festen", Due: SampleDay.AddDate(0, 0, 7)},
				}})
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
		{"out-of-order-forced", with(func(v *kiosk.View) {
			// A technician switched the kiosk out of order with a preset.
			v.Screen = kiosk.ScreenOutOfOrder
			v.Mode = kiosk.ModeOutOfOrder
			v.ModeReason = kiosk.Text{ID: kiosk.MsgModeForcedPrinter}
		})},
		{"maint-login", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintLogin
			v.Maint = &kiosk.MaintView{Typed: 3, Message: kiosk.Text{ID: kiosk.MsgMaintWrong, Data: map[string]any{"Left": 2}}}
		})},
		{"maint-login-locked", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintLogin
			v.Maint = &kiosk.MaintView{Locked: true, Message: kiosk.Text{ID: kiosk.MsgMaintLocked, Data: map[string]any{"Minutes": 10}}}
		})},
		{"maint-status", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintenance
			v.Maint = maintSample(kiosk.PageStatus)
		})},
		{"maint-status-warning", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintenance
			v.Maint = maintSample(kiosk.PageStatus)
			v.Maint.Warning = true
			v.Maint.IdleLeft = 25 * time.Second
		})},
		{"maint-tests", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintenance
			v.Maint = maintSample(kiosk.PageTests)
			v.Maint.Result = kiosk.Text{ID: "maint.result.printed"}
			v.Maint.Tags = maintTagsSample()
			v.Maint.Selected = v.Maint.Tags[1].UID
			v.Maint.ScanKind = kiosk.ScanKindCPR
		})},
		{"maint-tests-confirm", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintenance
			v.Maint = maintSample(kiosk.PageTests)
			v.Maint.Tags = maintTagsSample()
			v.Maint.Selected = v.Maint.Tags[1].UID
			v.Maint.Confirm = &kiosk.AFIRequest{UID: v.Maint.Tags[1].UID, ItemID: v.Maint.Tags[1].ItemID, Secured: true}
		})},
		{"maint-tests-empty", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintenance
			v.Maint = maintSample(kiosk.PageTests)
			v.Maint.Result = kiosk.Text{ID: kiosk.MsgMaintAFIFailed, Data: map[string]any{"Item": "5012345678", "Error": "rfid: tag E00401000000002A: set secured: rfid: tag not in the field"}}
			v.Maint.ScanKind = kiosk.ScanKindUnknown
		})},
		{"maint-out-of-order", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintenance
			v.Maint = maintSample(kiosk.PageOutOfOrder)
			v.Maint.OutOfOrder = "printer"
		})},
		{"maint-queue", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintenance
			v.Maint = maintSample(kiosk.PageQueue)
		})},
		{"maint-log", with(func(v *kiosk.View) {
			v.Screen = kiosk.ScreenMaintenance
			v.Maint = maintSample(kiosk.PageLog)
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

// maintTagsSample is the tag inspector with a two-part set (one part
// secured, one lent), a single item and a tag whose CRC does not hold.
func maintTagsSample() []kiosk.InspectTag {
	return []kiosk.InspectTag{
		{PadTag: kiosk.PadTag{UID: "E004010000000011", Part: 1, AFI: 0x07, Secured: true, Usage: 1, Version: 1, CRC: 0x5c2e, CRCOK: true},
			ItemID: "5012345678", Owner: "DK-710100", Parts: 2},
		{PadTag: kiosk.PadTag{UID: "E004010000000012", Part: 2, AFI: 0xC2, Usage: 1, Version: 1, CRC: 0x91a4, CRCOK: true, Flags: "blocks-reversed"},
			ItemID: "5012345678", Owner: "DK-710100", Parts: 2},
		{PadTag: kiosk.PadTag{UID: "E004010000000013", Part: 1, AFI: 0x07, Secured: true, Usage: 2, Version: 1, CRC: 0x0e71, CRCOK: true},
			ItemID: "3846123456", Owner: "DK-775100", Parts: 1},
		{PadTag: kiosk.PadTag{UID: "E004010000000015"}, Problem: "crc"},
	}
}

// maintSample is maintenance mode on page with the facts of a kiosk whose
// paper is running out (amber) and whose library system is off line (red),
// with two returns queued and one loan interrupted.
func maintSample(page string) *kiosk.MaintView {
	skew := 2 * time.Second
	r := kiosk.StatusReport{
		At: SampleDay, KioskID: "kiosk-1", Version: "v1.4.0", Commit: "3f9c2a1b7d4e", Uptime: 50*time.Hour + 12*time.Minute,
		Mode: kiosk.ModeReturnsOnly, ModeReason: kiosk.Text{ID: kiosk.MsgModeOfflineReturns},
		Info: kiosk.Info{Transport: "tls", Address: "sip2.fbs.example:6443", ReaderDriver: "feig-serial", ReaderPort: "/dev/ttyUSB0",
			PrinterDriver: "usb", Scanner: "keyboard wedge", ConfigSum: "9b2e6a0c41d87f35aa01"},
		CallTimeout: 10 * time.Second,
		Last98:      &kiosk.ACSStatus{Online: true, CheckoutOK: true, CheckinOK: true, RenewalOK: true, Timeout: 30 * time.Second},
		RTTMedian:   180 * time.Millisecond, RTTP95: 640 * time.Millisecond, RTTCount: 212,
		Queue: []kiosk.QueueRow{{ItemID: "5012345682", Op: "checkin", At: SampleDay.Add(-40 * time.Minute)},
			{ItemID: "5012345683", Op: "checkin", At: SampleDay.Add(-12 * time.Minute)}},
		Journal: []kiosk.QueueRow{{ItemID: "5012345690", Op: "checkout", At: SampleDay.Add(-2 * time.Hour)}},
		Reader:  true, ReaderInfo: "software 0302, hardware type 0x50, family 0x72",
		Paper:        kiosk.PaperNearEnd,
		ScannerKnown: true, ScannerPresent: true,
		ClockSet: true, NTP: "yes", Skew: &skew,
		IPs:       []string{"10.20.30.41"},
		FreeBytes: 12 << 30, StateDir: "/var/lib/kiosk",
	}
	return &kiosk.MaintView{Page: page, Tech: "anna", Lines: r.Lines(), Presets: kiosk.OutOfOrderPresets,
		Queue: r.Queue, Journal: r.Journal,
		Log: []string{
			"12:00:41 INFO maintenance audit audit=enter result=ok tech=anna",
			"11:59:58 WARN offline queue: forwarding paused component=kiosk item=5012345682",
			"11:58:12 INFO session ended component=kiosk reason=finish",
			"11:20:05 ERRO journal: item information failed; entry kept and tried again item=5012345690 op=checkout",
		}}
}

// sampleBundle parses the catalogs once for the samples' QR codes.
var sampleBundle = sync.OnceValues(i18n.NewBundle)

// sampleCodes lays a sample receipt out as the kiosk does (printer's
// ScreenCodes), so that the sample QR screen shows real calendars.
func sampleCodes(lang string, r printer.Receipt) []kiosk.ReceiptCode {
	b, err := sampleBundle()
	if err != nil {
		return nil
	}
	return printer.ScreenCodes(r, b.Localizer(lang))
}
