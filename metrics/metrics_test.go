package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/internal/canary"
	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/kiosk/kioskdemo"
	"github.com/danbib/kiosk/sip2/acs"
)

// scrape fetches url and returns the body, failing unless the status is
// want.
func scrape(t *testing.T, c *http.Client, url string, want int) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %q, want %d", url, resp.StatusCode, b, want)
	}
	return string(b)
}

// value is the value of one series in an exposition text, e.g.
// `kiosk_returns_total{route="shelf"}`; -1 when it is absent.
func value(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// TestMetricsAfterCanarySession runs sessions with the canary patron
// against the simulators (a wrong PIN, then two loans and their return),
// scrapes /metrics over HTTP, and checks that the counts are right and
// that the canary is nowhere in the text.
func TestMetricsAfterCanarySession(t *testing.T) {
	seed, err := acs.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	seed.Patrons = append(seed.Patrons, acs.Patron{ID: canary.CPR, PIN: canary.PIN, Name: canary.First + " " + canary.Last,
		Group: "adult", Synthetic: true})
	m := New()
	o := kioskdemo.DefaultOptions()
	o.Seed = seed
	o.Kiosk.GoodbyeFor = 100 * time.Millisecond
	o.Observer, o.SIP2Observer = m, m
	ctx := context.Background()
	d, err := kioskdemo.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	m.SetGauges(d.Kiosk.Gauges)
	srv, err := Listen(Options{Listen: "127.0.0.1:0"}, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	base := "http://" + srv.Addr().String()

	wait := func(what string, cond func(kiosk.View) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond(d.Kiosk.View()) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; view %+v", what, d.Kiosk.View())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait("welcome", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenWelcome })
	d.Kiosk.Send(kiosk.InChoose{Screen: kiosk.ScreenLoan})
	_ = d.Scan(canary.CPR)
	wait("pin", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenPIN })
	for _, c := range "0000" {
		d.Kiosk.Send(kiosk.InKey{Key: c})
	}
	wait("wrong pin", func(v kiosk.View) bool { return v.Message.ID == kiosk.MsgLoginWrongPIN })
	d.Kiosk.Send(kiosk.InBack{})
	d.Kiosk.Send(kiosk.InBack{})
	wait("welcome after the failed login", func(v kiosk.View) bool { return v.Screen == kiosk.ScreenWelcome && !v.InSession })
	if _, err := d.LoanAndReturn(ctx, canary.CPR, canary.PIN, 2); err != nil {
		t.Fatal(err)
	}

	text := scrape(t, http.DefaultClient, base+"/metrics", http.StatusOK)
	for series, want := range map[string]float64{
		`kiosk_loans_total`:                                       2,
		`kiosk_returns_total{route="shelf"}`:                      2,
		`kiosk_sessions_total{outcome="finished"}`:                2,
		`kiosk_sessions_total{outcome="login_failed"}`:            1,
		`kiosk_wrong_pins_total`:                                  1,
		`kiosk_sip2_requests_total{message="11",result="ok"}`:     2,
		`kiosk_sip2_requests_total{message="09",result="ok"}`:     2,
		`kiosk_sip2_request_duration_seconds_count{message="11"}`: 2,
		`kiosk_session_items_count`:                               3,
		`kiosk_library_online`:                                    1,
		`kiosk_in_service`:                                        1,
		`kiosk_mode{mode="in_service"}`:                           1,
		`kiosk_device_up{device="reader"}`:                        1,
		`kiosk_printer_paper{state="ok"}`:                         1,
		`kiosk_offline_queue_length`:                              0,
		`kiosk_journal_unsettled`:                                 0,
	} {
		if got := value(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if !strings.Contains(text, "kiosk_build_info{") {
		t.Error("no kiosk_build_info")
	}
	for _, leak := range canary.Find("/metrics", text) {
		t.Error(leak)
	}
	if got := scrape(t, http.DefaultClient, base+"/healthz", http.StatusOK); got != "ok\n" {
		t.Errorf("/healthz = %q, want ok", got)
	}
	// The installed system reaches the scrape from the core, as the
	// update client records it there (cmd/kiosk/update.go).
	d.Kiosk.SetSystem("slot A (rootfs.0), 1.0.0")
	text = scrape(t, http.DefaultClient, base+"/metrics", http.StatusOK)
	if got := value(text, `kiosk_system_info{system="slot A (rootfs.0), 1.0.0"}`); got != 1 {
		t.Errorf("kiosk_system_info after SetSystem = %v, want 1", got)
	}
}

func TestHealthz(t *testing.T) {
	m := New()
	h := m.Handler()
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get(); code != http.StatusServiceUnavailable || body != "starting\n" {
		t.Errorf("before the core: %d %q", code, body)
	}
	g := kiosk.Gauges{Mode: kiosk.ModeReturnsOnly}
	m.SetGauges(func() kiosk.Gauges { return g })
	if code, body := get(); code != http.StatusOK || body != "ok\n" {
		t.Errorf("returns only (still serving): %d %q", code, body)
	}
	g = kiosk.Gauges{Mode: kiosk.ModeOutOfOrder, ModeReason: kiosk.Text{ID: kiosk.MsgModeReaderMissing}}
	if code, body := get(); code != http.StatusServiceUnavailable || body != "out of order: mode.reader_missing\n" {
		t.Errorf("out of order: %d %q", code, body)
	}
	g = kiosk.Gauges{OutOfOrder: "printer"}
	if code, body := get(); code != http.StatusServiceUnavailable || body != "out of order: printer\n" {
		t.Errorf("switched out of order: %d %q", code, body)
	}
	g = kiosk.Gauges{Maintenance: true}
	if code, body := get(); code != http.StatusServiceUnavailable || body != "maintenance\n" {
		t.Errorf("maintenance: %d %q", code, body)
	}
}

// TestRefusalLabelBounded: a code outside the known set is counted as
// other, whoever calls.
func TestRefusalLabelBounded(t *testing.T) {
	m := New()
	m.Refusal("checkout", "Anna Hansen")
	m.Refusal("checkout", "RESERVED")
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, mf := range mfs {
		if mf.GetName() != "kiosk_refusals_total" {
			continue
		}
		for _, mm := range mf.GetMetric() {
			for _, l := range mm.GetLabel() {
				if l.GetName() == "code" {
					codes = append(codes, l.GetValue())
				}
			}
		}
	}
	// The three operations' "other" exist from the start.
	if strings.Join(codes, ",") != "RESERVED,other,other,other" {
		t.Errorf("refusal codes %q, want RESERVED and other (for checkout, checkin, renew)", codes)
	}
}

// TestSystemInfo: the installed system the update client read from RAUC is
// a series once known, and absent before (a kiosk without RAUC).
func TestSystemInfo(t *testing.T) {
	m := New()
	g := kiosk.Gauges{}
	m.SetGauges(func() kiosk.Gauges { return g })
	system := func() []string {
		mfs, err := m.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, mf := range mfs {
			if mf.GetName() == "kiosk_system_info" {
				for _, mm := range mf.GetMetric() {
					out = append(out, mm.GetLabel()[0].GetValue())
				}
			}
		}
		return out
	}
	if got := system(); len(got) != 0 {
		t.Errorf("without RAUC: kiosk_system_info %q", got)
	}
	g.System = "slot B (rootfs.1), 2.0.0"
	if got := system(); len(got) != 1 || got[0] != g.System {
		t.Errorf("kiosk_system_info %q, want %q", got, g.System)
	}
}
