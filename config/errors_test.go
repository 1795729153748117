package config

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// errorLines splits a joined error into its lines.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// TestEveryErrorAtOnce: a file with several mistakes gets one line for each,
// in the `config: KEY = VALUE is not valid: ALLOWED` shape, instead of one
// restart per mistake.
func TestEveryErrorAtOnce(t *testing.T) {
	body := `[kiosk]
language = "fr"
colour = "blue"
[sip2]
transport = "telnet"
[login]
pin_length = "four"
[printer]
columns = 40
`
	_, err := Load(write(t, "k.toml", body, 0o644))
	got := errorLines(err)
	want := []string{
		"unknown key kiosk.colour (misspelt? see packaging/kiosk.toml)",
		`config: login.pin_length = "four" is not valid: a whole number, 4 to 8 digits`,
		`config: kiosk.language = "fr" is not valid: one of da, en, de, sv, uk, pl, tr`,
		`config: sip2.transport = "telnet" is not valid: one of tcp, tls, fbs`,
		`config: printer.columns = 40 is not valid: 32 (58 mm), 42 (80 mm, 512 dots) or 48 (80 mm, 576 dots)`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%v", len(got), len(want), err)
	}
	if !strings.HasPrefix(got[0], "config: ") || !strings.HasSuffix(got[0], want[0]) {
		t.Errorf("line 1 = %q, want …%q", got[0], want[0])
	}
	for i := 1; i < len(want); i++ {
		if got[i] != want[i] {
			t.Errorf("line %d = %q\n          want %q", i+1, got[i], want[i])
		}
	}
	// Each value error is still an *Error to a caller that looks.
	var ce *Error
	if !errors.As(err, &ce) || ce.Key != "login.pin_length" {
		t.Errorf("errors.As *Error = %+v", ce)
	}
}

// TestWrongTypeSaysWhatIsAllowed: a value of the wrong TOML type is
// answered like a wrong value, with the type and the allowed range, not with
// the TOML library's "incompatible types".
func TestWrongTypeSaysWhatIsAllowed(t *testing.T) {
	cases := []struct{ body, want string }{
		{"[login]\npin_length = \"four\"\n", `config: login.pin_length = "four" is not valid: a whole number, 4 to 8 digits`},
		{"[sip2]\nretries = 2.5\n", `config: sip2.retries = 2.5 is not valid: a whole number, 0 to 9`},
		{"[returns]\noffline = \"yes\"\n", `config: returns.offline = "yes" is not valid: true or false`},
		{"[kiosk]\nidle_timeout = 30\n", `config: kiosk.idle_timeout = 30 is not valid: a duration in quotes such as "30s" or "15m", between 15s and 30m`},
		{"[kiosk]\nidle_timeout = \"soon\"\n", `config: kiosk.idle_timeout = "soon" is not valid: a duration in quotes such as "30s" or "15m", between 15s and 30m`},
		{"[kiosk]\nlanguages = \"da\"\n", `config: kiosk.languages = "da" is not valid: a list of texts in quotes, e.g. ["da", "en"], one of da, en, de, sv, uk, pl, tr`},
		{"[kiosk]\nlanguages = [\"da\", 5]\n", `config: kiosk.languages = ["da", 5] is not valid: a list of texts in quotes, e.g. ["da", "en"], one of da, en, de, sv, uk, pl, tr`},
		{"[sip2]\ntransport = 1\n", `config: sip2.transport = 1 is not valid: text in quotes, one of tcp, tls, fbs`},
		{"rfid = \"feig-usb\"\n", `config: rfid = "feig-usb" is not valid: a table`},
		{"[printer]\nfooters = \"Tak\"\n", `config: printer.footers = "Tak" is not valid: a table of texts in quotes, e.g. { da = "…", en = "…" }`},
		{"[printer.footers]\nda = 1\n", `config: printer.footers.da = 1 is not valid: text in quotes`},
	}
	for _, c := range cases {
		_, err := Load(write(t, "k.toml", c.body, 0o644))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\n got %v\nwant %s", c.body, err, c.want)
		}
	}
}

// TestSyntaxErrorPointsAtTheLine checks the line and column of syntax
// errors where the TOML library's own line number is one off.
func TestSyntaxErrorPointsAtTheLine(t *testing.T) {
	cases := []struct {
		name, body string
		line, col  int
		msg        string
	}{
		{"table without ]", "[kiosk]\nid = \"a\"\n[sip2\nuser = \"x\"\n", 3, 6, "to end table name"},
		{"CRLF string without end", "[kiosk]\r\nid = \"a\"\r\nlanguage = \"da\r\nbar = 1\r\n", 3, 15, "strings cannot contain newlines"},
		{"missing =", "# comment\n[kiosk]\nid = \"a\"\nlanguage da\n", 4, 10, "expected '.' or '='"},
		{"no value", "[kiosk]\nid = \"a\"\n\n\nlanguage = \n", 5, 12, "expected value"},
	}
	for _, c := range cases {
		path := write(t, "k.toml", c.body, 0o644)
		_, err := Load(path)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: want *SyntaxError, got %v", c.name, err)
			continue
		}
		if se.Line != c.line || se.Column != c.col {
			t.Errorf("%s: at %d:%d, want %d:%d (%v)", c.name, se.Line, se.Column, c.line, c.col, err)
		}
		prefix := "config: " + path + ":" + strconv.Itoa(c.line) + ":" + strconv.Itoa(c.col) + ": "
		if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, c.msg) || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q, want one line starting %q and containing %q", c.name, msg, prefix, c.msg)
		}
	}
}

// TestSyntaxErrorHidesTheLine: the password line must not reach the
// journal when it is the one that is broken.
func TestSyntaxErrorHidesTheLine(t *testing.T) {
	_, err := Load(write(t, "k.toml", "[sip2]\npassword = \"hemmeligt-kodeord\n", 0o644))
	if err == nil || strings.Contains(err.Error(), "hemmeligt") {
		t.Errorf("err = %v", err)
	}
}

// TestEmptySecretFilesAreRefused: an empty password file would become an
// empty SIP2 password, found only when the library system refuses it.
func TestEmptySecretFilesAreRefused(t *testing.T) {
	for _, c := range []struct{ key, section, content string }{
		{"sip2.password_file", "[sip2]\npassword_file", ""},
		{"sip2.password_file", "[sip2]\npassword_file", "\n"},
		{"maintenance.pin_file", "[maintenance]\npin_file", "  \r\n"},
		{"sip2.tls.key_file", "[sip2.tls]\ncert_file = \"c.pem\"\nkey_file", ""},
	} {
		dir := t.TempDir()
		secret := filepath.Join(dir, "secret")
		if err := os.WriteFile(secret, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(dir, "k.toml")
		if err := os.WriteFile(cfg, []byte(c.section+" = \"secret\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(cfg)
		want := "config: " + c.key + ": " + secret + " is empty; it must hold the secret"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s with %q: got %v, want %q…", c.key, c.content, err, want)
		}
	}
}

// TestVirtualRFIDOnlyInTheDemo: the virtual pad is refused where the kiosk
// would only loop on "cannot run outside the demo", and accepted by the demo.
func TestVirtualRFIDOnlyInTheDemo(t *testing.T) {
	path := write(t, "k.toml", "[rfid]\ndriver = \"virtual\"\n", 0o644)
	_, err := Load(path)
	want := `config: rfid.driver = "virtual" is not valid: feig-serial or feig-usb; "virtual" is the demo's simulated pad and runs only with --demo`
	if err == nil || err.Error() != want {
		t.Errorf("Load: got %v\nwant %s", err, want)
	}
	c, err := LoadDemo(path)
	if err != nil || c.RFID.Driver != "virtual" {
		t.Errorf("LoadDemo: %v, driver %q", err, c.RFID.Driver)
	}
	if _, err := LoadDemo(write(t, "k.toml", "[rfid]\ndriver = \"fake\"\n", 0o644)); err == nil ||
		!strings.Contains(err.Error(), "one of feig-serial, feig-usb, virtual") {
		t.Errorf("LoadDemo of an unknown driver: %v", err)
	}
	d := Default()
	d.RFID.Driver = "virtual"
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "runs only with --demo") {
		t.Errorf("Validate: %v", err)
	}
}

// TestDemoConfigsLoad keeps the configurations `make demo` and `make soak`
// pass to `kiosk --demo` loadable.
func TestDemoConfigsLoad(t *testing.T) {
	for _, p := range []string{"../demo/demo.toml", "../demo/soak.toml"} {
		if _, err := LoadDemo(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
