package update

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// fakeRAUC records what the client asked of RAUC. Bundles are synthetic
// bytes; nothing here is a real bundle.
type fakeRAUC struct {
	mu         sync.Mutex
	installed  []string // contents of the bundles installed
	paths      []string
	installErr error
	block      chan struct{} // when set, Install waits for it to close
	marked     int
	status     Status
}

func (f *fakeRAUC) Install(ctx context.Context, path string) error {
	if f.block != nil {
		<-f.block
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.installErr != nil {
		return f.installErr
	}
	f.installed = append(f.installed, string(b))
	f.paths = append(f.paths, path)
	return nil
}

func (f *fakeRAUC) Status(context.Context) (Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status, nil
}

func (f *fakeRAUC) MarkGood(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.marked++
	return nil
}

// fakeGate is the core: idle or not, and the reboots asked for.
type fakeGate struct {
	mu      sync.Mutex
	events  []string
	idleErr error
	reboots []string
}

func (g *fakeGate) WaitIdle(context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events = append(g.events, "idle")
	return g.idleErr
}

func (g *fakeGate) RebootWhenIdle(_ context.Context, v string) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events = append(g.events, "reboot "+v)
	g.reboots = append(g.reboots, v)
	return true, nil
}

type fakeAudit struct {
	mu    sync.Mutex
	lines []string
}

func (a *fakeAudit) AuditUpdate(action, result, detail string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines = append(a.lines, action+" "+result+" "+detail)
}

func (a *fakeAudit) has(prefix string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, l := range a.lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func quiet() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

// newTest makes a client whose RAUC says the next boot is slot B with
// bundle version 2.0.
func newTest(t *testing.T, url string) (*Client, *fakeRAUC, *fakeGate, *fakeAudit) {
	t.Helper()
	r := &fakeRAUC{status: Status{Primary: "rootfs.1", Slots: []Slot{
		{Name: "rootfs.0", BootName: "A", State: "booted", BootStatus: "good"},
		{Name: "rootfs.1", BootName: "B", State: "inactive", Version: "2.0"}}}}
	g, a := &fakeGate{}, &fakeAudit{}
	c, err := New(Config{URL: url, At: 3 * time.Hour, Dir: filepath.Join(t.TempDir(), "update")}, r, g, a, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return c, r, g, a
}

const bundle = "synthetic bundle v2, not a real RAUC bundle"

// bundleFile writes bundle to a file to push.
func bundleFile(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "v2.raucb")
	if err := os.WriteFile(f, []byte(bundle), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// bundleServer serves bundle with an ETag, and 304 to a request that
// carries it; hits counts the full answers.
func bundleServer(t *testing.T, etag bool) (*httptest.Server, *int) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if etag && r.Header.Get("If-None-Match") == `"v2"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		hits++
		if etag {
			w.Header().Set("ETag", `"v2"`)
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(bundle)))
		io.WriteString(w, bundle)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestCheckWaitsForIdleThenInstallsAndAsksForReboot(t *testing.T) {
	srv, hits := bundleServer(t, true)
	c, r, g, a := newTest(t, srv.URL+"/kiosk.raucb")
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(r.installed) != 1 || r.installed[0] != bundle {
		t.Fatalf("installed %q, want the downloaded bundle", r.installed)
	}
	if want := []string{"idle", "reboot 2.0"}; strings.Join(g.events, ",") != strings.Join(want, ",") {
		t.Errorf("gate events %q, want %q (idle before the download, reboot after the install)", g.events, want)
	}
	if st := c.State(); st.Phase != PhaseReboot || st.Version != "2.0" || st.Bytes != int64(len(bundle)) {
		t.Errorf("state %+v", st)
	}
	if !a.has("update-install ok 2.0") {
		t.Errorf("audit %q lacks the install", a.lines)
	}
	if _, err := os.Stat(r.paths[0]); !os.IsNotExist(err) {
		t.Errorf("the downloaded bundle %s is left on the data partition", r.paths[0])
	}
	// The next day: the server says 304, nothing is installed again.
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(r.installed) != 1 || *hits != 1 {
		t.Errorf("second check: %d installs, %d downloads; want 1 and 1", len(r.installed), *hits)
	}
}

func TestSameBundleWithoutETagIsNotInstalledTwice(t *testing.T) {
	srv, hits := bundleServer(t, false)
	c, r, _, _ := newTest(t, srv.URL)
	for range 2 {
		if err := c.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.installed) != 1 || *hits != 2 {
		t.Errorf("%d installs of %d downloads; want 1 of 2 (same SHA-256)", len(r.installed), *hits)
	}
}

func TestShortDownloadIsRefusedAndAudited(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, "only part of it")
	}))
	defer srv.Close()
	c, r, g, a := newTest(t, srv.URL)
	err := c.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "update: download") {
		t.Fatalf("err = %v, want a download error", err)
	}
	if len(r.installed) != 0 || len(g.reboots) != 0 {
		t.Errorf("a short bundle was installed (%d) or rebooted into (%d)", len(r.installed), len(g.reboots))
	}
	if !a.has("update-download failed") || c.State().Phase != PhaseFailed {
		t.Errorf("audit %q, state %+v", a.lines, c.State())
	}
	left, _ := filepath.Glob(filepath.Join(c.cfg.Dir, "*.part"))
	if len(left) != 0 {
		t.Errorf("partial download left behind: %v", left)
	}
}

func TestHTTPErrorAndTooLargeBundle(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, bundle)
	}))
	defer srv.Close()
	c, r, _, _ := newTest(t, srv.URL+"/missing?token=secret")
	err := c.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "404") || strings.Contains(err.Error(), "secret") {
		t.Errorf("err = %v, want the 404 without the query", err)
	}
	c2, r2, _, _ := newTest(t, srv.URL+"/big")
	c2.cfg.MaxBytes = 10
	if err := c2.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "allowed") {
		t.Errorf("err = %v, want the size limit", err)
	}
	if len(r.installed)+len(r2.installed) != 0 {
		t.Error("a refused bundle was installed")
	}
}

func TestInstallFailureIsAuditedAndNoReboot(t *testing.T) {
	srv, _ := bundleServer(t, true)
	c, r, g, a := newTest(t, srv.URL)
	r.installErr = errors.New("update: rauc install: exit status 1: signature verification failed")
	if err := c.Check(context.Background()); err == nil {
		t.Fatal("no error")
	}
	if len(g.reboots) != 0 {
		t.Error("reboot asked for after a failed install")
	}
	if !a.has("update-install failed update: rauc install: exit status 1: signature verification failed") {
		t.Errorf("audit %q lacks RAUC's reason", a.lines)
	}
	// A failed install is retried: the next check downloads again.
	r.installErr = nil
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(r.installed) != 1 {
		t.Errorf("the retry installed %d bundles, want 1", len(r.installed))
	}
}

func TestNotIdleMeansNoDownload(t *testing.T) {
	srv, hits := bundleServer(t, true)
	c, _, g, _ := newTest(t, srv.URL)
	g.idleErr = context.Canceled
	if err := c.Check(context.Background()); err == nil {
		t.Fatal("no error")
	}
	if *hits != 0 {
		t.Error("downloaded while the kiosk was not free")
	}
}

func TestBearerToken(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		io.WriteString(w, bundle)
	}))
	defer srv.Close()
	c, _, _, _ := newTest(t, srv.URL)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("synthetic-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.cfg.TokenFile = tok
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer synthetic-token" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestPushLocalFileAndBusy(t *testing.T) {
	c, r, g, _ := newTest(t, "")
	r.block = make(chan struct{})
	f := bundleFile(t)
	done := make(chan error, 1)
	if err := c.Push(context.Background(), f, func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	if err := c.Push(context.Background(), f, nil); !errors.Is(err, ErrBusy) {
		t.Errorf("second push: %v, want ErrBusy", err)
	}
	close(r.block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(r.paths) != 1 || r.paths[0] != f {
		t.Errorf("installed %q, want the pushed file itself", r.paths)
	}
	if len(g.reboots) != 1 || g.events[0] != "reboot 2.0" {
		t.Errorf("gate %q: a push installs at once and reboots when idle", g.events)
	}
	for _, bad := range []string{"relative.raucb", "/no/such/bundle.raucb", filepath.Dir(f)} {
		if err := c.Push(context.Background(), bad, nil); err == nil {
			t.Errorf("push %q accepted", bad)
		}
	}
}

func TestNextPoll(t *testing.T) {
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	at := 3*time.Hour + 30*time.Minute
	d := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, cph)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, c := range []struct {
		now      string
		failures int
		want     string
	}{
		{"2026-12-06 01:00", 0, "2026-12-06 03:30"},
		{"2026-12-06 03:30", 0, "2026-12-07 03:30"},
		{"2026-12-06 19:00", 0, "2026-12-07 03:30"},
		{"2026-12-06 19:00", 1, "2026-12-06 19:05"},
		{"2026-12-06 19:00", 3, "2026-12-06 19:20"},
		{"2026-12-06 19:00", 20, "2026-12-06 23:00"},
		{"2026-12-07 02:00", 20, "2026-12-07 03:30"}, // never later than the daily time
		// The night of the October DST change: still 03:30 wall clock.
		{"2026-10-24 12:00", 0, "2026-10-25 03:30"},
	} {
		if got := NextPoll(d(c.now), at, c.failures); !got.Equal(d(c.want)) {
			t.Errorf("NextPoll(%s, %d failures) = %s, want %s", c.now, c.failures, got.In(cph).Format("2006-01-02 15:04"), c.want)
		}
	}
}

func TestParseStatusFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/rauc-status.json")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseStatus(b)
	if err != nil {
		t.Fatal(err)
	}
	sl, ok := st.BootedSlot()
	if !ok || sl.Name != "rootfs.1" || sl.BootName != "B" || sl.Version != "2026.12.2" || sl.BootStatus != "bad" {
		t.Fatalf("booted slot %+v", sl)
	}
	if st.Compatible != "danbib-kiosk-amd64" || st.Primary != "rootfs.1" || len(st.Slots) != 2 {
		t.Errorf("status %+v", st)
	}
	if got, want := st.String(), "slot B (rootfs.1), 2026.12.2, bad"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, bad := range []string{"", "{}", `{"slots":[]}`, `{"slots":[{"rootfs.0":"x"}]}`} {
		if _, err := ParseStatus([]byte(bad)); err == nil {
			t.Errorf("ParseStatus(%q) accepted", bad)
		}
	}
}

func TestDecide(t *testing.T) {
	all := Health{Ready: true, WatchdogFed: true, ACSOnline: true}
	limit := 10 * time.Minute
	for _, c := range []struct {
		name  string
		h     Health
		since time.Duration
		want  Verdict
	}{
		{"all well", all, time.Minute, Good},
		{"not ready yet", Health{WatchdogFed: true, ACSOnline: true}, time.Minute, Wait},
		{"watchdog never fed", Health{Ready: true, ACSOnline: true}, time.Minute, Wait},
		{"library system never answered", Health{Ready: true, WatchdogFed: true}, time.Minute, Wait},
		{"library system answered it is off line", Health{Ready: true, WatchdogFed: true, ACSAnswered: true}, time.Minute, Good},
		{"technician's out of order", Health{Ready: true, WatchdogFed: true, ForcedOutOfOrder: true}, time.Minute, Good},
		{"too late", all, 11 * time.Minute, GiveUp},
		{"never ready", Health{}, 11 * time.Minute, GiveUp},
	} {
		if got := Decide(c.h, c.since, limit); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestMarkGoodLoop(t *testing.T) {
	start := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }
	r := &fakeRAUC{status: Status{Slots: []Slot{{Name: "rootfs.1", BootName: "B", State: "booted", BootStatus: "bad", Version: "2.0"}}}}
	a := &fakeAudit{}
	calls := 0
	health := func() Health {
		calls++
		now = now.Add(time.Minute)
		return Health{Ready: true, WatchdogFed: true, ACSOnline: calls >= 3}
	}
	if v := MarkGoodLoop(context.Background(), r, health, start, clock, 10*time.Minute, time.Millisecond, a, quiet()); v != Good {
		t.Fatalf("verdict %s", v)
	}
	if r.marked != 1 || !a.has("update-mark-good ok") {
		t.Errorf("marked %d times, audit %q", r.marked, a.lines)
	}

	// A kiosk that never reaches the library system gives up at the limit
	// and does not mark the slot.
	now, r.marked = start, 0
	a2 := &fakeAudit{}
	never := func() Health { now = now.Add(time.Minute); return Health{Ready: true, WatchdogFed: true} }
	if v := MarkGoodLoop(context.Background(), r, never, start, clock, 5*time.Minute, time.Millisecond, a2, quiet()); v != GiveUp {
		t.Fatalf("verdict %s", v)
	}
	if r.marked != 0 || !a2.has("update-mark-good refused the library system never answered") {
		t.Errorf("marked %d times, audit %q", r.marked, a2.lines)
	}

	// A slot RAUC already counts as good is not marked again.
	r.status.Slots[0].BootStatus = "good"
	if v := MarkGoodLoop(context.Background(), r, never, start, clock, 5*time.Minute, time.Millisecond, a2, quiet()); v != Good || r.marked != 0 {
		t.Errorf("verdict %s, marked %d", v, r.marked)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@host/x.raucb?token=1": "https://host/x.raucb",
		"https://host/a@b/x.raucb":             "https://host/a@b/x.raucb",
		"http://host/x#frag":                   "http://host/x",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFellBack: an install made rootfs.1 primary; after the reboot slot A
// still runs, so the new slot was not kept, and that is audited once.
func TestFellBack(t *testing.T) {
	srv, _ := bundleServer(t, true)
	c, r, _, a := newTest(t, srv.URL)
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.status.Slots[0].State = "booted" // A, after the reboot
	if !c.CheckArrival(r.status) {
		t.Fatal("the fall-back was not seen")
	}
	if !a.has("update-fell-back failed rootfs.1 2.0 was not kept; running rootfs.0") || c.State().Phase != PhaseFailed {
		t.Errorf("audit %q, state %+v", a.lines, c.State())
	}
	if c.CheckArrival(r.status) {
		t.Error("the same fall-back reported twice")
	}

	// An update that arrived is not a fall-back.
	c2, r2, _, a2 := newTest(t, srv.URL)
	if err := c2.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	r2.status.Slots[0].State, r2.status.Slots[1].State = "inactive", "booted"
	if c2.CheckArrival(r2.status) || a2.has("update-fell-back") {
		t.Error("an update that booted was called a fall-back")
	}
}

// A pushed bundle on a kiosk that never downloaded one (no update
// directory yet) is followed across the reboot too: make update-test found
// that the note of the pending slot was never written then, and the fall-back
// went unaudited.
func TestFellBackAfterPush(t *testing.T) {
	c, r, _, a := newTest(t, "")
	if _, err := os.Stat(c.cfg.Dir); !os.IsNotExist(err) {
		t.Fatalf("the update directory exists before the push: %v", err)
	}
	f := bundleFile(t)
	done := make(chan error, 1)
	if err := c.Push(context.Background(), f, func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The boot loader fell back: A is booted again.
	if !c.CheckArrival(r.status) || !a.has("update-fell-back failed rootfs.1 2.0 was not kept; running rootfs.0") {
		t.Errorf("the fall-back after a push was not audited: %q", a.lines)
	}
}

// TestParseStatusOfRealRAUC reads what Debian 12's RAUC 1.8 answered in
// packaging/image/rauc/host-test.sh, right after installing a bundle into
// slot B while A runs: B is the next boot's, and not yet good.
func TestParseStatusOfRealRAUC(t *testing.T) {
	b, err := os.ReadFile("testdata/rauc-status-host.json")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseStatus(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.String(), "slot A (rootfs.0), image"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var next Slot
	for _, sl := range st.Slots {
		if sl.Name == st.Primary {
			next = sl
		}
	}
	if next.BootName != "B" || next.Version != "2026.12.1" || next.BootStatus != "bad" || next.Installed == "" {
		t.Errorf("the primary slot %+v: want B, 2026.12.1, not yet good", next)
	}
}
