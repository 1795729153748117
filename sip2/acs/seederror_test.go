package acs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedWith returns a small synthetic seed, one field per line, with the
// patron part and the item part replaced: line 1 is "{", the institution
// is line 2, the two patrons are lines 5 and 6 and the two items lines 9
// and 10.
func seedWith(institution, patrons, items string) string {
	return "{\n" +
		` "institution": ` + institution + ",\n" +
		` "terminals": [{"login": "kiosk", "password": "kiosk"}],` + "\n" +
		` "patrons": [` + "\n" +
		patrons + "\n" +
		` ],` + "\n" +
		` "items": [` + "\n" +
		items + "\n" +
		" ]\n}\n"
}

const (
	okInst    = `{"id": "DK-799000", "name": "Testbiblioteket"}`
	okPatrons = `  {"id": "0101700001", "pin": "1234", "name": "Anna Testesen", "group": "adult", "synthetic": true},` + "\n" +
		`  {"id": "0202700002", "pin": "1234", "name": "Bent Testesen", "group": "adult", "birthDate": "1970-02-02", "synthetic": true}`
	okItems = `  {"id": "3800000846", "title": "Intet", "media": "book"},` + "\n" +
		`  {"id": "3800000951", "title": "Eventyr", "media": "film"}`
)

// TestSeedErrorsSayWhereWhatAndWhatIsAllowed is each of the Go messages
// sip2sim -data gave (Go struct types, Go time layouts, "unexpected EOF",
// media without the list) against what it says now.
func TestSeedErrorsSayWhereWhatAndWhatIsAllowed(t *testing.T) {
	cases := []struct{ name, seed, want string }{
		{"object as text", seedWith(`"DK-799000"`, okPatrons, okItems),
			`acs: seed line 2: institution = "DK-799000" is not valid: an object { … } with the fields "id", "name", "currency"`},
		{"date in the wrong order", seedWith(okInst, strings.Replace(okPatrons, "1970-02-02", "02-02-1970", 1), okItems),
			`acs: seed line 6: patrons[1].birthDate = "02-02-1970" is not valid: a date YYYY-MM-DD, e.g. "1970-01-01"`},
		{"unknown media", seedWith(okInst, okPatrons, strings.Replace(okItems, `"film"`, `"dvd"`, 1)),
			`acs: seed line 10: items[1].media = "dvd" is not valid: one of audiobook, book, film, game, magazine, music`},
		{"media left out", seedWith(okInst, okPatrons, strings.Replace(okItems, `, "media": "film"`, "", 1)),
			`acs: seed line 10: items[1].media = "" is not valid: one of audiobook, book, film, game, magazine, music`},
		{"number for text", seedWith(okInst, strings.Replace(okPatrons, `"pin": "1234"`, `"pin": 1234`, 1), okItems),
			`acs: seed line 5: patrons[0].pin = 1234 is not valid: a string in quotes`},
		{"list for text", seedWith(okInst, okPatrons, strings.Replace(okItems, `"title": "Intet"`, `"title": ["Intet"]`, 1)),
			`acs: seed line 9: items[0].title = […] is not valid: a string in quotes`},
		{"misspelt field", seedWith(okInst, strings.Replace(okPatrons, `"name": "Bent`, `"nmae": "Bent`, 1), okItems),
			`acs: seed line 6: patrons[1].nmae: "nmae" is not a field here (misspelt?); the fields are id, pin, name, group, birthDate, blocks, address, email, phone, synthetic, note`},
		{"trailing comma", seedWith(okInst, okPatrons+",", okItems),
			`acs: seed line 7: patrons: JSON syntax: invalid character ']' looking for beginning of value`},
		{"cut off", seedWith(okInst, okPatrons, okItems)[:300],
			`acs: seed line 6: patrons[1]: the file ends before this is closed; a } or ] (or a closing quote) is missing`},
		{"empty", "", `acs: seed: the seed: the file is empty; a seed is one JSON object (see sip2/acs/README.md)`},
	}
	for _, c := range cases {
		_, err := ParseSeed(strings.NewReader(c.seed))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, c.want)
		}
		var se *SeedError
		if !errors.As(err, &se) {
			t.Errorf("%s: %T is not a *SeedError", c.name, err)
		}
	}
	if _, err := ParseSeed(strings.NewReader(seedWith(okInst, okPatrons, okItems))); err != nil {
		t.Errorf("the good seed: %v", err)
	}
}

// TestSeedErrorNamesTheFile: sip2sim -data FILE reports FILE:LINE, as
// compilers do, so an editor jumps there.
func TestSeedErrorNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lille.json")
	seed := seedWith(okInst, okPatrons, strings.Replace(okItems, `"film"`, `"dvd"`, 1))
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSeedFile(path)
	want := "acs: " + path + `:10: items[1].media = "dvd" is not valid: one of audiobook`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v\nwant %s…", err, want)
	}
}

// TestSeedErrorsFromGoHaveNoLine: New says the path of a bad value in a
// Seed built in Go, where there is no line.
func TestSeedErrorsFromGoHaveNoLine(t *testing.T) {
	_, err := New(&Seed{Institution: Institution{ID: "DK-1"}, Items: []Item{{ID: "1", Media: "scroll"}}}, nil)
	want := `acs: seed: items[0].media = "scroll" is not valid: one of audiobook, book, film, game, magazine, music`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestUnmarked: a patron counts as invented when it or the whole seed is
// marked so; the bundled demo is.
func TestUnmarked(t *testing.T) {
	s := &Seed{Patrons: []Patron{{ID: "a", Synthetic: true}, {ID: "b"}, {ID: "c"}}}
	if got := s.Unmarked(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("Unmarked = %v, want [1 2]", got)
	}
	s.Synthetic = true
	if got := s.Unmarked(); len(got) != 0 {
		t.Errorf("a seed marked synthetic: Unmarked = %v", got)
	}
	demo, err := DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	demo.Synthetic = false // each demo patron must carry the mark itself
	if got := demo.Unmarked(); len(got) != 0 {
		t.Errorf("demo patrons not marked synthetic: %v", got)
	}
}
