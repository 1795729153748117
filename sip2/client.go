package sip2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Logger receives the client's diagnostics. logrus.FieldLogger satisfies
// it. Messages are logged with passwords, PINs, patron ids and personal
// data masked (Message.String, MaskField).
type Logger interface {
	Debugf(format string, args ...any)
	Warnf(format string, args ...any)
}

// Client errors.
var (
	// ErrOutcomeUnknown: the connection broke (or the reply never came)
	// after a Checkout, Renew or Checkin was sent, so the ACS may or may not
	// have done it. It is neither success nor failure: settle it with
	// Client.Settle before touching the item's security bit.
	ErrOutcomeUnknown = errors.New("sip2: outcome unknown")
	// ErrLoginFailed: the ACS answered 94 with ok=0.
	ErrLoginFailed = errors.New("sip2: login refused")
	// ErrClosed: the client was closed.
	ErrClosed = errors.New("sip2: client closed")
	// ErrUnexpectedResponse: the ACS answered with a message that does not
	// answer the request.
	ErrUnexpectedResponse = errors.New("sip2: unexpected response")
	// ErrWrongSubject: the ACS answered the right message type about
	// another item (AB) or another patron (AA). It matches
	// ErrUnexpectedResponse too, and for a checkout, renew or checkin also
	// ErrOutcomeUnknown, since what happened to the asked item is unknown.
	ErrWrongSubject = fmt.Errorf("%w: about another item or patron", ErrUnexpectedResponse)
)

// Options configure a Client. Start from DefaultOptions.
type Options struct {
	// Dialer opens connections: TCPDialer, TLSDialer or FBSDialer.
	Dialer Dialer
	// Institution is the AO sent in every request, e.g. "DK-775100"
	// (FBS wants the ISIL with prefix). Default "".
	Institution string
	// LoginUser and LoginPassword are the 93 CN/CO on stream transports;
	// when LoginUser is empty no 93 is sent. FBS takes its login in
	// FBSDialer instead. Default "".
	LoginUser, LoginPassword string
	// Location is the CP of the 93 and the AP of checkins. Default "".
	Location string
	// TerminalPassword is AC, sent empty by default as FBS expects.
	TerminalPassword string
	// Charset of stream connections. Default UTF8. FBS is always UTF-8.
	Charset Charset
	// ErrorDetection enables AY/AZ on stream transports (never on FBS).
	// Default false.
	ErrorDetection bool
	// Language is the 3-digit language code of requests. Default "009"
	// (Danish).
	Language string
	// MaxPrintWidth is the 99's max print width. Default 80.
	MaxPrintWidth int
	// RequestTimeout bounds each request; a shorter ACS 98 timeout period
	// lowers it. Default 20 s.
	RequestTimeout time.Duration
	// Retries is how often the identical bytes are resent after a 96 or a
	// read timeout, capped by the 98's retries allowed. Default 2.
	Retries int
	// KeepAlive sends a 99 when the connection has been idle this long,
	// so the ACS does not drop it. 0 disables it. Default 60 s.
	KeepAlive time.Duration
	// ResendUnsafeOnTimeout allows the identical-bytes resend after a read
	// timeout for 11, 29 and 09 too. Only for ACSes that deduplicate by
	// AY+AZ (FOLIO edge-sip2 with error detection). Default false: such a
	// timeout yields ErrOutcomeUnknown.
	ResendUnsafeOnTimeout bool
	// Now is the clock for transaction dates. Default time.Now.
	Now func() time.Time
	// TimeZone of the ACS for dates. Default time.Local.
	TimeZone *time.Location
	// Logger gets debug and warning lines; nil is silent.
	Logger Logger
	// Observer is told of every exchange and every reconnection, for the
	// metrics; nil observes nothing.
	Observer Observer
}

// Observer is told what the client did, without anything of a message's
// content. Its methods are called with the client's lock held: they must be
// quick and must not use the client.
type Observer interface {
	// Exchange reports one request (its code, e.g. "11") with its result
	// (the Result constants) and how long it took, retries included.
	Exchange(code Code, result string, d time.Duration)
	// Reconnected reports a new connection after an earlier one was lost
	// or dropped (not the first connection).
	Reconnected()
}

// The results of an exchange, as an Observer is told them.
const (
	ResultOK      = "ok"       // answered
	ResultUnknown = "unknown"  // ErrOutcomeUnknown: it may or may not have been done
	ResultTimeout = "timeout"  // no answer in time
	ResultNotSent = "not_sent" // nothing reached the library system (no connection)
	ResultRefused = "refused"  // the login was refused
	ResultError   = "error"    // anything else: a lost connection, a garbled or wrong answer
)

// resultOf classifies an exchange's error for an Observer.
func resultOf(err error) string {
	switch {
	case err == nil:
		return ResultOK
	case errors.Is(err, ErrOutcomeUnknown):
		return ResultUnknown
	case errors.Is(err, ErrLoginFailed):
		return ResultRefused
	case errors.Is(err, ErrNotSent):
		return ResultNotSent
	case errors.Is(err, ErrTimeout):
		return ResultTimeout
	}
	return ResultError
}

// DefaultOptions returns the defaults documented on Options.
func DefaultOptions() Options {
	return Options{
		Language:       "009",
		MaxPrintWidth:  80,
		RequestTimeout: 20 * time.Second,
		Retries:        2,
		KeepAlive:      60 * time.Second,
	}
}

func (o *Options) fill() {
	d := DefaultOptions()
	if o.Language == "" {
		o.Language = d.Language
	}
	if o.MaxPrintWidth <= 0 {
		o.MaxPrintWidth = d.MaxPrintWidth
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = d.RequestTimeout
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TimeZone == nil {
		o.TimeZone = time.Local
	}
}

// Client talks to one ACS over one connection with one request in flight.
// It reconnects (and logs in again) when the connection drops. It is safe
// for concurrent use; requests are serialised. Use a Pool for parallel work.
type Client struct {
	opts   Options
	stream bool

	mu       sync.Mutex // held for a whole exchange
	conn     Conn
	seq      int
	lastUsed time.Time
	acs      *ACSStatus // last 98 seen
	closed   bool
	// connected is set once a connection was opened, so that later ones
	// count as reconnections.
	connected bool

	// aliveCheckAfter is the idleness after which the connection is
	// checked for a close by the ACS before use (1 s; tests lower it).
	aliveCheckAfter time.Duration

	stopKeepAlive chan struct{}
	keepAliveDone chan struct{}
}

// NewClient returns a client; it connects lazily on the first request.
// When opts.KeepAlive > 0 a goroutine sends 99s while idle until Close.
func NewClient(opts Options) *Client {
	opts.fill()
	c := &Client{opts: opts, seq: -1, aliveCheckAfter: time.Second}
	if opts.Dialer != nil {
		c.stream = opts.Dialer.Stream()
	}
	// FBS HTTPS has no connection to keep alive.
	if opts.KeepAlive > 0 && c.stream {
		c.stopKeepAlive = make(chan struct{})
		c.keepAliveDone = make(chan struct{})
		go c.keepAliveLoop()
	}
	return c
}

// Options returns the client's effective options.
func (c *Client) Options() Options { return c.opts }

// Close stops the keepalive and closes the connection.
func (c *Client) Close() error {
	if c.stopKeepAlive != nil {
		select {
		case <-c.stopKeepAlive:
		default:
			close(c.stopKeepAlive)
			<-c.keepAliveDone
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return c.dropLocked()
}

func (c *Client) keepAliveLoop() {
	defer close(c.keepAliveDone)
	t := time.NewTicker(c.opts.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-c.stopKeepAlive:
			return
		case <-t.C:
		}
		// Skip the probe when a request is in flight: that request keeps
		// the connection alive by itself.
		if !c.mu.TryLock() {
			continue
		}
		// Half the interval as the idleness threshold: the previous
		// keepalive itself happened a hair after its tick.
		idle := c.conn != nil && !c.closed && c.opts.Now().Sub(c.lastUsed) >= c.opts.KeepAlive/2
		c.mu.Unlock()
		if !idle {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.RequestTimeout)
		if _, err := c.SCStatus(ctx); err != nil {
			c.warnf("sip2: keepalive: %v", err)
		}
		cancel()
	}
}

func (c *Client) debugf(format string, args ...any) {
	if c.opts.Logger != nil {
		c.opts.Logger.Debugf(format, args...)
	}
}

func (c *Client) warnf(format string, args ...any) {
	if c.opts.Logger != nil {
		c.opts.Logger.Warnf(format, args...)
	}
}

func (c *Client) dropLocked() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// unsafeOps are the requests whose blind repetition changes state: a second
// 11 may renew, a second 29 spends a renewal, a second 65 spends one on every
// loan, a second 09 reports "not on loan".
func unsafeOp(code Code) bool {
	return code == MsgCheckout || code == MsgRenew || code == MsgRenewAll || code == MsgCheckin
}

// Do sends any request and returns its response, with the full
// reliability policy: connect and log in when needed, per-request
// deadline, 96 and read-timeout resends of the identical bytes, 97 on a
// garbled response, reconnect-and-retry for requests that are safe to
// repeat, and ErrOutcomeUnknown for 11/29/09 whose fate is unknown.
//
// The request's AY is set by the client; callers leave Seq alone.
func (c *Client) Do(ctx context.Context, req *Message) (resp *Message, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.opts.Observer != nil {
		start := time.Now()
		defer func() { c.opts.Observer.Exchange(req.Code, resultOf(err), time.Since(start)) }()
	}
	resp, err = c.doLocked(ctx, req, true)
	retry := false
	switch {
	case err == nil || ctx.Err() != nil || errors.Is(err, ErrOutcomeUnknown):
	case errors.Is(err, ErrNotSent):
		// Nothing reached the ACS, so even a checkout may be sent again.
		retry = true
	case !unsafeOp(req.Code):
		retry = errors.Is(err, ErrConnLost) || errors.Is(err, ErrTimeout)
	}
	if retry {
		// One more try on a fresh connection.
		c.debugf("sip2: %s failed (%v); reconnecting and retrying once", req.Code, err)
		resp, err = c.doLocked(ctx, req, true)
	}
	return resp, err
}

func (c *Client) connectLocked(ctx context.Context) error {
	if c.conn != nil && c.opts.Now().Sub(c.lastUsed) >= c.aliveCheckAfter {
		if ac, ok := c.conn.(aliveChecker); ok && !ac.Alive() {
			c.debugf("sip2: the ACS closed the idle connection; reconnecting")
			_ = c.dropLocked()
		}
	}
	if c.conn != nil {
		return nil
	}
	if c.opts.Dialer == nil {
		return fmt.Errorf("%w: sip2: no dialer configured", ErrNotSent)
	}
	dctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	conn, err := c.opts.Dialer.Dial(dctx)
	if err != nil {
		return err
	}
	c.conn = conn
	c.seq = -1
	if c.connected && c.opts.Observer != nil {
		c.opts.Observer.Reconnected()
	}
	c.connected = true
	c.lastUsed = c.opts.Now()
	if c.stream && c.opts.LoginUser != "" {
		m := NewMessage(MsgLogin).SetFixed(FUIDAlgorithm, "0").SetFixed(FPWDAlgorithm, "0")
		m.Add(FieldLoginUserID, c.opts.LoginUser).Add(FieldLoginPassword, c.opts.LoginPassword)
		if c.opts.Location != "" {
			m.Add(FieldLocationCode, c.opts.Location)
		}
		resp, err := c.doLocked(ctx, m, false)
		if err != nil {
			_ = c.dropLocked()
			return fmt.Errorf("sip2: login: %w", err)
		}
		if resp.FixedValue(FOK) != "1" {
			_ = c.dropLocked()
			return ErrLoginFailed
		}
	}
	return nil
}

func (c *Client) nextSeq() int {
	c.seq = (c.seq + 1) % 10
	return c.seq
}

// requestTimeout is the option, lowered by a valid 98 timeout period.
func (c *Client) requestTimeout() time.Duration {
	d := c.opts.RequestTimeout
	if c.acs != nil && c.acs.TimeoutKnown && c.acs.Timeout > 0 && c.acs.Timeout < d {
		d = c.acs.Timeout
	}
	return d
}

func (c *Client) retries() int {
	r := c.opts.Retries
	if c.acs != nil && c.acs.RetriesAllowed >= 0 && c.acs.RetriesAllowed < r {
		r = c.acs.RetriesAllowed
	}
	return r
}

// charset is the configured one on stream transports; FBS carries UTF-8
// XML, so its messages are always UTF-8.
func (c *Client) charset() Charset {
	if !c.stream {
		return UTF8
	}
	return c.opts.Charset
}

func (c *Client) encodeOpts() EncodeOptions {
	return EncodeOptions{Charset: c.charset(), ErrorDetection: c.stream && c.opts.ErrorDetection}
}

// doLocked performs one exchange on the current (or a new) connection.
func (c *Client) doLocked(ctx context.Context, req *Message, connect bool) (*Message, error) {
	if connect {
		if err := c.connectLocked(ctx); err != nil {
			return nil, err
		}
	}
	spec, ok := specs[req.Code]
	if !ok || spec.Response == "" {
		return nil, fmt.Errorf("%w: sip2: %s is not a request the client sends", ErrInvalid, req.Code)
	}
	m := req.Clone()
	// The clone carries its own copy of the patron id and PIN.
	defer m.Wipe()
	m.HasSeq = false
	if c.stream && c.opts.ErrorDetection {
		m.HasSeq, m.Seq = true, c.nextSeq()
	}
	frame, err := Encode(m, c.encodeOpts())
	if err != nil {
		return nil, err
	}
	// The frame holds the patron id and PIN (AA, AD): overwrite it once the
	// exchange is over rather than leave it on the heap until the next GC.
	// Transports are done with it when receive returns.
	defer Zero(frame)
	conn := c.conn
	unsafe := unsafeOp(req.Code)
	c.debugf("sip2: -> %s", m.String())

	// Each attempt (first send, and every resend) gets the full request
	// timeout from its own start.
	deadline := time.Now().Add(c.requestTimeout())
	// lost handles a broken connection after the request may have been
	// delivered.
	lost := func(cause error) (*Message, error) {
		_ = c.dropLocked()
		if unsafe {
			return nil, fmt.Errorf("%w: %s: %w", ErrOutcomeUnknown, req.Code, cause)
		}
		return nil, cause
	}
	if err := c.sendWithin(ctx, deadline, conn, frame); err != nil {
		_ = c.dropLocked()
		if errors.Is(err, ErrNotSent) {
			return nil, err
		}
		return lost(err)
	}
	c.lastUsed = c.opts.Now()
	resends := c.retries()
	lastSent := frame
	stale := 0
	for {
		raw, err := c.receiveWithin(ctx, deadline, conn)
		if err != nil {
			if ctx.Err() != nil {
				// The caller gave up; a late reply could desynchronise the
				// connection, so drop it.
				return lost(fmt.Errorf("%w: %w", ErrTimeout, ctx.Err()))
			}
			if errors.Is(err, ErrTimeout) && c.stream {
				if resends > 0 && (!unsafe || c.opts.ResendUnsafeOnTimeout) && lastSent != nil {
					resends--
					c.warnf("sip2: %s timed out; resending the identical bytes", req.Code)
					deadline = time.Now().Add(c.requestTimeout())
					if err := c.sendWithin(ctx, deadline, conn, lastSent); err != nil {
						return lost(err)
					}
					continue
				}
				return lost(err)
			}
			if errors.Is(err, ErrNotSent) {
				_ = c.dropLocked()
				return nil, err
			}
			if isFBSError(err) && !errors.Is(err, ErrConnLost) {
				// FBS answered with an error: definite, and the
				// stateless connection stays usable.
				return nil, err
			}
			return lost(err)
		}
		c.lastUsed = c.opts.Now()
		ed := c.stream && c.opts.ErrorDetection
		// A Private decode keeps the patron's id and name only as bytes the
		// caller wipes, and drops the personal fields the kiosk never uses.
		resp, derr := Decode(raw, DecodeOptions{Charset: c.charset(), VerifyChecksum: ed, ErrorDetection: ed, Private: true})
		// The raw frame is the transport's read buffer; nothing refers to
		// it any more.
		Zero(raw)
		if derr != nil {
			resp.Wipe()
			c.warnf("sip2: garbled response to %s: %v", req.Code, derr)
			if c.stream && resends > 0 {
				// Ask the ACS to repeat its last response. This is only
				// ever sent on the connection that produced the garbled
				// frame, never on a fresh one (Koha answers 97 with a
				// process-global last response).
				resends--
				rq, _ := Encode(NewMessage(MsgRequestACSResend), c.encodeOpts())
				deadline = time.Now().Add(c.requestTimeout())
				if err := c.sendWithin(ctx, deadline, conn, rq); err != nil {
					return lost(err)
				}
				lastSent = nil // never answer a 96 to our 97 by resending it
				continue
			}
			return lost(fmt.Errorf("%w: %w", ErrConnLost, derr))
		}
		c.debugf("sip2: <- %s", resp.String())
		if resp.Code == MsgRequestSCResend {
			if lastSent == nil {
				// The ACS could not read our 97; the spec forbids
				// answering that with another resend.
				return lost(fmt.Errorf("%w: 96 in answer to our 97", ErrConnLost))
			}
			if resends <= 0 {
				return lost(fmt.Errorf("%w: too many 96 resend requests", ErrConnLost))
			}
			resends--
			deadline = time.Now().Add(c.requestTimeout())
			if err := c.sendWithin(ctx, deadline, conn, lastSent); err != nil {
				return lost(err)
			}
			continue
		}
		if c.stream && c.opts.ErrorDetection {
			if err := CheckSeq(resp, m.Seq); err != nil {
				// A stale answer (e.g. to a request we already gave up
				// on): the spec says discard it and keep waiting.
				c.warnf("sip2: discarding response: %v", err)
				resp.Wipe()
				if stale++; stale > 3 {
					return lost(err)
				}
				continue
			}
		}
		if resp.Code != spec.Response {
			resp.Wipe()
			if stale++; stale > 3 || !c.stream {
				return lost(fmt.Errorf("%w: %s answered with %s", ErrUnexpectedResponse, req.Code, resp.Code))
			}
			c.warnf("sip2: discarding %s while waiting for %s", resp.Code, spec.Response)
			continue
		}
		if err := checkSubject(req, resp); err != nil {
			// A well-formed answer about another item or patron: a
			// confused ACS or a desynchronised stream. Never take it as
			// the answer; the connection is dropped, since what it carries
			// next cannot be trusted either.
			c.warnf("sip2: %v", err)
			resp.Wipe()
			return lost(err)
		}
		lastSent = frame
		if resp.Code == MsgACSStatus {
			st := parseACSStatus(resp, c.opts.TimeZone)
			c.acs = &st
		}
		return resp, nil
	}
}

// ACS returns the last ACS status seen (from a 98), if any.
func (c *Client) ACS() (ACSStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.acs == nil {
		return ACSStatus{}, false
	}
	return *c.acs, true
}

func (c *Client) sendWithin(ctx context.Context, deadline time.Time, conn Conn, frame []byte) error {
	sctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	return conn.Send(sctx, frame)
}

func (c *Client) receiveWithin(ctx context.Context, deadline time.Time, conn Conn) ([]byte, error) {
	rctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	return conn.Receive(rctx)
}

// checkSubject checks that resp is about the item (AB) and patron (AA) req
// asked about: item answers (12, 10, 30, 18) must name the requested item,
// and patron answers (24 to a 23 or a 01, 64) the requested patron. An
// empty id counts as another one, since the answer then does not say whose
// it is. Patron ids are compared without FBS's "LN:" prefix, and never
// quoted in the error: they may be CPR numbers.
func checkSubject(req, resp *Message) error {
	switch resp.Code {
	case MsgCheckoutResponse, MsgCheckinResponse, MsgRenewResponse, MsgItemInfoResponse:
		want := req.Get(FieldItemID)
		if want == "" {
			// A renew by title id (AJ) names no item to compare.
			return nil
		}
		if got := resp.Get(FieldItemID); !sameID(got, want) {
			return fmt.Errorf("%w: %s about item %q answered with a %s about item %q", ErrWrongSubject, req.Code, want, resp.Code, got)
		}
	case MsgPatronStatusResponse, MsgPatronInfoResponse:
		// The ids are compared as bytes: they are Secrets of a Private
		// decode or of a request built with AddSecret.
		want, _ := req.secretOrValue(FieldPatronID)
		if len(want) == 0 {
			return nil
		}
		got, _ := resp.secretOrValue(FieldPatronID)
		if !sameIDBytes(stripLNBytes(got), stripLNBytes(want)) {
			if len(got) == 0 {
				return fmt.Errorf("%w: %s answered with a %s that names no patron", ErrWrongSubject, req.Code, resp.Code)
			}
			return fmt.Errorf("%w: %s answered with a %s about another patron", ErrWrongSubject, req.Code, resp.Code)
		}
	}
	return nil
}

// sameIDBytes is sameID for ids held as bytes.
func sameIDBytes(a, b []byte) bool {
	return bytes.EqualFold(bytes.TrimSpace(a), bytes.TrimSpace(b))
}

// sameID compares two ids as the ACS may echo them: surrounding blanks
// (fixed-width ACS databases pad) and letter case do not count.
func sameID(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
