// Package config loads the kiosk's one TOML file, fills in defaults that suit
// a Danish public library, and validates every value at start, so that a
// mistake stops the kiosk with an error naming the key, the bad value and what
// is allowed, instead of failing later in front of a patron.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // kiosk.time_zone works without the OS zone database

	"github.com/BurntSushi/toml"

	"github.com/danbib/kiosk/pinfile"
)

// Config is the whole configuration file.
type Config struct {
	Kiosk       Kiosk       `toml:"kiosk"`
	Library     Library     `toml:"library"`
	SIP2        SIP2        `toml:"sip2"`
	Login       Login       `toml:"login"`
	Loans       Loans       `toml:"loans"`
	Returns     Returns     `toml:"returns"`
	RFID        RFID        `toml:"rfid"`
	Printer     Printer     `toml:"printer"`
	Scanner     Scanner     `toml:"scanner"`
	Maintenance Maintenance `toml:"maintenance"`
	Screen      Screen      `toml:"screen"`
	Metrics     Metrics     `toml:"metrics"`
	Control     Control     `toml:"control"`
	Hours       Hours       `toml:"hours"`
	Update      Update      `toml:"update"`
	Sound       Sound       `toml:"sound"`
	USB         USB         `toml:"usb"`
	Display     Display     `toml:"display"`
}

// Control configures the control socket kioskctl talks to (package control).
type Control struct {
	// Socket is the Unix socket's path; "" turns the socket off. The demo
	// always uses control.sock in its state directory instead.
	Socket string `toml:"socket"`
	// Group owns the socket (mode 0660): its members may use kioskctl's
	// status, out-of-order, queue forward, journal settle, print-test and
	// reload. "" keeps the kiosk's own group.
	Group string `toml:"group"`
	// AllowUIDs, when not empty, are the only user ids served, checked
	// with the kernel's peer credentials whatever the socket's mode allows.
	AllowUIDs []int `toml:"allow_uids"`
}

// Kiosk holds settings of the machine itself.
type Kiosk struct {
	ID          string   `toml:"id"`           // names the kiosk in the offline queue and logs; never a person
	StateDir    string   `toml:"state_dir"`    // offline queue and in-flight journal
	LogLevel    string   `toml:"log_level"`    // debug, info, warn, error
	Language    string   `toml:"language"`     // default language of a session
	Languages   []string `toml:"languages"`    // languages offered on the welcome screen
	IdleTimeout Duration `toml:"idle_timeout"` // a session ends after this much inactivity
	IdleWarning Duration `toml:"idle_warning"` // the warning shows this long before the end
	Greeting    string   `toml:"greeting"`     // "first-name" or "none"
	// TimeZone is the IANA zone the kiosk lives in. SIP2 dates go out in
	// its local time with a blank zone field, as the spec wants, and due
	// dates are read and shown in it, whatever zone the machine is set to.
	TimeZone string `toml:"time_zone"`
}

// Location loads the kiosk's time zone. The zone database is compiled into
// the binary (time/tzdata), so a minimal image without tzdata works too.
func (k Kiosk) Location() (*time.Location, error) {
	if k.TimeZone == "" || k.TimeZone == "Local" {
		return nil, fmt.Errorf("config: kiosk.time_zone %q: name a zone", k.TimeZone)
	}
	loc, err := time.LoadLocation(k.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("config: kiosk.time_zone: %w", err)
	}
	return loc, nil
}

// Library describes the library the kiosk stands in.
type Library struct {
	Name      string   `toml:"name"`
	Branch    string   `toml:"branch"`
	HomeISILs []string `toml:"home_isils"` // owners whose items count as the library's own
	PayWhere  Text     `toml:"pay_where"`  // where patrons pay fees, shown on the account screen
	// PayWhereIn gives pay_where per language (da, en, …), as before
	// pay_where could be a table; Load adds it to PayWhere.
	PayWhereIn map[string]string `toml:"pay_where_in"`
}

// SIP2 is the connection to the library system.
type SIP2 struct {
	Transport string `toml:"transport"` // tls (the default), fbs, or tcp to loopback or a trusted LAN
	// PlaintextOK lists the networks (CIDRs such as "10.0.0.0/8", or
	// single IP addresses) to which transport = "tcp" may connect besides
	// loopback. Plain TCP carries CPR numbers and PINs in clear text, so
	// it is refused for any other address and for every host name but
	// "localhost": a name's address can change under the kiosk.
	PlaintextOK    []string `toml:"plaintext_ok"`
	Address        string   `toml:"address"`       // host:port for tcp and tls
	URL            string   `toml:"url"`           // FBS base URL, e.g. https://et.cicero-fbs.com
	Institution    string   `toml:"institution"`   // AO, an ISIL such as DK-775100
	User           string   `toml:"user"`          // CN, or the FBS login attribute
	Password       string   `toml:"password"`      // CO; prefer password_file
	PasswordFile   string   `toml:"password_file"` // a file readable only by the owner
	Location       string   `toml:"location"`      // CP and the checkin AP
	Charset        string   `toml:"charset"`       // utf-8, cp850 or iso-8859-1
	ErrorDetection bool     `toml:"error_detection"`
	Timeout        Duration `toml:"timeout"`   // deadline of one request
	Keepalive      Duration `toml:"keepalive"` // 99 interval; 0 turns keepalive off
	Retries        int      `toml:"retries"`   // resends of identical bytes after a read timeout
	PoolSize       int      `toml:"pool_size"` // parallel connections, where the library system allows it
	// ResendUnsafeOnTimeout lets the client resend a checkout, renew or
	// checkin after a read timeout. Only safe with an ACS that drops a
	// repeat by its AY/AZ (FOLIO edge-sip2); Koha would lend twice.
	ResendUnsafeOnTimeout bool `toml:"resend_unsafe_on_timeout"`
	TLS                   TLS  `toml:"tls"`
}

// TLS configures the tls transport and the FBS HTTPS client.
type TLS struct {
	CAFile     string `toml:"ca_file"`     // pin a CA instead of the system roots
	CertFile   string `toml:"cert_file"`   // optional client certificate
	KeyFile    string `toml:"key_file"`    // its key, readable only by the owner
	ServerName string `toml:"server_name"` // host name to verify, when it differs from the address
}

// Login configures patron identification and PIN throttling.
type Login struct {
	PINLength        int      `toml:"pin_length"`
	MaxWrongPINs     int      `toml:"max_wrong_pins"`      // wrong PINs before a card is locked at this kiosk
	Lockout          Duration `toml:"lockout"`             // how long a locked card stays locked
	BlockPatronAfter int      `toml:"block_patron_after"`  // send SIP2 01 Block Patron after this many; 0 = never
	BlockWindow      Duration `toml:"block_patron_window"` // how long wrong PINs count towards block_patron_after, across locks
	CardPatterns     []string `toml:"card_patterns"`       // regular expressions for library card numbers; empty = the built-in Danish ones
	UseStatusMessage string   `toml:"use_status_message"`  // "23" (patron status) or "63" (patron information)
}

// Loans configures checkout.
type Loans struct {
	AlreadyLent  string `toml:"already_lent"`  // "renew" or "refuse" an item the patron already has
	OtherLibrary string `toml:"other_library"` // "lend", "refuse" or "staff" for items owned elsewhere
}

// Returns configures checkin and the offline queue.
type Returns struct {
	Offline  bool            `toml:"offline"`   // accept returns while the library system is down
	QueueMax int             `toml:"queue_max"` // a full queue puts the kiosk out of order
	SortBins map[string]Text `toml:"sort_bins"` // CL sort bin → the bin's name, shown in "Put the item in bin …"
	// HoldShelf, StaffDesk and DefaultShelf are the library's own
	// instruction for a returned item that is on hold here, that goes to
	// staff, and an ordinary return; empty keeps the kiosk's catalog
	// sentence, which is translated into every language.
	HoldShelf    Text `toml:"hold_shelf"`
	StaffDesk    Text `toml:"staff_desk"`
	DefaultShelf Text `toml:"default_shelf"`
}

// RFID configures the reader.
type RFID struct {
	Driver        string   `toml:"driver"`         // feig-serial, feig-usb or virtual
	SerialPort    string   `toml:"serial_port"`    // for feig-serial
	Baud          int      `toml:"baud"`           // for feig-serial
	USB           string   `toml:"usb"`            // VID:PID for feig-usb
	AFISecured    int      `toml:"afi_secured"`    // AFI in the library (alarm armed)
	AFIOnLoan     int      `toml:"afi_on_loan"`    // AFI on loan
	ConfirmRounds int      `toml:"confirm_rounds"` // rounds a tag must be seen before it counts
	PollInterval  Duration `toml:"poll_interval"`
	WriteRetries  int      `toml:"write_retries"`
	AcceptBadCRC  bool     `toml:"accept_bad_crc"` // accept legacy tags whose CRC is wrong
	// USBEndpointIn and USBEndpointOut are the bulk endpoint addresses of a
	// feig-usb reader (e.g. 0x81 and 0x02); 0 takes the first of each
	// direction, which suits the FEIG readers seen so far.
	USBEndpointIn  int `toml:"usb_endpoint_in"`
	USBEndpointOut int `toml:"usb_endpoint_out"`
}

// Printer configures receipts.
type Printer struct {
	Driver   string `toml:"driver"`    // usb, virtual or none
	USB      string `toml:"usb"`       // VID:PID; empty = the first printer-class device
	Columns  int    `toml:"columns"`   // 32, 42 or 48
	Policy   string `toml:"policy"`    // always, ask, never or timeout
	LogoFile string `toml:"logo_file"` // optional PNG
	Footer   Text   `toml:"footer"`    // last lines of every receipt
	// Footers gives the footer per language (da, en, …), as before footer
	// could be a table; Load adds it to Footer.
	Footers         map[string]string `toml:"footers"`
	PrintPatronName bool              `toml:"print_patron_name"` // first name on the receipt; off by default
	Code            string            `toml:"code"`              // code128 or qr for the transaction reference
}

// Scanner configures patron identification input.
type Scanner struct {
	USB          string   `toml:"usb"`           // VID:PID of a HID scanner read directly; empty = keystrokes from the UI
	KeystrokeGap Duration `toml:"keystroke_gap"` // keys closer than this count as a scan
}

// Maintenance configures the technician mode.
type Maintenance struct {
	PINFile string   `toml:"pin_file"` // the technicians' credentials (name:argon2id lines), readable only by the owner
	Idle    Duration `toml:"idle"`     // maintenance mode ends after this much inactivity
	// AuditKeepDays is how many days of the audit log are kept.
	AuditKeepDays int `toml:"audit_keep_days"`
}

// Metrics configures the Prometheus listener (/metrics and /healthz).
type Metrics struct {
	// Listen is the listener's host:port; empty (the default) serves no
	// metrics.
	Listen string `toml:"listen"`
	// CertFile and KeyFile are the listener's TLS certificate and key;
	// ClientCAFile pins the CA whose client certificates may scrape. TLS
	// takes all three.
	CertFile     string `toml:"cert_file"`
	KeyFile      string `toml:"key_file"` // readable only by the owner
	ClientCAFile string `toml:"client_ca_file"`
	// InsecureOK allows a listener that is not on loopback without TLS:
	// anyone who reaches the port can read the metrics (no patron data, but
	// the kiosk's state).
	InsecureOK bool `toml:"insecure_ok"`
}

// TLS reports whether the metrics listener is configured with TLS.
func (m Metrics) TLS() bool { return m.CertFile != "" || m.KeyFile != "" || m.ClientCAFile != "" }

// Duration is a time.Duration written as "30s", "15m" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"30s\" or \"15m\"", string(b))
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back as text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Default returns the configuration a Danish public library would start from:
// the demo library on the local simulator, every knob at a safe value.
func Default() Config {
	return Config{
		Kiosk: Kiosk{
			ID: "kiosk-1", StateDir: "/var/lib/kiosk", LogLevel: "info",
			Language: "da", Languages: []string{"da", "en", "de", "sv", "uk", "pl", "tr"},
			IdleTimeout: Duration{60 * time.Second}, IdleWarning: Duration{20 * time.Second},
			Greeting: "first-name", TimeZone: "Europe/Copenhagen",
		},
		Library: Library{Name: "Demobiblioteket", Branch: "Hovedbiblioteket", HomeISILs: []string{"DK-799000"},
			PayWhere: Text{"da": "Betal på bibliotek.dk eller i skranken", "en": "Pay at bibliotek.dk or at the desk"}},
		SIP2: SIP2{
			Transport: "tls", Address: "127.0.0.1:6002", Institution: "DK-799000",
			User: "kiosk", Password: "kiosk", Location: "Hovedbiblioteket", Charset: "utf-8",
			ErrorDetection: true, Timeout: Duration{10 * time.Second}, Keepalive: Duration{60 * time.Second},
			Retries: 2, PoolSize: 3,
		},
		Login: Login{PINLength: 4, MaxWrongPINs: 3, Lockout: Duration{15 * time.Minute}, BlockWindow: Duration{24 * time.Hour},
			UseStatusMessage: "23"},
		Loans:   Loans{AlreadyLent: "renew", OtherLibrary: "lend"},
		Returns: Returns{Offline: true, QueueMax: 500},
		RFID: RFID{Driver: "feig-serial", SerialPort: "/dev/ttyUSB0", Baud: 38400, USB: "0ab1:0002",
			AFISecured: 0x07, AFIOnLoan: 0xC2, ConfirmRounds: 2, PollInterval: Duration{150 * time.Millisecond}, WriteRetries: 3},
		Printer:     Printer{Driver: "usb", Columns: 42, Policy: "ask", Code: "code128"},
		Scanner:     Scanner{KeystrokeGap: Duration{50 * time.Millisecond}},
		Maintenance: Maintenance{Idle: Duration{2 * time.Minute}, AuditKeepDays: 90},
		Screen:      Screen{Contrast: "standard"},
		Control:     Control{Socket: "/run/kiosk/control.sock"},
		Update:      defaultUpdate(),
		Sound:       Sound{Volume: 0.5},
	}
}

// Error is one invalid setting.
type Error struct {
	Key     string // dotted TOML key, e.g. "sip2.transport"
	Value   any    // what the file said
	Allowed string // what would be accepted
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s = %v is not valid: %s", e.Key, quote(e.Value), e.Allowed)
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

// Load reads, defaults and validates the file at path for the kiosk proper,
// whose devices are real: the demo's simulated RFID pad is refused. Secrets
// named by *_file keys are read or checked here, and refused when others can
// read them or when they are empty. Every *_file path that is relative is
// taken relative to the directory of the file at path, and the returned
// Config holds it as an absolute path, so that the kiosk later opens the very
// file Load checked, whatever its working directory.
//
// Every problem found is reported at once (errors.Join, one per line), so a
// technician fixes the file in one go instead of one restart per mistake.
// Only a syntax error stops early, since nothing after it can be read.
func Load(path string) (Config, error) { return load(path, false) }

// LoadDemo is Load for `kiosk --demo`, which brings its own simulated
// devices and so also accepts rfid.driver = "virtual".
func LoadDemo(path string) (Config, error) { return load(path, true) }

func load(path string, demo bool) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return Config{}, syntaxError(path, data, err)
	}
	c := Default()
	errs := checkKeys(path, md, raw, demo)
	if err := decodeChecked(raw, &c); err != nil {
		return Config{}, fmt.Errorf("config: %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %s: %w", path, err)
	}
	base := filepath.Dir(abs)
	for _, p := range []*string{&c.SIP2.PasswordFile, &c.SIP2.TLS.CAFile, &c.SIP2.TLS.CertFile,
		&c.SIP2.TLS.KeyFile, &c.Printer.LogoFile, &c.Maintenance.PINFile,
		&c.Metrics.CertFile, &c.Metrics.KeyFile, &c.Metrics.ClientCAFile, &c.Screen.LogoFile} {
		*p = resolve(base, *p)
	}
	c.Library.PayWhere = c.Library.PayWhere.with(c.Library.PayWhereIn)
	c.Printer.Footer = c.Printer.Footer.with(c.Printer.Footers)
	c.Update.resolve(base)
	errs = append(errs, c.readSecrets()...)
	errs = append(errs, c.validate(demo)...)
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// readSecrets reads the SIP2 password from its file and checks the other
// secret files, returning one error per bad file.
func (c *Config) readSecrets() []error {
	var errs []error
	if c.SIP2.PasswordFile != "" {
		pw, err := ReadSecret(c.SIP2.PasswordFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("config: sip2.password_file: %w", err))
		}
		c.SIP2.Password = pw
	}
	if c.SIP2.TLS.KeyFile != "" {
		if err := checkSecretFile(c.SIP2.TLS.KeyFile); err != nil {
			errs = append(errs, fmt.Errorf("config: sip2.tls.key_file: %w", err))
		}
	}
	if c.Metrics.KeyFile != "" {
		if err := checkSecretFile(c.Metrics.KeyFile); err != nil {
			errs = append(errs, fmt.Errorf("config: metrics.key_file: %w", err))
		}
	}
	if c.Maintenance.PINFile != "" {
		// The mode and emptiness first, with the same words as the other
		// secrets; then every line, so a hand-edited file is refused at
		// start with the line that is wrong rather than at the first
		// technician's visit.
		if _, err := ReadSecret(c.Maintenance.PINFile); err != nil {
			errs = append(errs, fmt.Errorf("config: maintenance.pin_file: %w", err))
		} else if _, err := pinfile.Load(c.Maintenance.PINFile); err != nil {
			errs = append(errs, fmt.Errorf("config: maintenance.pin_file: %w", err))
		}
	}
	return errs
}

// resolve makes p absolute against base. An empty p stays empty, since it
// means "not configured".
func resolve(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// ReadSecret reads a one-line secret from a file that only its owner may
// read. An empty file is refused: it is a secret that was never written (a
// half-done provisioning step), and an empty SIP2 password would only show
// up later as a login the library system refuses.
func ReadSecret(path string) (string, error) {
	if err := checkSecretFile(path); err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	secret := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(secret) == "" {
		return "", fmt.Errorf("%s is empty; it must hold the secret on its first line", path)
	}
	return secret, nil
}

// checkSecretFile refuses a secret file that others can read, or that is
// empty.
func checkSecretFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s has mode %04o; a secret must be readable only by its owner (chmod 600)", path, fi.Mode().Perm())
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%s is empty; it must hold the secret", path)
	}
	return nil
}

var (
	isilRe   = regexp.MustCompile(`^[A-Z]{2}-[A-Za-z0-9:/-]{1,11}$`)
	vidpidRe = regexp.MustCompile(`^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$`)
	groupRe  = regexp.MustCompile(`^([a-z_][a-z0-9_-]{0,31}|[0-9]+)$`)
)

// Validate checks every value for the kiosk proper (the demo's virtual
// RFID pad is refused) and returns every problem found, in file order, each
// an *Error, joined by errors.Join; nil when all is well.
func (c *Config) Validate() error { return errors.Join(c.validate(false)...) }

// validate returns one *Error per invalid value. demo says the simulated
// devices of `kiosk --demo` stand in for the real ones.
func (c *Config) validate(demo bool) []error {
	oneOf := func(key, v string, allowed ...string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return &Error{key, v, "one of " + strings.Join(allowed, ", ")}
	}
	type check func() error
	checks := []check{
		func() error {
			if c.Kiosk.ID == "" || strings.ContainsAny(c.Kiosk.ID, "|\r\n") {
				return &Error{"kiosk.id", c.Kiosk.ID, "a non-empty name without | or line breaks"}
			}
			return nil
		},
		func() error {
			if c.Kiosk.StateDir == "" || !filepath.IsAbs(c.Kiosk.StateDir) {
				return &Error{"kiosk.state_dir", c.Kiosk.StateDir, "an absolute directory path"}
			}
			return nil
		},
		func() error { return oneOf("kiosk.log_level", c.Kiosk.LogLevel, "debug", "info", "warn", "error") },
		func() error {
			if _, err := c.Kiosk.Location(); err != nil {
				return &Error{"kiosk.time_zone", c.Kiosk.TimeZone, `an IANA time zone such as "Europe/Copenhagen"`}
			}
			return nil
		},
		func() error {
			return oneOf("kiosk.language", c.Kiosk.Language, "da", "en", "de", "sv", "uk", "pl", "tr")
		},
		func() error {
			for l := range c.Library.PayWhereIn {
				if err := oneOf("library.pay_where_in", l, "da", "en", "de", "sv", "uk", "pl", "tr"); err != nil {
					return err
				}
			}
			return nil
		},
		func() error {
			for l := range c.Printer.Footers {
				if err := oneOf("printer.footers", l, "da", "en", "de", "sv", "uk", "pl", "tr"); err != nil {
					return err
				}
			}
			return nil
		},
		func() error {
			for _, l := range c.Kiosk.Languages {
				if err := oneOf("kiosk.languages", l, "da", "en", "de", "sv", "uk", "pl", "tr"); err != nil {
					return err
				}
			}
			return nil
		},
		func() error {
			if c.Kiosk.IdleTimeout.Duration < 15*time.Second || c.Kiosk.IdleTimeout.Duration > 30*time.Minute {
				return &Error{"kiosk.idle_timeout", c.Kiosk.IdleTimeout, "between 15s and 30m"}
			}
			return nil
		},
		func() error {
			if c.Kiosk.IdleWarning.Duration <= 0 || c.Kiosk.IdleWarning.Duration >= c.Kiosk.IdleTimeout.Duration {
				return &Error{"kiosk.idle_warning", c.Kiosk.IdleWarning, "more than 0s and less than kiosk.idle_timeout"}
			}
			return nil
		},
		func() error {
			// The idle warning shows 30 s before the end: an idle time
			// shorter than a minute would leave the technician no time.
			if c.Maintenance.Idle.Duration < time.Minute || c.Maintenance.Idle.Duration > 30*time.Minute {
				return &Error{"maintenance.idle", c.Maintenance.Idle, "between 1m and 30m"}
			}
			return nil
		},
		func() error {
			if c.Maintenance.AuditKeepDays < 1 || c.Maintenance.AuditKeepDays > 3650 {
				return &Error{"maintenance.audit_keep_days", c.Maintenance.AuditKeepDays, "1 to 3650 days"}
			}
			return nil
		},
		func() error { return oneOf("kiosk.greeting", c.Kiosk.Greeting, "first-name", "none") },
		func() error {
			if c.Library.Name == "" {
				return &Error{"library.name", c.Library.Name, "the library's name as printed on receipts"}
			}
			return nil
		},
		func() error {
			for _, i := range c.Library.HomeISILs {
				if !isilRe.MatchString(i) {
					return &Error{"library.home_isils", i, "ISIL codes such as \"DK-775100\""}
				}
			}
			return nil
		},
		func() error { return oneOf("sip2.transport", c.SIP2.Transport, "tcp", "tls", "fbs") },
		func() error {
			if c.SIP2.Transport == "fbs" {
				if !strings.HasPrefix(c.SIP2.URL, "https://") {
					return &Error{"sip2.url", c.SIP2.URL, "an https:// base URL of the FBS SIP2 service (plain http is refused)"}
				}
				return nil
			}
			if _, _, err := net.SplitHostPort(c.SIP2.Address); err != nil {
				return &Error{"sip2.address", c.SIP2.Address, "host:port, e.g. \"sip2.example.dk:6001\""}
			}
			return nil
		},
		func() error {
			for _, n := range c.SIP2.PlaintextOK {
				if _, err := parseNet(n); err != nil {
					return &Error{"sip2.plaintext_ok", n, "networks in CIDR notation such as \"10.0.0.0/8\", or single IP addresses"}
				}
			}
			return nil
		},
		func() error {
			if c.SIP2.Transport != "tcp" {
				return nil
			}
			if err := PlaintextAllowed(c.SIP2.Address, c.SIP2.PlaintextOK); err != nil {
				return &Error{"sip2.transport", c.SIP2.Transport, err.Error() + "; use \"tls\" or \"fbs\", or list the trusted LAN in sip2.plaintext_ok"}
			}
			return nil
		},
		func() error {
			if !isilRe.MatchString(c.SIP2.Institution) && c.SIP2.Institution == "" {
				return &Error{"sip2.institution", c.SIP2.Institution, "the institution id (AO), for FBS an ISIL such as \"DK-775100\""}
			}
			if c.SIP2.Transport == "fbs" && !isilRe.MatchString(c.SIP2.Institution) {
				return &Error{"sip2.institution", c.SIP2.Institution, "FBS only accepts an ISIL such as \"DK-775100\""}
			}
			return nil
		},
		func() error {
			if c.SIP2.User == "" {
				return &Error{"sip2.user", c.SIP2.User, "the SIP2 login user of this kiosk"}
			}
			return nil
		},
		func() error { return oneOf("sip2.charset", c.SIP2.Charset, "utf-8", "cp850", "iso-8859-1") },
		func() error {
			if c.SIP2.Timeout.Duration < time.Second || c.SIP2.Timeout.Duration > 2*time.Minute {
				return &Error{"sip2.timeout", c.SIP2.Timeout, "between 1s and 2m"}
			}
			return nil
		},
		func() error {
			if c.SIP2.Keepalive.Duration != 0 && c.SIP2.Keepalive.Duration < 5*time.Second {
				return &Error{"sip2.keepalive", c.SIP2.Keepalive, "0s (off) or at least 5s"}
			}
			return nil
		},
		func() error {
			if c.SIP2.Retries < 0 || c.SIP2.Retries > 9 {
				return &Error{"sip2.retries", c.SIP2.Retries, "0 to 9"}
			}
			return nil
		},
		func() error {
			if c.SIP2.PoolSize < 1 || c.SIP2.PoolSize > 8 {
				return &Error{"sip2.pool_size", c.SIP2.PoolSize, "1 to 8 connections"}
			}
			return nil
		},
		func() error {
			if (c.SIP2.TLS.CertFile == "") != (c.SIP2.TLS.KeyFile == "") {
				return &Error{"sip2.tls.cert_file", c.SIP2.TLS.CertFile, "set together with sip2.tls.key_file, or neither"}
			}
			return nil
		},
		func() error {
			if c.Login.PINLength < 4 || c.Login.PINLength > 8 {
				return &Error{"login.pin_length", c.Login.PINLength, "4 to 8 digits"}
			}
			return nil
		},
		func() error {
			if c.Login.MaxWrongPINs < 1 || c.Login.MaxWrongPINs > 10 {
				return &Error{"login.max_wrong_pins", c.Login.MaxWrongPINs, "1 to 10"}
			}
			return nil
		},
		func() error {
			if c.Login.Lockout.Duration < time.Minute || c.Login.Lockout.Duration > 24*time.Hour {
				return &Error{"login.lockout", c.Login.Lockout, "between 1m and 24h"}
			}
			return nil
		},
		func() error {
			if c.Login.BlockPatronAfter != 0 && c.Login.BlockPatronAfter < c.Login.MaxWrongPINs {
				return &Error{"login.block_patron_after", c.Login.BlockPatronAfter, "0 (never) or at least login.max_wrong_pins"}
			}
			return nil
		},
		func() error {
			if c.Login.BlockWindow.Duration < time.Minute || c.Login.BlockWindow.Duration > 24*time.Hour {
				return &Error{"login.block_patron_window", c.Login.BlockWindow, "between 1m and 24h"}
			}
			return nil
		},
		func() error {
			for _, p := range c.Login.CardPatterns {
				if _, err := regexp.Compile(p); err != nil {
					return &Error{"login.card_patterns", p, "regular expressions (Go syntax): " + err.Error()}
				}
			}
			return nil
		},
		func() error { return oneOf("login.use_status_message", c.Login.UseStatusMessage, "23", "63") },
		func() error { return oneOf("loans.already_lent", c.Loans.AlreadyLent, "renew", "refuse") },
		func() error { return oneOf("loans.other_library", c.Loans.OtherLibrary, "lend", "refuse", "staff") },
		func() error {
			if c.Returns.QueueMax < 1 || c.Returns.QueueMax > 100000 {
				return &Error{"returns.queue_max", c.Returns.QueueMax, "1 to 100000 entries"}
			}
			return nil
		},
		func() error {
			if demo {
				return oneOf("rfid.driver", c.RFID.Driver, "feig-serial", "feig-usb", "virtual")
			}
			// The virtual pad lives inside the demo; outside it the kiosk
			// would only retry "cannot run outside the demo" for ever.
			if c.RFID.Driver == "virtual" {
				return &Error{"rfid.driver", c.RFID.Driver, "feig-serial or feig-usb; \"virtual\" is the demo's simulated pad and runs only with --demo"}
			}
			return oneOf("rfid.driver", c.RFID.Driver, "feig-serial", "feig-usb")
		},
		func() error {
			if c.RFID.Driver == "feig-usb" && !vidpidRe.MatchString(c.RFID.USB) {
				return &Error{"rfid.usb", c.RFID.USB, "VID:PID in hex, e.g. \"0ab1:0002\""}
			}
			return nil
		},
		func() error {
			// 0x00 is refused because the reader driver reads an AFI of 0
			// as "use the default", so a configured 0 would silently
			// become 0x07 or 0xC2.
			if c.RFID.AFISecured < 1 || c.RFID.AFISecured > 0xFF {
				return &Error{"rfid.afi_secured", fmt.Sprintf("0x%02X", c.RFID.AFISecured), "a byte 0x01–0xFF (0x00 would mean the default 0x07)"}
			}
			return nil
		},
		func() error {
			if c.RFID.AFIOnLoan < 1 || c.RFID.AFIOnLoan > 0xFF || c.RFID.AFISecured == c.RFID.AFIOnLoan {
				return &Error{"rfid.afi_on_loan", fmt.Sprintf("0x%02X", c.RFID.AFIOnLoan), "a byte 0x01–0xFF (0x00 would mean the default 0xC2) different from rfid.afi_secured"}
			}
			return nil
		},
		func() error {
			// An IN endpoint address has bit 7 set; endpoint 0 is the
			// control endpoint and cannot carry the reader's frames.
			if e := c.RFID.USBEndpointIn; e != 0 && (e < 0x81 || e > 0x8F) {
				return &Error{"rfid.usb_endpoint_in", fmt.Sprintf("0x%02X", e), "0 (the first IN endpoint) or an IN endpoint address 0x81–0x8F"}
			}
			if e := c.RFID.USBEndpointOut; e != 0 && (e < 0x01 || e > 0x0F) {
				return &Error{"rfid.usb_endpoint_out", fmt.Sprintf("0x%02X", e), "0 (the first OUT endpoint) or an OUT endpoint address 0x01–0x0F"}
			}
			return nil
		},
		func() error {
			if c.RFID.ConfirmRounds < 1 || c.RFID.ConfirmRounds > 10 {
				return &Error{"rfid.confirm_rounds", c.RFID.ConfirmRounds, "1 to 10"}
			}
			return nil
		},
		func() error {
			if c.RFID.PollInterval.Duration < 20*time.Millisecond || c.RFID.PollInterval.Duration > 5*time.Second {
				return &Error{"rfid.poll_interval", c.RFID.PollInterval, "between 20ms and 5s"}
			}
			return nil
		},
		func() error {
			if c.RFID.WriteRetries < 0 || c.RFID.WriteRetries > 10 {
				return &Error{"rfid.write_retries", c.RFID.WriteRetries, "0 to 10"}
			}
			return nil
		},
		func() error { return oneOf("printer.driver", c.Printer.Driver, "usb", "virtual", "none") },
		func() error {
			if c.Printer.USB != "" && !vidpidRe.MatchString(c.Printer.USB) {
				return &Error{"printer.usb", c.Printer.USB, "VID:PID in hex, e.g. \"04b8:0e03\", or empty for the first printer-class device"}
			}
			return nil
		},
		func() error {
			if c.Printer.Columns != 32 && c.Printer.Columns != 42 && c.Printer.Columns != 48 {
				return &Error{"printer.columns", c.Printer.Columns, "32 (58 mm), 42 (80 mm, 512 dots) or 48 (80 mm, 576 dots)"}
			}
			return nil
		},
		func() error { return oneOf("printer.policy", c.Printer.Policy, "always", "ask", "never", "timeout") },
		func() error { return oneOf("printer.code", c.Printer.Code, "code128", "qr") },
		func() error {
			if c.Scanner.USB != "" && !vidpidRe.MatchString(c.Scanner.USB) {
				return &Error{"scanner.usb", c.Scanner.USB, "VID:PID in hex, e.g. \"05f9:2206\", or empty to read keystrokes"}
			}
			return nil
		},
		func() error { return c.Metrics.check() },
		func() error {
			if g := c.Scanner.KeystrokeGap.Duration; g < 5*time.Millisecond || g > 500*time.Millisecond {
				return &Error{"scanner.keystroke_gap", c.Scanner.KeystrokeGap, "between 5ms and 500ms"}
			}
			return nil
		},
	}
	checks = append(checks,
		func() error {
			// A Unix socket's path has room for 107 bytes.
			if p := c.Control.Socket; p != "" && (!filepath.IsAbs(p) || len(p) > 107) {
				return &Error{"control.socket", p, "an absolute path of at most 107 bytes, or \"\" for no control socket"}
			}
			return nil
		},
		func() error {
			if g := c.Control.Group; g != "" && !groupRe.MatchString(g) {
				return &Error{"control.group", g, "a group name or a numeric gid"}
			}
			return nil
		},
		func() error {
			for _, u := range c.Control.AllowUIDs {
				if u < 0 {
					return &Error{"control.allow_uids", u, "user ids, 0 or more"}
				}
			}
			return nil
		},
	)
	var errs []error
	for _, ch := range checks {
		if err := ch(); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, c.USB.validate()...)
	errs = append(errs, c.Display.validate()...)
	errs = append(errs, c.Hours.validate()...)
	errs = append(errs, c.Update.validate()...)
	errs = append(errs, c.Sound.validate()...)
	errs = append(errs, c.checkTexts()...)
	return append(errs, c.validateScreen()...)
}

// check validates the metrics listener: a host:port, TLS with all three
// files or none, and TLS (or insecure_ok) off loopback.
func (m Metrics) check() error {
	if m.Listen == "" {
		if m.TLS() {
			return &Error{"metrics.listen", m.Listen, "a host:port such as \"0.0.0.0:9464\" when metrics.cert_file, key_file or client_ca_file is set"}
		}
		return nil
	}
	host, port, err := net.SplitHostPort(m.Listen)
	if err != nil || port == "" {
		return &Error{"metrics.listen", m.Listen, "a host:port such as \"127.0.0.1:9464\" or \"0.0.0.0:9464\", or empty for no metrics"}
	}
	if m.TLS() && (m.CertFile == "" || m.KeyFile == "" || m.ClientCAFile == "") {
		return &Error{"metrics.cert_file", m.CertFile, "TLS needs metrics.cert_file, metrics.key_file and metrics.client_ca_file (the CA of the scrapers' client certificates) together"}
	}
	if !m.TLS() && !m.InsecureOK && !LoopbackHost(host) {
		return &Error{"metrics.listen", m.Listen, "an address that is not on loopback needs TLS with client certificates (metrics.cert_file, key_file, client_ca_file), or metrics.insecure_ok = true to serve it in the clear"}
	}
	return nil
}

// LoopbackHost reports whether host (of a host:port) is "localhost" or a
// loopback IP address. An empty host or an unspecified address listens on
// every interface, so it is not loopback.
func LoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// PlaintextAllowed says whether plain TCP may carry SIP2 to addr
// (host:port): it may to loopback ("localhost" or a loopback IP) and to an
// IP address inside one of the trusted networks, which are CIDRs or single
// IP addresses. Every other host name is refused rather than resolved,
// since whoever answers for the name later need not be on the trusted LAN.
// The error says why, without the "config:" prefix, so that both the
// configuration and kioskctl can word it as theirs.
func PlaintextAllowed(addr string, trusted []string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("plain TCP needs a host:port address, not %q", addr)
	}
	if LoopbackHost(host) {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("plain TCP sends CPR numbers and PINs unencrypted, so it is allowed only to loopback or an IP address of a trusted LAN, not to the host name %q", host)
	}
	ip = ip.Unmap()
	for _, n := range trusted {
		if p, err := parseNet(n); err == nil && p.Contains(ip) {
			return nil
		}
	}
	return fmt.Errorf("plain TCP sends CPR numbers and PINs unencrypted, so it is allowed only to loopback or an address in sip2.plaintext_ok, and %s is in neither", ip)
}

// parseNet reads a CIDR, or a single IP address as the network of just it.
func parseNet(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("config: %w", err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("config: %w", err)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
