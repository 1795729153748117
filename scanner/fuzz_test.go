package scanner

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
)

func FuzzIdentify(f *testing.F) {
	// Synthetic CPR numbers and the synthetic health card only.
	for _, s := range []string{
		"0101701234", "010170-1234", "2902004123", "2902001234", "12345678", "LL12345678",
		"!BA100101701234!C", healthTrack2, healthTrack1 + healthTrack2, healthTrack2 + healthTrack2,
		"1234|5678", "0101701234\r\n", ";E?", "%?;?", "!B!C", "",
	} {
		f.Add(s)
	}
	rules := DefaultRules()
	f.Fuzz(func(t *testing.T, in string) {
		id, err := Identify(in, rules)
		if err != nil {
			if id != (PatronID{}) {
				t.Fatalf("error %v with id %v", err, id)
			}
			if _, ok := err.(*RejectError); !ok {
				t.Fatalf("error %T is not a *RejectError", err)
			}
			return
		}
		for _, c := range id.Value {
			if unicode.IsControl(c) || c == '|' {
				t.Fatalf("accepted id contains %q", c)
			}
		}
		switch id.Kind {
		case KindCPR:
			if _, ok := CPRBirthDate(id.Value); !ok || len(id.Value) != 10 {
				t.Fatalf("accepted CPR %q has no valid date", MaskCPR(id.Value))
			}
			for _, s := range []string{fmt.Sprint(id), fmt.Sprintf("%+v", id), fmt.Sprintf("%#v", id)} {
				if strings.Contains(s, id.Value[6:]) && !strings.Contains(s, "XXXX") {
					t.Fatalf("formatting leaks the CPR: %s", s)
				}
			}
		case KindLibraryCard:
			if id.Value == "" {
				t.Fatal("empty card number accepted")
			}
		default:
			t.Fatalf("kind %v", id.Kind)
		}
	})
}
