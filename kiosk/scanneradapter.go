package kiosk

import (
	"errors"

	"github.com/danbib/kiosk/scanner"
)

// ScannerKind returns the scanner test's classifier: the kind of id
// scanner.Identify finds under the library's rules, never the id.
func ScannerKind(rules scanner.Rules) func(text []byte) string {
	return func(text []byte) string {
		id, err := scanner.Identify(string(text), rules)
		if err != nil {
			return ScanKindUnknown
		}
		switch id.Kind {
		case scanner.KindCPR:
			return ScanKindCPR
		case scanner.KindLibraryCard:
			return ScanKindCard
		}
		return ScanKindUnknown
	}
}

// ScannerIdentify returns an IdentifyFunc built on scanner.Identify and the
// library's identification rules (CPR and card-number patterns).
func ScannerIdentify(rules scanner.Rules) IdentifyFunc {
	return func(text string) ([]byte, error) {
		id, err := scanner.Identify(text, rules)
		if err != nil {
			switch {
			case errors.Is(err, scanner.ErrBadCPRDate):
				return nil, &Rejection{ID: "identify.bad_cpr"}
			case errors.Is(err, scanner.ErrNotAllowed):
				return nil, &Rejection{ID: "identify.not_allowed"}
			}
			return nil, &Rejection{ID: MsgIdentifyInvalid}
		}
		return []byte(id.Value), nil
	}
}
