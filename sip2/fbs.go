package sip2

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// FBSNamespace is the XML namespace of the SIP2-over-HTTPS envelope
// (Axiell sip.xsd, used by FBS/Cicero).
const FBSNamespace = "http://axiell.com/Schema/sip.xsd"

// MaxFBSBody bounds the HTTP bodies the FBS transport and parser accept.
const MaxFBSBody = 1 << 20

// FBSError is an error answer from FBS: either a SIP-level `<error>` in the
// envelope or a REST error with errorCode and correlationId, or a bare HTTP
// error status. It wraps ErrNotSent for 503 (the service is offline and did
// nothing) and ErrConnLost for 502/504 (a gateway may have cut off a request
// the backend still runs).
type FBSError struct {
	HTTPStatus    int
	Code          string // REST errorCode
	CorrelationID string // REST correlationId, for FBS support
	Message       string // <error> text or REST message
}

func (e *FBSError) Error() string {
	var b strings.Builder
	b.WriteString("sip2: fbs error")
	if e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK {
		fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " code %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, " [correlationId %s]", e.CorrelationID)
	}
	return b.String()
}

// Unwrap classifies the error for the client's retry logic.
func (e *FBSError) Unwrap() error {
	switch e.HTTPStatus {
	case http.StatusServiceUnavailable:
		return ErrNotSent
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return ErrConnLost
	}
	return nil
}

type fbsRequestXML struct {
	XMLName  xml.Name `xml:"ns1:sip"`
	Login    string   `xml:"login,attr"`
	Password string   `xml:"password,attr"`
	NS       string   `xml:"xmlns:ns1,attr"`
	Request  string   `xml:"request"`
}

type fbsResponseXML struct {
	XMLName  xml.Name `xml:"ns2:sip"`
	NS       string   `xml:"xmlns:ns2,attr"`
	Response *string  `xml:"response,omitempty"`
	Error    *string  `xml:"error,omitempty"`
}

// MarshalFBSRequest builds the request envelope
// `<ns1:sip login=".." password=".." xmlns:ns1="…sip.xsd"><request>MSG</request></ns1:sip>`.
// msg must be UTF-8 without CR and without AY/AZ. The envelope is written
// (escaped as xml.Marshal escapes) straight into one buffer, never through
// a string, since msg holds the patron id and PIN: the caller zeroes it.
func MarshalFBSRequest(login, password string, msg []byte) ([]byte, error) {
	b := newWbuf(len(xml.Header) + 120 + len(FBSNamespace) + 2*(len(login)+len(password)+len(msg)))
	b.writeString(xml.Header)
	b.writeString(`<ns1:sip login="`)
	_ = xml.EscapeText(b, []byte(login))
	b.writeString(`" password="`)
	_ = xml.EscapeText(b, []byte(password))
	b.writeString(`" xmlns:ns1="`)
	_ = xml.EscapeText(b, []byte(FBSNamespace))
	b.writeString(`"><request>`)
	if err := xml.EscapeText(b, msg); err != nil {
		b.wipe()
		return nil, fmt.Errorf("sip2: fbs envelope: %w", err)
	}
	b.writeString(`</request></ns1:sip>`)
	return b.b, nil
}

// MarshalFBSResponse builds the answer envelope around a SIP2 response, as
// the simulator sends it.
func MarshalFBSResponse(msg []byte) []byte {
	s := string(msg)
	out, _ := xml.Marshal(fbsResponseXML{NS: FBSNamespace, Response: &s})
	return append([]byte(xml.Header), out...)
}

// MarshalFBSError builds an envelope carrying a SIP-level `<error>`.
func MarshalFBSError(text string) []byte {
	out, _ := xml.Marshal(fbsResponseXML{NS: FBSNamespace, Error: &text})
	return append([]byte(xml.Header), out...)
}

// MarshalFBSRESTError builds a REST error body with errorCode,
// correlationId and message.
func MarshalFBSRESTError(code, correlationID, message string) []byte {
	type restError struct {
		XMLName       xml.Name `xml:"error"`
		ErrorCode     string   `xml:"errorCode"`
		CorrelationID string   `xml:"correlationId"`
		Message       string   `xml:"message,omitempty"`
	}
	out, _ := xml.Marshal(restError{ErrorCode: code, CorrelationID: correlationID, Message: message})
	return append([]byte(xml.Header), out...)
}

// FBSRequest is a parsed request envelope (used by the simulator).
type FBSRequest struct {
	Login, Password string
	Message         []byte
}

// fbsParts walks any XML document and collects the texts and attributes
// the envelopes use, whatever the prefixes and nesting.
type fbsParts struct {
	login, password      string
	hasLogin             bool
	request, response    *string
	errText              *string
	errCode, correlation string
	message              string
}

func parseFBSParts(body []byte) (*fbsParts, error) {
	if len(body) > MaxFBSBody {
		return nil, fmt.Errorf("%w: fbs body of %d bytes", ErrMalformed, len(body))
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	// FBS says UTF-8; accept documents declaring another charset as if
	// they were UTF-8 rather than failing.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	p := &fbsParts{}
	var stack []string
	var text strings.Builder
	depthLimit := 64
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: fbs xml: %w", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= depthLimit {
				return nil, fmt.Errorf("%w: fbs xml nested too deep", ErrMalformed)
			}
			if len(stack) == 0 {
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "login":
						p.login, p.hasLogin = a.Value, true
					case "password":
						p.password = a.Value
					}
				}
			}
			stack = append(stack, t.Name.Local)
			text.Reset()
		case xml.CharData:
			if text.Len()+len(t) <= MaxFBSBody {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("%w: fbs xml unbalanced", ErrMalformed)
			}
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			v := text.String()
			switch name {
			case "request":
				p.request = &v
			case "response":
				p.response = &v
			case "error":
				if strings.TrimSpace(v) != "" || p.errText == nil {
					p.errText = &v
				}
			case "errorCode", "code":
				p.errCode = strings.TrimSpace(v)
			case "correlationId":
				p.correlation = strings.TrimSpace(v)
			case "message", "errorMessage", "description":
				p.message = strings.TrimSpace(v)
			}
			text.Reset()
		}
	}
	return p, nil
}

// ParseFBSRequest parses a request envelope.
func ParseFBSRequest(body []byte) (FBSRequest, error) {
	p, err := parseFBSParts(body)
	if err != nil {
		return FBSRequest{}, err
	}
	if p.request == nil {
		return FBSRequest{}, fmt.Errorf("%w: fbs envelope without <request>", ErrMalformed)
	}
	return FBSRequest{Login: p.login, Password: p.password, Message: []byte(strings.Trim(*p.request, "\r\n"))}, nil
}

// ParseFBSResponse parses an answer body. It returns the SIP2 message of a
// `<response>`, or an *FBSError for `<error>` and REST errors. httpStatus is
// recorded in the error (0 when unknown).
func ParseFBSResponse(body []byte, httpStatus int) ([]byte, error) {
	if httpStatus/100 == 2 || httpStatus == 0 {
		if msg, ok := plainFBSResponse(body); ok {
			return msg, nil
		}
	}
	p, err := parseFBSParts(body)
	if err != nil {
		if httpStatus != 0 && httpStatus != http.StatusOK {
			return nil, &FBSError{HTTPStatus: httpStatus, Message: http.StatusText(httpStatus)}
		}
		return nil, err
	}
	if p.response != nil && httpStatus/100 == 2 || p.response != nil && httpStatus == 0 {
		return []byte(strings.Trim(*p.response, "\r\n")), nil
	}
	if p.errText != nil || p.errCode != "" || p.correlation != "" || (httpStatus != 0 && httpStatus/100 != 2) {
		e := &FBSError{HTTPStatus: httpStatus, Code: p.errCode, CorrelationID: p.correlation, Message: p.message}
		if e.Message == "" && p.errText != nil {
			e.Message = strings.TrimSpace(*p.errText)
		}
		if e.Message == "" && httpStatus != 0 {
			e.Message = http.StatusText(httpStatus)
		}
		return nil, e
	}
	return nil, fmt.Errorf("%w: fbs answer without <response> or <error>", ErrMalformed)
}

// plainFBSResponse takes the SIP2 message out of an ordinary answer, one
// `<response>` element holding text and character references only, into a
// new slice the caller owns and zeroes. It makes no other copy (the XML
// decoder keeps several, as strings): the message holds the patron's id and
// name. Anything else (an error, CDATA, comments, several responses) is left
// to the XML decoder.
func plainFBSResponse(body []byte) ([]byte, bool) {
	open, end := []byte("<response>"), []byte("</response>")
	i := bytes.Index(body, open)
	if i < 0 || bytes.Count(body, open) != 1 || len(body) > MaxFBSBody {
		return nil, false
	}
	text := body[i+len(open):]
	j := bytes.Index(text, end)
	if j < 0 || bytes.Contains(body[:i], []byte("<error")) {
		return nil, false
	}
	text = text[:j]
	if bytes.ContainsAny(text, "<>") {
		return nil, false
	}
	out := make([]byte, 0, len(text))
	for k := 0; k < len(text); k++ {
		c := text[k]
		if c != '&' {
			out = append(out, c)
			continue
		}
		semi := bytes.IndexByte(text[k:], ';')
		if semi < 0 {
			Zero(out)
			return nil, false
		}
		r, ok := xmlEntity(text[k+1 : k+semi])
		if !ok {
			Zero(out)
			return nil, false
		}
		out = utf8.AppendRune(out, r)
		k += semi
	}
	// As ParseFBSResponse does for the decoder's text.
	trimmed := bytes.Trim(out, "\r\n")
	if len(trimmed) != len(out) {
		msg := append(make([]byte, 0, len(trimmed)), trimmed...)
		Zero(out)
		out = msg
	}
	if !utf8.Valid(out) {
		Zero(out)
		return nil, false
	}
	return out, true
}

// xmlEntity decodes the name of an XML entity or character reference
// (without & and ;).
func xmlEntity(name []byte) (rune, bool) {
	switch string(name) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	base, digits := 10, name[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 || len(digits) > 6 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	r := rune(n)
	if err != nil || !utf8.ValidRune(r) || r == 0 {
		return 0, false
	}
	// XML 1.0 allows only these control characters.
	if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
		return 0, false
	}
	return r, true
}

// FBSDialer is the SIP2-over-HTTPS transport of FBS/Cicero: every message
// is POSTed to <BaseURL>/rest/sip2/DK-<agency> inside the XML envelope, with
// the SC's login in the envelope's attributes (so no 93 is sent). Parallel
// posts are fine, so one FBSDialer can serve a Pool.
type FBSDialer struct {
	// BaseURL is scheme and host, e.g. "https://cicero-fbs.com". Plain
	// http:// is refused except to a loopback address (tests).
	BaseURL string
	// Agency is the library's ISIL number, with or without "DK-".
	Agency          string
	Login, Password string
	TLS             TLSOptions
	// Client overrides the HTTP client (tests); its transport must do TLS
	// verification itself.
	Client *http.Client
}

// URL returns the endpoint the dialer posts to.
func (d FBSDialer) URL() (string, error) {
	u, err := url.Parse(strings.TrimRight(d.BaseURL, "/"))
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("sip2: fbs base url %q is not an absolute URL", d.BaseURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("sip2: fbs base url %q: plain http is only allowed to loopback", d.BaseURL)
		}
	default:
		return "", fmt.Errorf("sip2: fbs base url %q: scheme must be https", d.BaseURL)
	}
	agency := strings.TrimPrefix(strings.TrimPrefix(d.Agency, "DK-"), "dk-")
	if agency == "" {
		return "", fmt.Errorf("sip2: fbs agency is empty")
	}
	return u.String() + "/rest/sip2/DK-" + url.PathEscape(agency), nil
}

func (d FBSDialer) httpClient() *http.Client {
	if d.Client != nil {
		return d.Client
	}
	return &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{
			MinVersion:         tls.VersionTLS12,
			ServerName:         d.TLS.ServerName,
			RootCAs:            d.TLS.RootCAs,
			Certificates:       d.TLS.Certificates,
			InsecureSkipVerify: d.TLS.InsecureSkipVerify,
		},
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 8,
		ForceAttemptHTTP2:   true,
	}}
}

// Dial implements Dialer. It checks the URL but opens nothing: every
// message is its own POST.
func (d FBSDialer) Dial(ctx context.Context) (Conn, error) {
	u, err := d.URL()
	if err != nil {
		return nil, err
	}
	return &fbsConn{url: u, login: d.Login, password: d.Password, hc: d.httpClient(), ownClient: d.Client == nil}, nil
}

// Stream implements Dialer: FBS is request/response.
func (FBSDialer) Stream() bool { return false }

type fbsConn struct {
	url, login, password string
	hc                   *http.Client
	ownClient            bool // hc was made by Dial, so Close may shut it
	answer               []byte
	err                  error
	pending              bool
	closed               atomic.Bool
}

var _ Conn = (*fbsConn)(nil)

func (c *fbsConn) Send(ctx context.Context, frame []byte) error {
	if c.closed.Load() {
		return fmt.Errorf("%w: fbs connection closed", ErrNotSent)
	}
	c.answer, c.err, c.pending = nil, nil, true
	body, err := MarshalFBSRequest(c.login, c.password, frame)
	if err != nil {
		return err
	}
	// The envelope holds the patron id and PIN like the frame. (net/http
	// copies it into the connection's write buffer, which this package
	// cannot reach: see the README's privacy section.)
	defer Zero(body)
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sip2: fbs request: %w", err)
	}
	req.Header.Set("Content-Type", "application/xml")
	resp, err := c.hc.Do(req)
	if err != nil {
		if !wrote.Load() {
			c.err = fmt.Errorf("%w: fbs post: %w", ErrNotSent, err)
		} else {
			c.err = fmt.Errorf("%w: fbs post: %w", ErrConnLost, err)
		}
		return nil
	}
	defer resp.Body.Close()
	data, err := readBody(resp.Body, resp.ContentLength, MaxFBSBody+1)
	// The answer holds the patron's id and name; the message taken out of
	// it is the caller's to zero.
	defer Zero(data)
	if err != nil {
		c.err = fmt.Errorf("%w: fbs read: %w", ErrConnLost, err)
		return nil
	}
	if len(data) > MaxFBSBody {
		c.err = fmt.Errorf("%w: fbs answer larger than %d bytes", ErrMalformed, MaxFBSBody)
		return nil
	}
	c.answer, c.err = ParseFBSResponse(data, resp.StatusCode)
	return nil
}

// readBody reads r up to limit bytes into one buffer, sized from the
// announced length when there is one, and zeroing each array it outgrows
// (io.ReadAll leaves them behind).
func readBody(r io.Reader, length int64, limit int) ([]byte, error) {
	n := 4096
	if length > 0 && length < int64(limit) {
		n = int(length) + 1
	}
	buf := make([]byte, 0, n)
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= limit {
				return buf, nil
			}
			nb := make([]byte, len(buf), min(2*cap(buf), limit))
			copy(nb, buf)
			Zero(buf)
			buf = nb
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (c *fbsConn) Receive(ctx context.Context) ([]byte, error) {
	if !c.pending {
		return nil, errors.New("sip2: fbs receive without a request")
	}
	c.pending = false
	return c.answer, c.err
}

func (c *fbsConn) Close() error {
	if !c.closed.Swap(true) && c.ownClient {
		// Each Dial makes its own HTTP transport; close its idle
		// keep-alive connections so reconnects do not leak sockets.
		c.hc.CloseIdleConnections()
	}
	return nil
}

// isFBSError reports whether err came from an FBS answer.
func isFBSError(err error) bool {
	var fe *FBSError
	return errors.As(err, &fe)
}
