package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/pinfile"
)

func write(t *testing.T, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExampleLoads(t *testing.T) {
	c, err := Load("../packaging/kiosk.toml")
	if err != nil {
		t.Fatalf("the annotated example must load: %v", err)
	}
	if c.RFID.AFIOnLoan != 0xC2 || c.RFID.AFISecured != 0x07 {
		t.Errorf("AFI = %#x/%#x", c.RFID.AFISecured, c.RFID.AFIOnLoan)
	}
	if c.Kiosk.IdleWarning.Duration != 20*time.Second {
		t.Errorf("idle_warning = %v", c.Kiosk.IdleWarning)
	}
	if c.Library.PayWhere["en"] == "" || c.Library.PayWhere["da"] == "" {
		t.Errorf("library.pay_where = %v, want a Danish and an English text", c.Library.PayWhere)
	}
	if c.Printer.Footers["en"] == "" {
		t.Errorf("printer.footers = %v", c.Printer.Footers)
	}
	if c.SIP2.Institution != "DK-799000" {
		t.Errorf("institution = %q", c.SIP2.Institution)
	}
	// Resending a checkout after a timeout lends twice on most library
	// systems: the example must keep it off.
	if c.SIP2.ResendUnsafeOnTimeout {
		t.Error("sip2.resend_unsafe_on_timeout is on in the example")
	}
	if c.RFID.USBEndpointIn != 0 || c.RFID.USBEndpointOut != 0 {
		t.Errorf("USB endpoints = %#x/%#x, want the defaults (0)", c.RFID.USBEndpointIn, c.RFID.USBEndpointOut)
	}
}

func TestNewKeysLoad(t *testing.T) {
	c, err := Load(write(t, "k.toml", "[sip2]\nresend_unsafe_on_timeout = true\n[rfid]\ndriver = \"feig-usb\"\nusb_endpoint_in = 0x82\nusb_endpoint_out = 0x01\n", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SIP2.ResendUnsafeOnTimeout {
		t.Error("sip2.resend_unsafe_on_timeout = true not read")
	}
	if c.RFID.USBEndpointIn != 0x82 || c.RFID.USBEndpointOut != 0x01 {
		t.Errorf("USB endpoints = %#x/%#x, want 0x82/0x01", c.RFID.USBEndpointIn, c.RFID.USBEndpointOut)
	}
	if d := Default(); d.SIP2.ResendUnsafeOnTimeout {
		t.Error("resend_unsafe_on_timeout defaults to true")
	}
}

func TestInvalidValuesNameKeyValueAndAllowed(t *testing.T) {
	cases := []struct {
		body, key, value, allowed string
	}{
		{"[sip2]\ntransport = \"telnet\"\n", "sip2.transport", `"telnet"`, "tcp, tls, fbs"},
		{"[printer]\ncolumns = 40\n", "printer.columns", "40", "32 (58 mm)"},
		{"[login]\npin_length = 2\n", "login.pin_length", "2", "4 to 8"},
		{"[kiosk]\nidle_timeout = \"5s\"\n", "kiosk.idle_timeout", "5s", "between 15s and 30m"},
		{"[sip2]\ntransport = \"fbs\"\nurl = \"http://x\"\n", "sip2.url", `"http://x"`, "https://"},
		{"[kiosk]\nlanguage = \"fr\"\n", "kiosk.language", `"fr"`, "da, en"},
		{"[rfid]\nafi_on_loan = 7\n", "rfid.afi_on_loan", "0x07", "different from rfid.afi_secured"},
		{"[printer.footers]\nfr = \"Merci\"\n", "printer.footers", `"fr"`, "da, en"},
		{"[library]\npay_where_in = { fr = \"Payez\" }\n", "library.pay_where_in", `"fr"`, "da, en"},
		{"[rfid]\nafi_secured = 0\n", "rfid.afi_secured", "0x00", "0x01–0xFF"},
		{"[rfid]\nafi_on_loan = 0x00\n", "rfid.afi_on_loan", "0x00", "0x01–0xFF"},
		{"[rfid]\nafi_secured = 0x100\n", "rfid.afi_secured", "0x100", "0x01–0xFF"},
		{"[rfid]\nusb_endpoint_in = 0x02\n", "rfid.usb_endpoint_in", "0x02", "0x81–0x8F"},
		{"[rfid]\nusb_endpoint_out = 0x81\n", "rfid.usb_endpoint_out", "0x81", "0x01–0x0F"},
	}
	for _, c := range cases {
		_, err := Load(write(t, "k.toml", c.body, 0o644))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: want *Error, got %v", c.body, err)
			continue
		}
		msg := err.Error()
		for _, want := range []string{c.key, c.value, c.allowed} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: error %q lacks %q", c.body, msg, want)
			}
		}
	}
}

func TestBadDurationAndUnknownKey(t *testing.T) {
	_, err := Load(write(t, "k.toml", "[kiosk]\nidle_timeout = \"soon\"\n", 0o644))
	if err == nil || !strings.Contains(err.Error(), "soon") {
		t.Errorf("bad duration: %v", err)
	}
	_, err = Load(write(t, "k.toml", "[sip2]\nadress = \"x:1\"\n", 0o644))
	if err == nil || !strings.Contains(err.Error(), "sip2.adress") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "pw")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "k.toml")
	if err := os.WriteFile(cfg, []byte("[sip2]\npassword_file = \"pw\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable secret must be refused, got %v", err)
	}
	if err := os.Chmod(secret, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP2.Password != "s3cret" {
		t.Errorf("password = %q", c.SIP2.Password)
	}
}

// TestRelativeFilesResolveAgainstTheConfigDir loads a configuration whose
// file paths are relative, from another working directory, and checks that
// the paths Load checked are the absolute ones it returns.
func TestRelativeFilesResolveAgainstTheConfigDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tls"), 0o700); err != nil {
		t.Fatal(err)
	}
	files := map[string]os.FileMode{"pw": 0o600, "tls/ca.pem": 0o644, "tls/client.pem": 0o644, "tls/client.key": 0o600,
		"logo.png": 0o644, "maint-pin": 0o600}
	for name, mode := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	// An absolute path elsewhere stays as it is.
	pinFile := write(t, "pin", "anna:"+testHash(t, "246810")+"\n", 0o600)
	body := `[sip2]
password_file = "pw"
[sip2.tls]
ca_file = "tls/ca.pem"
cert_file = "tls/client.pem"
key_file = "./tls/client.key"
[printer]
logo_file = "logo.png"
[maintenance]
pin_file = "` + pinFile + `"
`
	if err := os.WriteFile(filepath.Join(dir, "k.toml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// Load from another directory, by a relative path, as "kiosk -config
	// ../etc/k.toml" would.
	t.Chdir(t.TempDir())
	rel, err := filepath.Rel(mustGetwd(t), filepath.Join(dir, "k.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(rel)
	if err != nil {
		t.Fatal(err)
	}
	for key, got := range map[string]string{
		"sip2.password_file": c.SIP2.PasswordFile, "sip2.tls.ca_file": c.SIP2.TLS.CAFile,
		"sip2.tls.cert_file": c.SIP2.TLS.CertFile, "sip2.tls.key_file": c.SIP2.TLS.KeyFile,
		"printer.logo_file": c.Printer.LogoFile,
	} {
		if !filepath.IsAbs(got) {
			t.Errorf("%s = %q is not absolute", key, got)
			continue
		}
		if _, err := os.Stat(got); err != nil {
			t.Errorf("%s = %q does not name the file next to the config: %v", key, got, err)
		}
		if !strings.HasPrefix(got, dir+string(filepath.Separator)) {
			t.Errorf("%s = %q is not under %s", key, got, dir)
		}
	}
	if c.SIP2.TLS.KeyFile != filepath.Join(dir, "tls", "client.key") {
		t.Errorf("key_file = %q, want it cleaned", c.SIP2.TLS.KeyFile)
	}
	if c.Maintenance.PINFile != pinFile {
		t.Errorf("an absolute pin_file changed to %q", c.Maintenance.PINFile)
	}
	if c.SIP2.Password != "x" {
		t.Errorf("password = %q, want the one from pw", c.SIP2.Password)
	}

	// The key is checked where it is resolved: a world-readable one next to
	// the config is refused although the working directory has none.
	if err := os.Chmod(filepath.Join(dir, "tls", "client.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(rel); err == nil || !strings.Contains(err.Error(), "sip2.tls.key_file") {
		t.Errorf("world-readable key accepted: %v", err)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func TestUnsetFilesStayEmpty(t *testing.T) {
	c, err := Load(write(t, "k.toml", "", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP2.PasswordFile != "" || c.SIP2.TLS.CAFile != "" || c.SIP2.TLS.CertFile != "" || c.SIP2.TLS.KeyFile != "" ||
		c.Printer.LogoFile != "" || c.Maintenance.PINFile != "" {
		t.Errorf("an unset file key became a path: %+v %+v", c.SIP2, c.Printer)
	}
}

// testHash is a cheap argon2id hash of secret, so tests need not wait for
// the kiosk's real cost parameters.
func testHash(t *testing.T, secret string) string {
	t.Helper()
	h, err := pinfile.Hash([]byte(secret), pinfile.Params{Time: 1, Memory: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPINFileRefusedWithLineNumber: a hand-edited credential file with a
// bad line stops the kiosk at start, naming the line.
func TestPINFileRefusedWithLineNumber(t *testing.T) {
	pins := write(t, "pins", "# technicians\nanna:"+testHash(t, "2468")+"\nbo 1234\n", 0o600)
	cfg := write(t, "k.toml", "[maintenance]\npin_file = \""+pins+"\"\n", 0o644)
	_, err := Load(cfg)
	if err == nil || !strings.Contains(err.Error(), "maintenance.pin_file") || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("Load: %v, want maintenance.pin_file and line 3", err)
	}
	os.WriteFile(pins, []byte("anna:"+testHash(t, "2468")+"\n"), 0o600)
	os.Chmod(pins, 0o644)
	_, err = Load(cfg)
	if err == nil || !strings.Contains(err.Error(), "readable only by its owner") {
		t.Fatalf("Load of a world-readable file: %v", err)
	}
	os.Chmod(pins, 0o600)
	if _, err := Load(cfg); err != nil {
		t.Fatalf("Load of a good file: %v", err)
	}
}

// TestPlainTCPOnlyToLoopbackOrTrustedLAN: CPR numbers cross the SIP2 link,
// so plain TCP is refused off-site unless the file names the LAN as
// trusted, and TLS is the default.
func TestPlainTCPOnlyToLoopbackOrTrustedLAN(t *testing.T) {
	if d := Default(); d.SIP2.Transport != "tls" {
		t.Errorf("default sip2.transport = %q, want tls", d.SIP2.Transport)
	}
	c, err := Load("../packaging/kiosk.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP2.Transport != "tls" {
		t.Errorf("example sip2.transport = %q, want tls", c.SIP2.Transport)
	}
	ok := []string{
		"[sip2]\ntransport = \"tcp\"\naddress = \"127.0.0.1:6001\"\n",
		"[sip2]\ntransport = \"tcp\"\naddress = \"localhost:6001\"\n",
		"[sip2]\ntransport = \"tcp\"\naddress = \"[::1]:6001\"\n",
		"[sip2]\ntransport = \"tcp\"\naddress = \"10.20.3.4:6001\"\nplaintext_ok = [\"10.20.0.0/16\"]\n",
		"[sip2]\ntransport = \"tcp\"\naddress = \"192.168.1.9:6001\"\nplaintext_ok = [\"10.0.0.0/8\", \"192.168.1.9\"]\n",
		// TLS and FBS go anywhere.
		"[sip2]\ntransport = \"tls\"\naddress = \"sip2.example.dk:6002\"\n",
	}
	for _, body := range ok {
		if _, err := Load(write(t, "k.toml", body, 0o644)); err != nil {
			t.Errorf("%q refused: %v", body, err)
		}
	}
	bad := []struct{ body, want string }{
		{"[sip2]\ntransport = \"tcp\"\naddress = \"sip2.example.dk:6001\"\n",
			`config: sip2.transport = "tcp" is not valid: plain TCP sends CPR numbers and PINs unencrypted, so it is allowed only to loopback or an IP address of a trusted LAN, not to the host name "sip2.example.dk"; use "tls" or "fbs", or list the trusted LAN in sip2.plaintext_ok`},
		{"[sip2]\ntransport = \"tcp\"\naddress = \"10.21.3.4:6001\"\nplaintext_ok = [\"10.20.0.0/16\"]\n",
			`config: sip2.transport = "tcp" is not valid: plain TCP sends CPR numbers and PINs unencrypted, so it is allowed only to loopback or an address in sip2.plaintext_ok, and 10.21.3.4 is in neither; use "tls" or "fbs", or list the trusted LAN in sip2.plaintext_ok`},
		{"[sip2]\ntransport = \"tcp\"\naddress = \"192.0.2.7:6001\"\n",
			`and 192.0.2.7 is in neither`},
		{"[sip2]\ntransport = \"tcp\"\naddress = \"127.0.0.1:6001\"\nplaintext_ok = [\"10.0.0.0/33\", \"lan\"]\n",
			`config: sip2.plaintext_ok = "10.0.0.0/33" is not valid: networks in CIDR notation such as "10.0.0.0/8", or single IP addresses`},
	}
	for _, b := range bad {
		_, err := Load(write(t, "k.toml", b.body, 0o644))
		if err == nil {
			t.Errorf("%q accepted", b.body)
			continue
		}
		if !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q:\n got %v\nwant …%s", b.body, err, b.want)
		}
	}
	// The refusal comes with the file's other problems, not alone.
	_, err = Load(write(t, "k.toml", "[sip2]\ntransport = \"tcp\"\naddress = \"sip2.example.dk:6001\"\n[login]\npin_length = 2\n", 0o644))
	if lines := errorLines(err); len(lines) != 2 {
		t.Errorf("want 2 error lines, got %d: %v", len(lines), err)
	}
}

// kiosk.time_zone defaults to Copenhagen and must name a zone the compiled-in
// zone database knows.
func TestTimeZone(t *testing.T) {
	if loc, err := Default().Kiosk.Location(); err != nil || loc.String() != "Europe/Copenhagen" {
		t.Fatalf("default zone %v, %v", loc, err)
	}
	if _, err := Load(write(t, "k.toml", "[kiosk]\ntime_zone = \"Europe/Berlin\"\n", 0o644)); err != nil {
		t.Fatalf("Europe/Berlin refused: %v", err)
	}
	_, err := Load(write(t, "k.toml", "[kiosk]\ntime_zone = \"Europe/Kobenhavn\"\n", 0o644))
	want := `config: kiosk.time_zone = "Europe/Kobenhavn" is not valid: an IANA time zone such as "Europe/Copenhagen"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Load: %v, want %s", err, want)
	}
}
