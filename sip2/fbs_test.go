package sip2

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Verbatim FBS responses from the Aarhus test tenant (docs/protocols.md §1.7).
const (
	fbs98 = "98YYYYYY60099920170619    1307082.00AODK-775100|AMAarhus Kommunes Biblioteker. Borgerservice og Biblioteker|BXYYYYYYYYYYYNNYYY|"
	fbs24 = "24              00920170619    125151AODK-775100|AALN:3210519784|AETestkort Mickey Mouse|BLY|CQY|"
	fbs64 = "64              00920170619    125152000000000006000000000000AODK-775100|AALN:3210000000|AETestkort Mickey Mouse|BZ9999|CA9999|CB9999|BLY|CQY|BHDKK|BV0.00|CC220.00|AS|AT|AU3846731813%20170626%Prinsesse Mononoke%%m%th%77.7|AU5010371018%20170626%Bj&oslash;rnens kl&oslash;er%Hansen, Ib%a%xx%86|AV|BU|CD|BDJesper Kristensen%Hack Kampmanns Plads 2%8000%Aarhus%DK|BEjeskr@aarhus.dk|PB20000405|"
	fbs12 = "121NUY20170619    125152AODK-775100|AA3210519784|AB3274626533|AJ06850537|AH20170720    000000|CHHelbred dit liv%Hay, Louise L.%a%xx%61.36|BK19adc5e7-0000|"
	fbs30 = "300NUN20170619    125153AODK-775100|AA3210519784|AB3274626533|AJ|AH|AF[BEFORE_RENEW_PERIOD]|"
	fbs10 = "101YUN20170619    125154AODK-775100|AB3274626533|AQHovedbiblioteket%Voksen%%|AJ06850537|AALN:C0016351730|CHHelbred dit liv%Hay, Louise L.%a%xx%61.36|"
	fbs66 = "6610000000720170619    125153AODK-775100|BN3846731813%UNSUCCESSFUL%20170626%Prinsesse Mononoke%%m%th%77.7|"
)

func mustDecode(t *testing.T, s string) *Message {
	t.Helper()
	m, err := Decode([]byte(s), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFBSDialectResponses(t *testing.T) {
	loc := time.UTC
	st := parseACSStatus(mustDecode(t, fbs98), loc)
	if st.Timeout != 60*time.Second || !st.TimeoutKnown || st.RetriesAllowed != -1 || !st.OfflineOK || !st.Online {
		t.Errorf("98: %+v", st)
	}
	if st.Supports(MsgItemStatusUpdate) || !st.Supports(MsgRenewAll) || !st.Supports(MsgCheckout) {
		t.Errorf("98 BX: %q", st.Supported)
	}
	ps := parsePatronStatus(mustDecode(t, fbs24), loc)
	if !ps.Valid() || string(ps.PatronID) != "3210519784" || string(ps.Name) != "Testkort Mickey Mouse" || ps.Flags.Any() {
		t.Errorf("24: %+v", ps)
	}
	pi := parsePatronInformation(mustDecode(t, fbs64), loc)
	if pi.ChargedCount != 6 || pi.HoldCount != 0 || pi.ChargedLimit != 9999 || pi.FeeLimit != "220.00" || pi.Currency != "DKK" {
		t.Errorf("64 counts: %+v", pi)
	}
	if len(pi.Loans) != 2 || pi.Loans[0].ItemID != "3846731813" || pi.Loans[0].Title != "Prinsesse Mononoke" ||
		pi.Loans[0].Due != time.Date(2017, 6, 26, 0, 0, 0, 0, loc) || pi.Loans[0].GMB != "m" || pi.Loans[0].DK5 != "77.7" {
		t.Errorf("64 loans: %+v", pi.Loans)
	}
	if pi.Loans[1].Title != "Bjørnens kløer" || pi.Loans[1].Author != "Hansen, Ib" {
		t.Errorf("HTML entities not decoded: %+v", pi.Loans[1])
	}
	if len(pi.Holds) != 0 || len(pi.Fines) != 0 {
		t.Errorf("empty AS/AV/CD gave entries: %+v %+v", pi.Holds, pi.Fines)
	}
	// The address, e-mail and birth date of the 64 are dropped as the
	// client decodes it; the patron id and name are kept as bytes only.
	priv, err := Decode([]byte(fbs64), DecodeOptions{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{FieldHomeAddress, FieldEmail, FieldBirthDate} {
		if priv.Has(id) {
			t.Errorf("private decode kept %s", id)
		}
	}
	for _, id := range []string{FieldPatronID, FieldPersonalName} {
		v, _ := priv.Lookup(id)
		if s, _ := priv.secretOrValue(id); v != "" || len(s) == 0 {
			t.Errorf("private decode: %s value %q, secret of %d bytes; want the value as a secret only", id, v, len(s))
		}
	}
	if pp := parsePatronInformation(priv, loc); string(pp.PatronID) != "3210000000" || string(pp.Name) != "Testkort Mickey Mouse" {
		t.Errorf("private decode parsed to id %q name %q", pp.PatronID, pp.Name)
	}
	if priv.Wipe(); priv.Has(FieldPatronID) && priv.Fields[1].Secret != nil {
		t.Errorf("wipe left the secret: %+v", priv.Fields[1])
	}
	co := parseCheckoutResponse(mustDecode(t, fbs12), loc)
	if !co.OK || co.RenewalOK || co.Desensitize != "Y" || co.DueDate != time.Date(2017, 7, 20, 0, 0, 0, 0, loc) ||
		co.Properties.Title != "Helbred dit liv" || co.Properties.DK5 != "61.36" {
		t.Errorf("12: %+v", co)
	}
	rn := parseCheckoutResponse(mustDecode(t, fbs30), loc)
	if rn.OK || len(rn.Codes) != 1 || rn.Codes[0] != "BEFORE_RENEW_PERIOD" {
		t.Errorf("30: %+v", rn)
	}
	ci := parseCheckinResponse(mustDecode(t, fbs10), loc)
	if !ci.OK || string(ci.PatronID) != "C0016351730" || ci.Alert || ci.Hold || ci.Transit || ci.PermanentLocation != "Hovedbiblioteket%Voksen%%" {
		t.Errorf("10: %+v", ci)
	}
	ra := parseRenewAllResponse(mustDecode(t, fbs66), loc)
	if !ra.OK || ra.RenewedCount != 0 || ra.UnrenewedCount != 7 || len(ra.Unrenewed) != 1 || ra.Unrenewed[0].Reason != "UNSUCCESSFUL" || ra.Unrenewed[0].Title != "Prinsesse Mononoke" {
		t.Errorf("66: %+v", ra)
	}
}

func TestCheckinAlerts(t *testing.T) {
	base := "101YNY20170619    125154AODK-775100|AB1|AQx|"
	cases := []struct {
		extra         string
		hold, transit bool
	}{
		{"AFReserveret|", true, false},
		{"AFSendes til Tårnby Bibliotek|", false, true},
		{"CV01|", true, false},
		{"CV02|CTDK-718500|", true, true},
		{"CV04|", false, true},
		{"CLblue box right|", false, false},
	}
	for _, c := range cases {
		r := parseCheckinResponse(mustDecode(t, base+c.extra), time.UTC)
		if r.Hold != c.hold || r.Transit != c.transit || !r.Alert {
			t.Errorf("%s: hold=%v transit=%v", c.extra, r.Hold, r.Transit)
		}
	}
	r := parseCheckinResponse(mustDecode(t, base+"CLblue box right|"), time.UTC)
	if r.SortBin != "blue box right" {
		t.Errorf("sort bin %q", r.SortBin)
	}
}

func TestFBSEnvelopeParsing(t *testing.T) {
	msg, err := ParseFBSResponse([]byte(`<?xml version="1.0"?><ns2:sip xmlns:ns2="http://axiell.com/Schema/sip.xsd"><response>941</response></ns2:sip>`), 200)
	if err != nil || string(msg) != "941" {
		t.Errorf("response: %q %v", msg, err)
	}
	_, err = ParseFBSResponse([]byte(`<ns2:sip xmlns:ns2="x"><error>Login failed</error></ns2:sip>`), 200)
	var fe *FBSError
	if !errors.As(err, &fe) || fe.Message != "Login failed" {
		t.Errorf("error: %v", err)
	}
	_, err = ParseFBSResponse(MarshalFBSRESTError("UNAUTHORIZED", "c0ffee-42", "bad login"), 401)
	if !errors.As(err, &fe) || fe.Code != "UNAUTHORIZED" || fe.CorrelationID != "c0ffee-42" || fe.HTTPStatus != 401 {
		t.Errorf("rest error: %#v", err)
	}
	if !strings.Contains(err.Error(), "c0ffee-42") {
		t.Errorf("correlation id missing from %q", err)
	}
	_, err = ParseFBSResponse([]byte("<html>Service Unavailable</html>"), 503)
	if !errors.Is(err, ErrNotSent) {
		t.Errorf("503: %v", err)
	}
	_, err = ParseFBSResponse([]byte("not xml at all <"), 200)
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
	body, _ := MarshalFBSRequest("kiosk", `p"w<&>`, []byte("9900802.00"))
	req, err := ParseFBSRequest(body)
	if err != nil || req.Login != "kiosk" || req.Password != `p"w<&>` || string(req.Message) != "9900802.00" {
		t.Errorf("request round trip: %+v %v", req, err)
	}
	if !strings.Contains(string(body), `xmlns:ns1="http://axiell.com/Schema/sip.xsd"`) || !strings.Contains(string(body), "<ns1:sip ") {
		t.Errorf("envelope %s", body)
	}
}

func TestFBSURL(t *testing.T) {
	u, err := FBSDialer{BaseURL: "https://cicero-fbs.com/", Agency: "DK-775100"}.URL()
	if err != nil || u != "https://cicero-fbs.com/rest/sip2/DK-775100" {
		t.Errorf("%q %v", u, err)
	}
	if _, err := (FBSDialer{BaseURL: "http://cicero-fbs.com", Agency: "775100"}).URL(); err == nil {
		t.Error("plain http to a remote host accepted")
	}
	if u, err := (FBSDialer{BaseURL: "http://127.0.0.1:8080", Agency: "775100"}).URL(); err != nil || !strings.HasSuffix(u, "/DK-775100") {
		t.Errorf("loopback: %q %v", u, err)
	}
}

// TestFBSClientEndToEnd drives the client over the FBS transport against an
// httptest server: no 93, no CR, no AY/AZ, login in the envelope, parallel
// posts through a Pool.
func TestFBSClientEndToEnd(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rest/sip2/DK-775100" || r.Header.Get("Content-Type") != "application/xml" || r.Method != http.MethodPost {
			http.Error(w, "bad request line", 400)
			return
		}
		body, _ := io.ReadAll(r.Body)
		req, err := ParseFBSRequest(body)
		if err != nil || req.Login != "sipuser" || req.Password != "sippw" {
			w.WriteHeader(401)
			_, _ = w.Write(MarshalFBSRESTError("AUTH", "corr-1", "unauthorised"))
			return
		}
		mu.Lock()
		got = append(got, string(req.Message))
		mu.Unlock()
		switch string(req.Message[:2]) {
		case "99":
			_, _ = w.Write(MarshalFBSResponse([]byte(fbs98)))
		case "23":
			_, _ = w.Write(MarshalFBSResponse([]byte(fbs24)))
		case "29":
			_, _ = w.Write(MarshalFBSResponse([]byte(fbs30)))
		case "17":
			w.WriteHeader(503)
		default:
			_, _ = w.Write(MarshalFBSError("unsupported"))
		}
	}))
	defer srv.Close()
	o := DefaultOptions()
	o.Dialer = FBSDialer{BaseURL: srv.URL, Agency: "775100", Login: "sipuser", Password: "sippw", Client: srv.Client()}
	o.Institution = NormalizeISIL("775100")
	o.ErrorDetection = true // must be ignored on FBS
	o.LoginUser = "ignored"
	o.KeepAlive = 0
	pool := NewPool(3, o)
	defer pool.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- pool.Do(ctx, func(c *Client) error {
				ps, err := c.PatronStatus(ctx, []byte("3210519784"), []byte("1234"))
				if err == nil && !ps.Valid() {
					err = errors.New("not valid")
				}
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := NewClient(o)
	defer c.Close()
	if err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SCStatus(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := c.Renew(ctx, RenewRequest{PatronID: []byte("3210519784"), PIN: []byte("1234"), ItemID: "3274626533"})
	if err != nil || r.OK || len(r.Codes) != 1 || r.Codes[0] != "BEFORE_RENEW_PERIOD" {
		t.Errorf("renew: %+v %v", r, err)
	}
	if _, err := c.ItemInformation(ctx, "x"); !errors.Is(err, ErrNotSent) || IsOutcomeUnknown(err) {
		t.Errorf("503 should be a definite not-sent error: %v", err)
	}
	_, err = c.EndPatronSession(ctx, []byte("3210519784"), []byte("1234"))
	var fe *FBSError
	if !errors.As(err, &fe) || fe.Message != "unsupported" {
		t.Errorf("fbs <error>: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range got {
		if strings.ContainsAny(m, "\r\n") || strings.Contains(m, "AY") || strings.Contains(m, "AZ") || strings.HasPrefix(m, "93") {
			t.Errorf("FBS request %q carries CR, AY/AZ or is a 93", m)
		}
		if !strings.Contains(m, "AODK-775100|") && !strings.HasPrefix(m, "99") {
			t.Errorf("FBS request %q lacks the ISIL institution", m)
		}
	}
	// 6×23, 99, 29, 17 twice (a safe request is retried once after a 503),
	// 35.
	if len(got) != 11 {
		t.Errorf("%d requests reached the server", len(got))
	}
}

func TestFBSCutOffIsUnknownForCheckout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		// The backend committed; the connection dies before the answer.
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("no hijacker")
			return
		}
		conn, _, _ := hj.Hijack()
		conn.Close()
	}))
	defer srv.Close()
	o := DefaultOptions()
	o.Dialer = FBSDialer{BaseURL: srv.URL, Agency: "775100", Client: srv.Client()}
	o.KeepAlive = 0
	c := NewClient(o)
	defer c.Close()
	_, err := c.Checkout(context.Background(), CheckoutRequest{PatronID: []byte("p"), ItemID: "i"})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("err = %v, want ErrOutcomeUnknown", err)
	}
}

// TestFBSEnvelopeBytesMatchTheXMLPackage: the envelope written byte by byte
// (so the PIN never becomes a string) is what xml.Marshal wrote, and the
// answer taken out without the XML decoder is what the decoder finds.
func TestFBSEnvelopeBytesMatchTheXMLPackage(t *testing.T) {
	for _, msg := range []string{"941", "64  |AEJens & <Hansen>|AF\"a\" 'b'\t|", "AEÆble Øst Åen|", "\r\n941\r\n", "AE&#124;|"} {
		old, err := xml.Marshal(fbsRequestXML{Login: "kiosk", Password: `p"w<&>`, NS: FBSNamespace, Request: msg})
		if err != nil {
			t.Fatal(err)
		}
		got, err := MarshalFBSRequest("kiosk", `p"w<&>`, []byte(msg))
		if err != nil || string(got) != xml.Header+string(old) {
			t.Errorf("request envelope of %q:\n got %s\nwant %s%s", msg, got, xml.Header, old)
		}
		body := MarshalFBSResponse([]byte(msg))
		plain, ok := plainFBSResponse(body)
		p, err := parseFBSParts(body)
		if err != nil || p.response == nil {
			t.Fatal(err)
		}
		if want := strings.Trim(*p.response, "\r\n"); !ok || string(plain) != want {
			t.Errorf("answer to %q: plain %q (%v), decoder %q", msg, plain, ok, want)
		}
	}
	for _, body := range []string{`<ns2:sip><error>x</error><response>941</response></ns2:sip>`,
		`<ns2:sip><response><![CDATA[941]]></response></ns2:sip>`, `<response>94&bogus;1</response>`} {
		if _, ok := plainFBSResponse([]byte(body)); ok {
			t.Errorf("plain path took %s, which only the decoder can judge", body)
		}
	}
}
