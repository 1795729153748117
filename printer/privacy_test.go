package printer_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
)

// canarySession is what a kiosk session knows about a patron. Every value
// is a synthetic canary (test data, not a real person): the CPR 0101011234
// and PIN 4711 are the canaries of reliability.md §8.
type canarySession struct {
	CPR      string
	PIN      string
	Card     string
	Name     string
	Address  string
	Birth    string
	Messages []string // SIP2 AF screen messages, which some servers fill with patron data
}

func newCanarySession() canarySession {
	return canarySession{
		CPR:     "0101011234", // synthetic
		PIN:     "4711",
		Card:    "LK88776655", // synthetic library card number
		Name:    "Kanariefugl Gulfjer Testesen",
		Address: "Kanarievej 99, 9999 Testby",
		Birth:   "01.01.1901",
		Messages: []string{
			"Låner 010101-1234 har et gebyr", // a server echoing the CPR with a dash
			"CPR 0101011234 registreret",
			"Kort LK88776655, PIN 4711",
			"Adresse: Kanarievej 99, 9999 Testby, født 01.01.1901",
		},
	}
}

// receiptFromSession builds a receipt the way a careless adapter might:
// it copies every message the library system sent onto the items, and the
// full patron name.
func receiptFromSession(s canarySession, kind printer.Kind) printer.Receipt {
	r := printer.Receipt{
		Kind:       kind,
		Library:    "Testby Bibliotek",
		Branch:     "Filial Nord",
		Time:       time.Date(2026, 12, 3, 14, 5, 0, 0, cet),
		PatronName: s.Name,
		Reference:  "TX-0007",
	}
	for i, m := range s.Messages {
		r.Items = append(r.Items, printer.Item{
			Title: "Bog nummer " + string(rune('A'+i)), ItemID: "30000000" + string(rune('0'+i)),
			Due: at(2026, 12, 31), Note: m, Overdue: i%2 == 0,
		})
	}
	r.Holds = []printer.Hold{{Title: "Reserveret bog", Location: "Filial Nord"}}
	r.FeeTotal = 1000
	return r
}

func decode1252(t *testing.T, p []byte) string {
	t.Helper()
	s, err := escpos.Windows1252.NewDecoder().Bytes(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(s)
}

// TestNoSessionSecretsOnReceipts proves that no CPR, PIN, card number,
// address, birth date or surname of the session reaches any receipt byte
// stream, in any kind and language, even with the patron's first name
// enabled and with a library system that echoes the data in messages.
func TestNoSessionSecretsOnReceipts(t *testing.T) {
	b := bundle(t)
	s := newCanarySession()
	forbidden := []string{
		s.CPR, "010101-1234", "010101 1234", s.PIN, s.Card, "Kanarievej", "Testby,", s.Birth,
		"Gulfjer", "Testesen",
	}
	o := printer.DefaultOptions()
	o.PrintPatronName = true
	for _, code := range []printer.Code{printer.CodeCode128, printer.CodeQR} {
		o.Code = code
		for _, kind := range []printer.Kind{printer.KindLoan, printer.KindReturn, printer.KindRenewal, printer.KindAccount} {
			for _, lang := range []string{"da", "en", "uk"} {
				r := printer.Redact(receiptFromSession(s, kind), []byte(s.CPR), []byte(s.PIN), []byte(s.Card),
					[]byte(s.Address), []byte(s.Birth))
				job, err := printer.Render(r, b.Localizer(lang), o)
				if err != nil {
					t.Fatal(err)
				}
				// Search the raw bytes, their Windows-1252 reading and the
				// decoded text, so neither code pages nor split commands can
				// hide a canary.
				views := []string{string(job), decode1252(t, job), escpos.PlainText(job),
					printer.ScreenText(r, b.Localizer(lang), o)}
				for _, v := range views {
					for _, f := range forbidden {
						if strings.Contains(v, f) {
							t.Errorf("%s %s %s: %q reached the receipt", kind, lang, code, f)
						}
					}
				}
				if !strings.Contains(escpos.PlainText(job), "Kanariefugl") {
					t.Errorf("%s %s: the configured first name is missing", kind, lang)
				}
			}
		}
	}
}

// TestCPRMaskedWithoutRedact shows the second line of defence: even when
// the adapter forgets Redact, a CPR-shaped number in free text is masked.
func TestCPRMaskedWithoutRedact(t *testing.T) {
	b := bundle(t)
	s := newCanarySession()
	job, err := printer.Render(receiptFromSession(s, printer.KindLoan), b.Localizer("da"), printer.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	txt := decode1252(t, job)
	for _, f := range []string{"0101011234", "010101-1234"} {
		if strings.Contains(txt, f) {
			t.Errorf("CPR %s printed", f)
		}
	}
	if !strings.Contains(txt, "******-****") {
		t.Errorf("no mask where the CPR was")
	}
	// Ten-digit item barcodes that are not dates stay readable.
	if !strings.Contains(txt, "300000000") {
		t.Errorf("item id masked")
	}
}

// TestReceiptHasNoSecretFields fails when someone adds a field for patron
// identity data to the receipt model.
func TestReceiptHasNoSecretFields(t *testing.T) {
	banned := []string{"cpr", "pin", "card", "address", "birth", "patronid", "ssn", "password", "email", "phone"}
	for _, typ := range []reflect.Type{reflect.TypeOf(printer.Receipt{}), reflect.TypeOf(printer.Item{}), reflect.TypeOf(printer.Hold{})} {
		for i := 0; i < typ.NumField(); i++ {
			name := strings.ToLower(typ.Field(i).Name)
			for _, b := range banned {
				if strings.Contains(name, b) {
					t.Errorf("%s.%s looks like patron identity data", typ.Name(), typ.Field(i).Name)
				}
			}
		}
	}
}
