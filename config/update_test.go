package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUpdateLoad(t *testing.T) {
	dir := filepath.Dir(write(t, "update-token", "synthetic-token\n", 0o600))
	body := "[rfid]\ndriver = \"virtual\"\n[update]\nurl = \"https://updates.example.org/kiosk.raucb\"\nat = \"04:15\"\n" +
		"token_file = \"update-token\"\nmark_good_within = \"5m\"\n"
	c, err := LoadDemo(writeIn(t, dir, body))
	if err != nil {
		t.Fatal(err)
	}
	u := c.Update
	if u.PollAt() != 4*time.Hour+15*time.Minute || u.MarkGoodWithin.Duration != 5*time.Minute || u.Dir != "/var/lib/kiosk/update" {
		t.Errorf("update %+v", u)
	}
	if u.TokenFile != filepath.Join(dir, "update-token") {
		t.Errorf("token_file %q not resolved against the file's directory", u.TokenFile)
	}
	if d := Default().Update; d.URL != "" || d.PollAt() != 2*time.Hour+30*time.Minute {
		t.Errorf("default %+v: polling must be off by default, at 02:30", d)
	}
}

func TestUpdateErrors(t *testing.T) {
	dir := filepath.Dir(write(t, "open-token", "synthetic-token\n", 0o644))
	for _, c := range []struct{ body, key string }{
		{"url = \"ftp://x/y\"", "update.url"},
		{"url = \"http://x/y\"\ntoken_file = \"open-token\"", "update.url"},
		{"url = \"https://x/y\"\ntoken_file = \"open-token\"", "update.token_file"},
		{"at = \"25:00\"", "update.at"},
		{"dir = \"relative\"", "update.dir"},
		{"mark_good_within = \"10s\"", "update.mark_good_within"},
	} {
		body := "[rfid]\ndriver = \"virtual\"\n[update]\n" + c.body + "\n"
		_, err := LoadDemo(writeIn(t, dir, body))
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%q: err = %v, want one about %s", c.body, err, c.key)
		}
	}
}

// writeIn writes a configuration file into dir, beside its secret files.
func writeIn(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "k.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
