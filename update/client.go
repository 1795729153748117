package update

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/danbib/kiosk/internal/ctxsleep"

	"github.com/danbib/kiosk/internal/certpool"

	"github.com/sirupsen/logrus"
)

// Gate is what the client needs of the kiosk core: to wait until no patron
// is being served, and to reboot once none is (kiosk.CtlUpdateIdle and
// kiosk.CtlUpdateReboot, the same wait as the nightly reboot's).
type Gate interface {
	WaitIdle(ctx context.Context) error
	// RebootWhenIdle asks for the reboot; pending says it waits for the
	// session to end.
	RebootWhenIdle(ctx context.Context, version string) (pending bool, err error)
}

// Auditor writes the kiosk's audit log (kiosk.Kiosk.AuditUpdate).
type Auditor interface {
	AuditUpdate(action, result, detail string)
}

// Config is the [update] section, resolved.
type Config struct {
	// URL of the bundle to poll; "" polls nothing (kioskctl update still
	// works).
	URL string
	// At is the poll's time of day after local midnight.
	At time.Duration
	// CAFile pins the CA of the update server instead of the system's
	// roots; TokenFile holds a bearer token sent with the request.
	CAFile, TokenFile string
	// Dir is where bundles are downloaded: on the data partition, the
	// only persistent writable file system.
	Dir string
	// MaxBytes bounds a bundle (0: 4 GiB).
	MaxBytes int64
}

// The phases of State.
const (
	PhaseIdle        = "idle"
	PhaseWaiting     = "waiting for the kiosk to be free"
	PhaseDownloading = "downloading"
	PhaseInstalling  = "installing"
	PhaseReboot      = "installed; reboot pending"
	PhaseFailed      = "failed"
)

// State is what `kioskctl update status` shows.
type State struct {
	Phase     string    `json:"phase"`
	Source    string    `json:"source,omitempty"`
	Bytes     int64     `json:"bytes,omitempty"`
	Total     int64     `json:"total,omitempty"`
	Error     string    `json:"error,omitempty"`
	Failures  int       `json:"failures,omitempty"`
	LastCheck time.Time `json:"last_check,omitzero"`
	NextCheck time.Time `json:"next_check,omitzero"`
	// System is the installed system (Status.String), Version the last
	// bundle installed by this client.
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
}

// Client is the update client.
type Client struct {
	cfg   Config
	rauc  RAUC
	gate  Gate
	audit Auditor
	log   logrus.FieldLogger
	http  *http.Client
	// Now and Sleep are the clock, replaced by tests.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// OnSystem is told the installed system whenever it is read.
	OnSystem func(string)

	mu      sync.Mutex
	state   State
	running bool
}

// ErrBusy refuses a second update while one runs.
var ErrBusy = errors.New("update: an update is already running")

// New makes a client. The HTTP client pins cfg.CAFile when set.
func New(cfg Config, r RAUC, gate Gate, audit Auditor, log logrus.FieldLogger) (*Client, error) {
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 4 << 30
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" {
		pool, err := certpool.Load(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("update: ca_file: %w", err)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &Client{cfg: cfg, rauc: r, gate: gate, audit: audit, log: log,
		// No overall timeout: a bundle of hundreds of MB over a library's
		// line takes a while; a stalled connection is caught by the
		// transport's own timeouts and the context.
		http:  &http.Client{Transport: tr},
		Now:   time.Now,
		Sleep: ctxsleep.Sleep,
		state: State{Phase: PhaseIdle}}, nil
}

// State returns the client's state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// System returns the installed system for metrics and status: the booted
// slot and its bundle's version ("" until RAUC was read).
func (c *Client) System() string { return c.State().System }

func (c *Client) set(f func(s *State)) {
	c.mu.Lock()
	f(&c.state)
	c.mu.Unlock()
}

// RefreshSystem reads RAUC's status and records the installed system.
func (c *Client) RefreshSystem(ctx context.Context) (Status, error) {
	st, err := c.rauc.Status(ctx)
	if err != nil {
		return st, err
	}
	c.set(func(s *State) { s.System = st.String() })
	if c.OnSystem != nil {
		c.OnSystem(st.String())
	}
	return st, nil
}

// CheckArrival runs once after start with RAUC's status: when an install
// before the last reboot made a slot primary and a different slot is now
// booted, the boot loader fell back (the new slot failed its tries or was
// marked bad), and that is audited as update-fell-back. Either way the
// note of the pending slot is removed. It reports whether it fell back.
func (c *Client) CheckArrival(st Status) bool {
	p := filepath.Join(c.cfg.Dir, "pending-slot")
	b, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	os.Remove(p)
	slot, version, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	booted, ok := st.BootedSlot()
	if !ok || booted.Name == slot {
		return false
	}
	detail := fmt.Sprintf("%s %s was not kept; running %s (%s)", slot, version, booted.Name, booted.Version)
	c.audit.AuditUpdate("update-fell-back", "failed", detail)
	c.set(func(s *State) { s.Phase, s.Error = PhaseFailed, "update: fell back: "+detail })
	c.log.Errorf("update: the boot loader fell back: %s", detail)
	return true
}

// NextPoll is the first time at or after now when the client polls: the
// configured time of day (local time), today or tomorrow; after failures,
// sooner, with a back-off of 5 minutes doubling up to 4 hours, but never
// later than the daily time.
func NextPoll(now time.Time, at time.Duration, failures int) time.Time {
	// The wall-clock time, also on the nights of a DST change (midnight
	// plus the duration would be an hour off then); time.Date normalises
	// the day after the last of a month.
	y, mo, d := now.Date()
	h, mi := int(at/time.Hour), int(at%time.Hour/time.Minute)
	daily := time.Date(y, mo, d, h, mi, 0, 0, now.Location())
	if !daily.After(now) {
		daily = time.Date(y, mo, d+1, h, mi, 0, 0, now.Location())
	}
	if failures == 0 {
		return daily
	}
	back := 5 * time.Minute
	for i := 1; i < failures && back < 4*time.Hour; i++ {
		back *= 2
	}
	back = min(back, 4*time.Hour)
	if retry := now.Add(back); retry.Before(daily) {
		return retry
	}
	return daily
}

// Run polls cfg.URL at the configured time until ctx ends.
func (c *Client) Run(ctx context.Context) error {
	if c.cfg.URL == "" {
		return errors.New("update: no update.url to poll")
	}
	failures := 0
	for {
		next := NextPoll(c.Now(), c.cfg.At, failures)
		c.set(func(s *State) { s.NextCheck = next })
		if err := c.Sleep(ctx, next.Sub(c.Now())); err != nil {
			return err
		}
		err := c.Check(ctx)
		switch {
		case errors.Is(err, ErrBusy):
			// A pushed update runs; the poll waits for the next day.
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			failures++
			c.set(func(s *State) { s.Failures = failures })
		default:
			failures = 0
			c.set(func(s *State) { s.Failures = 0 })
		}
	}
}

// Check polls once: it waits until the kiosk is free, downloads the bundle
// when it is new, installs it and asks for the reboot.
func (c *Client) Check(ctx context.Context) error {
	if !c.begin(c.cfg.URL) {
		return ErrBusy
	}
	defer c.end()
	c.set(func(s *State) { s.Phase = PhaseWaiting })
	if err := c.gate.WaitIdle(ctx); err != nil {
		return c.fail("update-check", fmt.Errorf("update: waiting for the kiosk to be free: %w", err))
	}
	c.set(func(s *State) { s.LastCheck = c.Now() })
	path, sum, err := c.fetch(ctx, c.cfg.URL, true)
	if err != nil {
		return c.fail("update-download", err)
	}
	if path == "" {
		c.set(func(s *State) { s.Phase = PhaseIdle })
		c.log.Info("update: no new bundle")
		return nil
	}
	defer os.Remove(path)
	return c.install(ctx, path, sum)
}

// Push installs the bundle at src (an absolute path the RAUC service can
// read, or an http(s) URL) at once, without waiting for the poll time; the
// reboot still waits for the kiosk to be free. It returns as soon as the
// update started; State follows it. done, when not nil, gets its outcome.
func (c *Client) Push(ctx context.Context, src string, done func(error)) error {
	isURL := strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://")
	if !isURL {
		if !filepath.IsAbs(src) {
			return fmt.Errorf("update: %q: give an absolute path or an http(s) URL", src)
		}
		fi, err := os.Stat(src)
		if err != nil {
			return fmt.Errorf("update: bundle: %w", err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("update: bundle %s is not a regular file", src)
		}
	}
	if !c.begin(src) {
		return ErrBusy
	}
	go func() {
		defer c.end()
		var err error
		if isURL {
			var path, sum string
			path, sum, err = c.fetch(ctx, src, false)
			if err != nil {
				err = c.fail("update-download", err)
			} else {
				err = c.install(ctx, path, sum)
				os.Remove(path)
			}
		} else {
			err = c.install(ctx, src, "")
		}
		if done != nil {
			done(err)
		}
	}()
	return nil
}

func (c *Client) begin(src string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return false
	}
	c.running = true
	c.state.Source, c.state.Error, c.state.Bytes, c.state.Total = src, "", 0, 0
	return true
}

func (c *Client) end() {
	c.mu.Lock()
	c.running = false
	c.mu.Unlock()
}

// fail records and audits err.
func (c *Client) fail(action string, err error) error {
	c.set(func(s *State) { s.Phase, s.Error = PhaseFailed, err.Error() })
	c.audit.AuditUpdate(action, "failed", err.Error())
	c.log.WithError(err).Error("update: failed")
	return err
}

// install hands the bundle to RAUC and asks for the reboot. sum, when not
// empty, is remembered so the same bundle is not installed again.
func (c *Client) install(ctx context.Context, path, sum string) error {
	c.set(func(s *State) { s.Phase = PhaseInstalling })
	c.log.WithField("bundle", path).Info("update: rauc install")
	if err := c.rauc.Install(ctx, path); err != nil {
		return c.fail("update-install", err)
	}
	if sum != "" {
		// Written only after a good install, so a failed one is
		// retried; a slot that fell back is not installed again until a
		// new bundle comes.
		if err := os.WriteFile(filepath.Join(c.cfg.Dir, "installed.sha256"), []byte(sum+"\n"), 0o600); err != nil {
			c.log.WithError(err).Warn("update: remembering the installed bundle failed; it may be installed again")
		}
		_ = os.Rename(filepath.Join(c.cfg.Dir, "etag.pending"), filepath.Join(c.cfg.Dir, "etag"))
	}
	version, slot := "", ""
	if st, err := c.rauc.Status(ctx); err == nil {
		for _, sl := range st.Slots {
			if sl.Name == st.Primary {
				version, slot = sl.Version, sl.Name
			}
		}
	}
	if slot != "" {
		// After the reboot, CheckArrival compares the booted slot with it.
		// A pushed bundle may be the first this kiosk installs: the
		// directory a download would have made may not be there yet.
		if err := os.MkdirAll(c.cfg.Dir, 0o700); err != nil {
			c.log.WithError(err).Warn("update: remembering the slot to boot failed")
		} else if err := os.WriteFile(filepath.Join(c.cfg.Dir, "pending-slot"), []byte(slot+" "+version+"\n"), 0o600); err != nil {
			c.log.WithError(err).Warn("update: remembering the slot to boot failed")
		}
	}
	c.set(func(s *State) { s.Version = version })
	c.audit.AuditUpdate("update-install", "ok", version)
	pending, err := c.gate.RebootWhenIdle(ctx, version)
	if err != nil {
		return c.fail("update-reboot", fmt.Errorf("update: installed %s, but the reboot was not asked for: %w", version, err))
	}
	c.set(func(s *State) { s.Phase = PhaseReboot })
	if pending {
		c.log.Infof("update: %s installed; the reboot waits for the patron's session to end", version)
	}
	return nil
}

// fetch downloads url into cfg.Dir and returns its path and SHA-256. With
// onlyNew (the daily poll) it returns "" when the server has nothing new:
// 304 to the last ETag, or the bundle installed last time. Without it
// (kioskctl update: the technician asked for this bundle) it fetches the
// bundle whatever was installed before.
func (c *Client) fetch(ctx context.Context, url string, onlyNew bool) (string, string, error) {
	if err := os.MkdirAll(c.cfg.Dir, 0o700); err != nil {
		return "", "", fmt.Errorf("update: download directory: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", "", fmt.Errorf("update: url: %w", err)
	}
	etagFile := filepath.Join(c.cfg.Dir, "etag")
	if onlyNew {
		if b, err := os.ReadFile(etagFile); err == nil && len(b) > 0 {
			req.Header.Set("If-None-Match", strings.TrimSpace(string(b)))
		}
	}
	if c.cfg.TokenFile != "" {
		tok, err := os.ReadFile(c.cfg.TokenFile)
		if err != nil {
			return "", "", fmt.Errorf("update: token_file: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("update: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && onlyNew:
		return "", "", nil
	case resp.StatusCode != http.StatusOK:
		return "", "", fmt.Errorf("update: %s answered %s", redact(url), resp.Status)
	}
	total := resp.ContentLength
	if total > c.cfg.MaxBytes {
		return "", "", fmt.Errorf("update: the bundle is %d bytes, more than the %d allowed", total, c.cfg.MaxBytes)
	}
	c.set(func(s *State) { s.Phase, s.Total, s.Bytes = PhaseDownloading, total, 0 })
	part := filepath.Join(c.cfg.Dir, "bundle.raucb.part")
	f, err := os.OpenFile(part, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return "", "", fmt.Errorf("update: %w", err)
	}
	h := sha256.New()
	pw := &progress{c: c, total: total}
	n, err := io.Copy(io.MultiWriter(f, h, pw), io.LimitReader(resp.Body, c.cfg.MaxBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > c.cfg.MaxBytes {
		err = fmt.Errorf("more than the %d bytes allowed", c.cfg.MaxBytes)
	}
	if err == nil && total >= 0 && n != total {
		err = fmt.Errorf("got %d bytes of %d", n, total)
	}
	if err != nil {
		os.Remove(part)
		return "", "", fmt.Errorf("update: download of %s: %w", redact(url), err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if etag := resp.Header.Get("ETag"); etag != "" {
		// Kept as the ETag to ask with once the bundle is installed.
		_ = os.WriteFile(etagFile+".pending", []byte(etag+"\n"), 0o600)
	}
	if onlyNew {
		if b, err := os.ReadFile(filepath.Join(c.cfg.Dir, "installed.sha256")); err == nil && strings.TrimSpace(string(b)) == sum {
			os.Remove(part)
			_ = os.Rename(etagFile+".pending", etagFile)
			return "", "", nil
		}
	}
	path := filepath.Join(c.cfg.Dir, "bundle.raucb")
	if err := os.Rename(part, path); err != nil {
		return "", "", fmt.Errorf("update: %w", err)
	}
	c.log.Infof("update: downloaded %d bytes (sha256 %s)", n, sum[:16])
	return path, sum, nil
}

// redact drops a URL's query and user info, where a token could be.
func redact(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.LastIndex(u[i+3:], "@"); j >= 0 && !strings.Contains(u[i+3:i+3+j], "/") {
			u = u[:i+3] + u[i+4+j:]
		}
	}
	return u
}

// progress counts the bytes written and logs every tenth of the bundle.
type progress struct {
	c      *Client
	total  int64
	n      int64
	logged int64
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	n := p.n
	p.c.set(func(s *State) { s.Bytes = n })
	if p.total > 0 {
		if tenth := p.n * 10 / p.total; tenth > p.logged {
			p.logged = tenth
			p.c.log.Infof("update: downloaded %d%% (%d of %d bytes)", tenth*10, p.n, p.total)
		}
	}
	return len(b), nil
}
