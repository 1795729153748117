package kiosk

import "testing"

func TestPickupName(t *testing.T) {
	cases := map[string]string{
		"DK-775100 - Hovedbiblioteket":      "Hovedbiblioteket",
		"DK-799000 - Filial Nord - Hylde 3": "Filial Nord - Hylde 3",
		"Hovedbiblioteket":                  "Hovedbiblioteket",
		"Nord - Syd":                        "Nord - Syd", // no agency id: kept as sent
		"DK-775100 - ":                      "DK-775100 - ",
		"":                                  "",
	}
	for in, want := range cases {
		if got := pickupName(in); got != want {
			t.Errorf("pickupName(%q) = %q, want %q", in, got, want)
		}
	}
}
