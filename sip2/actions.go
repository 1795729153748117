package sip2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

func (c *Client) now() time.Time { return c.opts.Now().In(c.opts.TimeZone) }

func (c *Client) date(t time.Time) string {
	if t.IsZero() {
		t = c.now()
	}
	return FormatDate(t.In(c.opts.TimeZone))
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// Login connects when needed and sends the 93 login. On the FBS transport,
// whose login travels in each HTTP request, it does nothing. Other actions
// log in by themselves; calling Login first only surfaces a bad password
// early.
func (c *Client) Login(ctx context.Context) error {
	if !c.stream {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if ac, ok := c.conn.(aliveChecker); ok && c.opts.Now().Sub(c.lastUsed) >= c.aliveCheckAfter && !ac.Alive() {
		_ = c.dropLocked()
	}
	if c.conn == nil {
		// A new connection logs in as it opens.
		return c.connectLocked(ctx)
	}
	if c.opts.LoginUser == "" {
		return nil
	}
	m := NewMessage(MsgLogin).SetFixed(FUIDAlgorithm, "0").SetFixed(FPWDAlgorithm, "0")
	m.Add(FieldLoginUserID, c.opts.LoginUser).Add(FieldLoginPassword, c.opts.LoginPassword)
	if c.opts.Location != "" {
		m.Add(FieldLocationCode, c.opts.Location)
	}
	resp, err := c.doLocked(ctx, m, false)
	if err != nil {
		if ctx.Err() != nil || !(errors.Is(err, ErrConnLost) || errors.Is(err, ErrTimeout)) {
			return fmt.Errorf("sip2: login: %w", err)
		}
		// The connection broke: a fresh one logs in by itself.
		_ = c.dropLocked()
		return c.connectLocked(ctx)
	}
	if resp.FixedValue(FOK) != "1" {
		return ErrLoginFailed
	}
	return nil
}

// SCStatus sends 99 and returns the parsed 98. The client keeps the 98's
// timeout and retries for later requests.
func (c *Client) SCStatus(ctx context.Context) (ACSStatus, error) {
	m := NewMessage(MsgSCStatus).SetFixed(FStatusCode, "0").
		SetFixed(FMaxPrintWidth, fmt.Sprintf("%03d", c.opts.MaxPrintWidth%1000)).SetFixed(FProtocolVersion, "2.00")
	resp, err := c.Do(ctx, m)
	if err != nil {
		return ACSStatus{}, err
	}
	return parseACSStatus(resp, c.opts.TimeZone), nil
}

func (c *Client) patronFields(m *Message, patronID, pin []byte, forceAD bool) {
	m.Add(FieldInstitutionID, c.opts.Institution).AddSecret(FieldPatronID, patronID).Add(FieldTerminalPassword, c.opts.TerminalPassword)
	if len(pin) > 0 || forceAD {
		m.AddSecret(FieldPatronPassword, pin)
	}
}

// exchange sends m and wipes both it and the response once parse has taken
// what it needs: the patron id, PIN and name are zeroed as the call
// returns, and only the parsed result (whose personal bytes the caller
// owns) survives.
func exchange[T any](c *Client, ctx context.Context, m *Message, parse func(*Message) T) (T, error) {
	defer m.Wipe()
	resp, err := c.Do(ctx, m)
	if err != nil {
		var zero T
		return zero, err
	}
	defer resp.Wipe()
	return parse(resp), nil
}

// PatronStatus sends 23. Check the result's Valid before trusting it.
// patronID and pin stay the caller's; the result's PatronID and Name are
// the caller's to Zero.
func (c *Client) PatronStatus(ctx context.Context, patronID, pin []byte) (PatronStatus, error) {
	m := NewMessage(MsgPatronStatus).SetFixed(FLanguage, c.opts.Language).SetFixed(FTransactionDate, c.date(time.Time{}))
	c.patronFields(m, patronID, pin, true)
	return exchange(c, ctx, m, c.parsePatronStatus)
}

func (c *Client) parsePatronStatus(m *Message) PatronStatus {
	return parsePatronStatus(m, c.opts.TimeZone)
}

// PatronInformation sends 63 for the requested summary category and range.
func (c *Client) PatronInformation(ctx context.Context, patronID, pin []byte, req PatronInfoRequest) (PatronInformation, error) {
	m := NewMessage(MsgPatronInfo).SetFixed(FLanguage, c.opts.Language).
		SetFixed(FTransactionDate, c.date(time.Time{})).SetFixed(FSummary, req.Summary.field())
	c.patronFields(m, patronID, pin, false)
	if req.Start > 0 {
		m.Add(FieldStartItem, fmt.Sprint(req.Start))
	}
	if req.End > 0 {
		m.Add(FieldEndItem, fmt.Sprint(req.End))
	}
	return exchange(c, ctx, m, func(r *Message) PatronInformation { return parsePatronInformation(r, c.opts.TimeZone) })
}

// Checkout sends 11. A connection failure after sending yields an error
// matching ErrOutcomeUnknown: settle it with Settle, never by calling
// Checkout again.
func (c *Client) Checkout(ctx context.Context, req CheckoutRequest) (CheckoutResponse, error) {
	nb := BlankDate
	if !req.NBDueDate.IsZero() {
		nb = c.date(req.NBDueDate)
	}
	m := NewMessage(MsgCheckout).SetFixed(FSCRenewalPolicy, yn(req.RenewalPolicy)).SetFixed(FNoBlock, yn(req.NoBlock)).
		SetFixed(FTransactionDate, c.date(req.TransactionDate)).SetFixed(FNBDueDate, nb)
	m.Add(FieldInstitutionID, c.opts.Institution).AddSecret(FieldPatronID, req.PatronID).Add(FieldItemID, req.ItemID).
		Add(FieldTerminalPassword, c.opts.TerminalPassword)
	if req.ItemProperties != "" {
		m.Add(FieldItemProperties, req.ItemProperties)
	}
	if len(req.PIN) > 0 {
		m.AddSecret(FieldPatronPassword, req.PIN)
	}
	if req.FeeAcknowledged != "" {
		m.Add(FieldFeeAcknowledged, req.FeeAcknowledged)
	}
	if req.Cancel {
		m.Add(FieldCancel, "Y")
	}
	return exchange(c, ctx, m, c.parseCheckoutResponse)
}

func (c *Client) parseCheckoutResponse(m *Message) CheckoutResponse {
	return parseCheckoutResponse(m, c.opts.TimeZone)
}

// RenewRequest is the input of Renew. PatronID and PIN stay the caller's.
type RenewRequest struct {
	PatronID, PIN     []byte
	ItemID, TitleID   string
	ThirdPartyAllowed bool
	NoBlock           bool
	TransactionDate   time.Time
	NBDueDate         time.Time
	FeeAcknowledged   string
	ItemProperties    string
}

// Renew sends 29. Like Checkout it is never resent blindly.
func (c *Client) Renew(ctx context.Context, req RenewRequest) (RenewResponse, error) {
	nb := BlankDate
	if !req.NBDueDate.IsZero() {
		nb = c.date(req.NBDueDate)
	}
	m := NewMessage(MsgRenew).SetFixed(FThirdPartyAllowed, yn(req.ThirdPartyAllowed)).SetFixed(FNoBlock, yn(req.NoBlock)).
		SetFixed(FTransactionDate, c.date(req.TransactionDate)).SetFixed(FNBDueDate, nb)
	m.Add(FieldInstitutionID, c.opts.Institution).AddSecret(FieldPatronID, req.PatronID)
	if len(req.PIN) > 0 {
		m.AddSecret(FieldPatronPassword, req.PIN)
	}
	if req.ItemID != "" {
		m.Add(FieldItemID, req.ItemID)
	}
	if req.TitleID != "" {
		m.Add(FieldTitleID, req.TitleID)
	}
	m.Add(FieldTerminalPassword, c.opts.TerminalPassword)
	if req.ItemProperties != "" {
		m.Add(FieldItemProperties, req.ItemProperties)
	}
	if req.FeeAcknowledged != "" {
		m.Add(FieldFeeAcknowledged, req.FeeAcknowledged)
	}
	return exchange(c, ctx, m, c.parseCheckoutResponse)
}

// Checkin sends 09.
func (c *Client) Checkin(ctx context.Context, req CheckinRequest) (CheckinResponse, error) {
	loc := req.Location
	if loc == "" {
		loc = c.opts.Location
	}
	tx := c.date(req.TransactionDate)
	ret := tx
	if !req.ReturnDate.IsZero() {
		ret = c.date(req.ReturnDate)
	}
	m := NewMessage(MsgCheckin).SetFixed(FNoBlock, yn(req.NoBlock)).SetFixed(FTransactionDate, tx).SetFixed(FReturnDate, ret)
	m.Add(FieldCurrentLocation, loc).Add(FieldInstitutionID, c.opts.Institution).Add(FieldItemID, req.ItemID).
		Add(FieldTerminalPassword, c.opts.TerminalPassword)
	if req.ItemProperties != "" {
		m.Add(FieldItemProperties, req.ItemProperties)
	}
	if req.Cancel {
		m.Add(FieldCancel, "Y")
	}
	return exchange(c, ctx, m, func(r *Message) CheckinResponse { return parseCheckinResponse(r, c.opts.TimeZone) })
}

// RenewAll sends 65.
func (c *Client) RenewAll(ctx context.Context, patronID, pin []byte) (RenewAllResponse, error) {
	m := NewMessage(MsgRenewAll).SetFixed(FTransactionDate, c.date(time.Time{}))
	m.Add(FieldInstitutionID, c.opts.Institution).AddSecret(FieldPatronID, patronID)
	if len(pin) > 0 {
		m.AddSecret(FieldPatronPassword, pin)
	}
	m.Add(FieldTerminalPassword, c.opts.TerminalPassword)
	return exchange(c, ctx, m, func(r *Message) RenewAllResponse { return parseRenewAllResponse(r, c.opts.TimeZone) })
}

// ItemInformation sends 17.
func (c *Client) ItemInformation(ctx context.Context, itemID string) (ItemInformation, error) {
	m := NewMessage(MsgItemInfo).SetFixed(FTransactionDate, c.date(time.Time{}))
	m.Add(FieldInstitutionID, c.opts.Institution).Add(FieldItemID, itemID).Add(FieldTerminalPassword, c.opts.TerminalPassword)
	return exchange(c, ctx, m, func(r *Message) ItemInformation { return parseItemInformation(r, c.opts.TimeZone) })
}

// EndPatronSession sends 35.
func (c *Client) EndPatronSession(ctx context.Context, patronID, pin []byte) (EndSessionResponse, error) {
	m := NewMessage(MsgEndSession).SetFixed(FTransactionDate, c.date(time.Time{}))
	c.patronFields(m, patronID, pin, false)
	return exchange(c, ctx, m, func(resp *Message) EndSessionResponse {
		return EndSessionResponse{
			Ended:          yes(resp.FixedValue(FEndSession)),
			InstitutionID:  resp.Get(FieldInstitutionID),
			PatronID:       patronIDBytes(resp),
			ScreenMessages: resp.All(FieldScreenMessage),
			PrintLines:     resp.All(FieldPrintLine),
			Raw:            resp,
		}
	})
}

// BlockPatron sends 01 (e.g. after too many wrong PINs); the ACS answers
// with a 24.
func (c *Client) BlockPatron(ctx context.Context, patronID []byte, message string, cardRetained bool) (PatronStatus, error) {
	m := NewMessage(MsgBlockPatron).SetFixed(FCardRetained, yn(cardRetained)).SetFixed(FTransactionDate, c.date(time.Time{}))
	m.Add(FieldInstitutionID, c.opts.Institution).Add(FieldBlockedCardMsg, message).AddSecret(FieldPatronID, patronID).
		Add(FieldTerminalPassword, c.opts.TerminalPassword)
	return exchange(c, ctx, m, c.parsePatronStatus)
}

// Outcome is the result of settling an unknown outcome.
type Outcome int

// Outcomes of Settle.
const (
	// StillUnknown: the ACS's answer does not tell (or it could not be
	// asked); send the patron to staff.
	StillUnknown Outcome = iota
	// ConfirmedDone: the operation took effect.
	ConfirmedDone
	// NotDone: the operation did not take effect; it may be retried once.
	NotDone
)

func (o Outcome) String() string {
	switch o {
	case ConfirmedDone:
		return "confirmed-done"
	case NotDone:
		return "not-done"
	}
	return "still-unknown"
}

// Settlement is what Settle found out.
type Settlement struct {
	Outcome Outcome
	Item    ItemInformation
}

// Settle resolves an ErrOutcomeUnknown of op (MsgCheckout, MsgCheckin or
// MsgRenew) by asking Item Information (17) about the item:
//   - checkout: charged (04/05/07) → done; available, on the hold shelf,
//     re-shelving or in transit → not done. The spec's 18 does not name
//     the borrower, so "charged" is taken as "to this patron" (the item
//     was on this patron's pad a moment ago); when the ACS adds AA and it
//     names someone else, the checkout was not done.
//   - checkin: available, re-shelving, hold shelf or in transit → done;
//     still charged → not done.
//   - renew: not charged → not done (nothing to renew); charged → still
//     unknown unless previousDue is given and the due date moved past it
//     (see SettleRenewal).
//
// Anything else, or a failing 17, is StillUnknown.
func (c *Client) Settle(ctx context.Context, op Code, itemID string, patronID []byte) (Settlement, error) {
	return c.settle(ctx, op, itemID, patronID, time.Time{})
}

// SettleRenewal settles a 29 by comparing the item's due date with the due
// date before the renewal.
func (c *Client) SettleRenewal(ctx context.Context, itemID string, previousDue time.Time) (Settlement, error) {
	return c.settle(ctx, MsgRenew, itemID, nil, previousDue)
}

func (c *Client) settle(ctx context.Context, op Code, itemID string, patronID []byte, previousDue time.Time) (Settlement, error) {
	info, err := c.ItemInformation(ctx, itemID)
	if err != nil {
		return Settlement{Outcome: StillUnknown}, fmt.Errorf("sip2: settle %s: %w", op, err)
	}
	s := Settlement{Outcome: StillUnknown, Item: info}
	switch op {
	case MsgCheckout:
		switch {
		case info.Charged() && len(info.PatronID) > 0 && len(patronID) > 0 && !bytes.Equal(info.PatronID, stripLNBytes(patronID)):
			s.Outcome = NotDone
		case info.Charged():
			s.Outcome = ConfirmedDone
		case info.CirculationStatus == CircAvailable, info.CirculationStatus == CircOnHoldShelf,
			info.CirculationStatus == CircReshelve, info.CirculationStatus == CircInTransit:
			s.Outcome = NotDone
		}
	case MsgCheckin:
		switch {
		case info.Charged():
			s.Outcome = NotDone
		case info.CirculationStatus == CircAvailable, info.CirculationStatus == CircOnHoldShelf,
			info.CirculationStatus == CircReshelve, info.CirculationStatus == CircInTransit:
			s.Outcome = ConfirmedDone
		}
	case MsgRenew:
		switch {
		case !info.Charged() && info.CirculationStatus != "":
			s.Outcome = NotDone
		case info.Charged() && !previousDue.IsZero() && !info.DueDate.IsZero():
			if info.DueDate.After(previousDue) {
				s.Outcome = ConfirmedDone
			} else {
				s.Outcome = NotDone
			}
		}
	default:
		return s, fmt.Errorf("%w: sip2: cannot settle %s", ErrInvalid, op)
	}
	return s, nil
}

// IsOutcomeUnknown reports whether err is an unknown outcome.
func IsOutcomeUnknown(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }
