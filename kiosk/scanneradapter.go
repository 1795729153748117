package kiosk

import (
	"errors"

	"github.com/danbib/kiosk/scanner"
)

// ScannerKind returns the scanner test's classifier: the kind of id
// scanner.Identify finds under the library's rules, never the id.
func ScannerKind(rules scanner.Rules) func(text []byte) string {
	return func(text []byte) string {
		kind, id, err := scanner.IdentifyBytes(text, rules)
		if err != nil {
			return ScanKindUnknown
		}
		// Only the kind is shown; the number itself is zeroed at once.
		clear(id)
		switch kind {
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
	return func(text []byte) ([]byte, error) {
		_, id, err := scanner.IdentifyBytes(text, rules)
		if err != nil {
			switch {
			case errors.Is(err, scanner.ErrBadCPRDate):
				return nil, &Rejection{ID: "identify.bad_cpr"}
			case errors.Is(err, scanner.ErrNotAllowed):
				return nil, &Rejection{ID: "identify.not_allowed"}
			}
			return nil, &Rejection{ID: MsgIdentifyInvalid}
		}
		return id, nil
	}
}
