package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSeed writes a two-patron seed whose second patron is marked
// synthetic only when both are; the ids are made-up test numbers.
func writeSeed(t *testing.T, secondSynthetic bool, media string) string {
	t.Helper()
	mark := ""
	if secondSynthetic {
		mark = `, "synthetic": true`
	}
	seed := `{
 "institution": {"id": "DK-123456", "name": "Lille Bibliotek"},
 "terminals": [{"login": "a", "password": "b"}],
 "patrons": [
  {"id": "0101700099", "pin": "1111", "name": "Test Testesen", "group": "adult", "synthetic": true},
  {"id": "0101700098", "pin": "2222", "name": "Rigtig Person", "group": "adult"` + mark + `}
 ],
 "items": [{"id": "3811111111", "title": "Bogen", "media": "` + media + `"}]
}
`
	path := filepath.Join(t.TempDir(), "lille.json")
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUnmarkedPatronsNeedRealData: a seed with a patron not marked
// synthetic was served and listed as "synthetic test data". It is refused
// now, naming the patron by index only, unless -real-data is given; then
// -list calls it real and hides the PINs.
func TestUnmarkedPatronsNeedRealData(t *testing.T) {
	path := writeSeed(t, false, "book")
	err := run(context.Background(), []string{"-data", path, "-list"}, &bytes.Buffer{}, &bytes.Buffer{})
	want := `1 of 2 patrons of the seed are not marked "synthetic": true (patrons[1]): ` +
		`mark invented patrons so (or the whole seed), or pass -real-data to serve real people`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"-data", path, "-real-data", "-list"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Contains(s, "synthetic test data") || !strings.Contains(s, "DK-123456 Lille Bibliotek (REAL DATA: not marked synthetic; PINs not shown)") {
		t.Errorf("-list of real data:\n%s", s)
	}
	if strings.Contains(s, "PIN 2222") || strings.Contains(s, "PIN 1111") || !strings.Contains(s, "PIN ****") {
		t.Errorf("-list of real data shows PINs:\n%s", s)
	}

	// Marked, the same file needs no flag and is labelled synthetic.
	out.Reset()
	if err := run(context.Background(), []string{"-data", writeSeed(t, true, "book"), "-list"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "(synthetic test data)") {
		t.Errorf("-list of a synthetic seed:\n%s", out.String())
	}
}

// TestBadSeedSaysFileLineAndAllowed is `sip2sim -data` with an unknown
// media name: file, line, path, value and the allowed names.
func TestBadSeedSaysFileLineAndAllowed(t *testing.T) {
	path := writeSeed(t, true, "dvd")
	err := run(context.Background(), []string{"-data", path}, &bytes.Buffer{}, &bytes.Buffer{})
	want := "acs: " + path + `:8: items[0].media = "dvd" is not valid: one of audiobook, book, film, game, magazine, music`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
