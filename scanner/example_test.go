package scanner_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/danbib/kiosk/scanner"
)

func ExampleIdentify() {
	rules := scanner.DefaultRules()
	// A synthetic health card's track 2 (test data, no real person).
	id, err := scanner.Identify(";9208100401017023451041173083461010814?", rules)
	fmt.Println(id, err)

	_, err = scanner.Identify("3102701234", rules) // 31 February: synthetic, invalid
	fmt.Println(err, errors.Is(err, scanner.ErrBadCPRDate))

	id, _ = scanner.Identify("!BA10LL12345678!C", rules)
	fmt.Println(id)
	// Output:
	// CPR 010170-XXXX <nil>
	// scanner: rejected: 10 digits but not a valid CPR date true
	// library card XXXXXXX678
}

func ExampleWedge() {
	w := scanner.NewWedge(scanner.DefaultWedgeOptions())
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	// The UI calls Feed for every key, with the key's time; Return is '\n'.
	for _, r := range "12345678\n" {
		if scan, ok := w.Feed(r, at); ok {
			fmt.Println(scan)
		}
		at = at.Add(8 * time.Millisecond)
	}
	// Output:
	// scan of 8 characters from keyboard wedge
}
