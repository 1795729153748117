package printer

import "time"

// TestReceipt is a loan receipt with every element a printer must get
// right: Danish letters, a long title, a refusal, a hold, fees and a
// reference code. "kioskctl print-test" and maintenance mode's test print
// both print it, so a technician sees the same paper either way.
func TestReceipt(now time.Time, l Localizer) Receipt {
	return Receipt{
		Kind:    KindLoan,
		Library: "Kiosk " + l.T("receipt.test_print"),
		Branch:  "æøå ÆØÅ € – 0123456789",
		Time:    now,
		Items: []Item{
			{Title: "Testbog: Blåbærgrød og ørnens æg i Århus", ItemID: "0000000001", Due: now.AddDate(0, 0, 28)},
			{Title: "En meget lang titel der skal ombrydes over flere linjer på selv det bredeste papir", ItemID: "0000000002", Due: now.AddDate(0, 0, 14)},
			{Title: "Afvist materiale", ItemID: "0000000003", Refused: true, Note: "Testafvisning"},
		},
		Holds:     []Hold{{Title: "Reserveret testbog", Location: "Skranken", LastDay: now.AddDate(0, 0, 7)}},
		FeeTotal:  1234,
		Footer:    l.T("receipt.test_print"),
		Reference: "TEST-" + now.Format("20060102-150405"),
	}
}
