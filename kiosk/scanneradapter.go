package kiosk

import (
	"errors"

	"github.com/danbib/kiosk/scanner"
)

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
