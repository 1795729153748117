package kiosk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/danbib/kiosk/sip2"
)

// SIP2Library adapts a pool of sip2 clients to the LibrarySystem port. Each
// call borrows one client, so at most one request is in flight per
// connection and up to the pool size run in parallel.
type SIP2Library struct {
	pool *sip2.Pool
}

// NewSIP2Library wraps a pool. The pool's size should equal
// Options.Parallel.
func NewSIP2Library(pool *sip2.Pool) *SIP2Library { return &SIP2Library{pool: pool} }

// classify maps sip2 errors to the core's: an unknown outcome stays
// unknown; every other failure means the library system could not be used
// and the request had no effect (the sip2 client reports any ambiguity
// after sending as ErrOutcomeUnknown).
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sip2.ErrOutcomeUnknown):
		return fmt.Errorf("kiosk: %w: %w", ErrOutcomeUnknown, err)
	default:
		return fmt.Errorf("kiosk: %w: %w", ErrOffline, err)
	}
}

func (l *SIP2Library) do(ctx context.Context, f func(c *sip2.Client) error) error {
	return classify(l.pool.Do(ctx, f))
}

func blocksFrom(f sip2.PatronFlags) Blocks {
	return Blocks{
		ChargeDenied: f.ChargePrivilegesDenied, RenewalDenied: f.RenewalPrivilegesDenied,
		RecallDenied: f.RecallPrivilegesDenied, HoldDenied: f.HoldPrivilegesDenied,
		CardLost: f.CardReportedLost, TooManyCharged: f.TooManyItemsCharged, TooManyOverdue: f.TooManyItemsOverdue,
		TooManyRenewals: f.TooManyRenewals, TooManyClaims: f.TooManyClaimsOfItemsReturned,
		TooManyLost: f.TooManyItemsLost, ExcessiveFines: f.ExcessiveOutstandingFines,
		ExcessiveFees: f.ExcessiveOutstandingFees, RecallOverdue: f.RecallOverdue, TooManyBilled: f.TooManyItemsBilled,
	}
}

// statusFrom takes over st.Name (the core wipes it at session end) and
// zeroes the echoed patron id, which the core does not need.
func statusFrom(st sip2.PatronStatus) PatronStatus {
	b := blocksFrom(st.Flags)
	b.ScreenMessageRaw = strings.Join(st.ScreenMessages, " ")
	zero(st.PatronID)
	return PatronStatus{ValidPatron: st.BL, ValidPIN: st.CQ, Name: st.Name, Blocks: b, Messages: st.ScreenMessages}
}

// PatronStatus checks the patron with 23.
func (l *SIP2Library) PatronStatus(ctx context.Context, p Patron) (PatronStatus, error) {
	var out PatronStatus
	err := l.do(ctx, func(c *sip2.Client) error {
		st, err := c.PatronStatus(ctx, p.ID, p.PIN)
		if err != nil {
			return err
		}
		out = statusFrom(st)
		return nil
	})
	return out, err
}

// parseMinor reads an amount such as "25.00" or "25,50" into minor units.
func parseMinor(s string) int64 {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return 0
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0
	}
	frac = (frac + "00")[:2]
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0
	}
	if w < 0 {
		return w*100 - f
	}
	return w*100 + f
}

// Account fetches loans, holds and fees with one 63 asking for all lists.
func (l *SIP2Library) Account(ctx context.Context, p Patron) (Account, error) {
	var out Account
	err := l.do(ctx, func(c *sip2.Client) error {
		pi, err := c.PatronInformation(ctx, p.ID, p.PIN, sip2.PatronInfoRequest{Summary: sip2.SummaryAll})
		if err != nil {
			return err
		}
		out.Status = statusFrom(pi.PatronStatus)
		for _, ln := range pi.Loans {
			title := ln.Title
			out.Loans = append(out.Loans, Loan{ItemID: ln.ItemID, Title: title, Due: ln.Due, Overdue: ln.Overdue})
		}
		for _, h := range pi.Holds {
			if h.Ready {
				out.Holds = append(out.Holds, Hold{Title: h.Title, PickupAt: pickupName(h.PickupLocation), LastDay: h.PickupDate})
			}
		}
		out.FeeTotal = parseMinor(pi.FeeAmount)
		out.Currency = pi.Currency
		return nil
	})
	return out, err
}

func checkoutFrom(r sip2.CheckoutResponse) CheckoutResult {
	title := r.Properties.Title
	if title == "" {
		title = r.TitleID
	}
	return CheckoutResult{OK: r.OK, RenewalOK: r.RenewalOK, Desensitize: r.Desensitize,
		SecurityInhibit: strings.EqualFold(r.SecurityInhibit, "Y"), Title: title, Due: r.DueDate, Messages: r.ScreenMessages}
}

// Checkout lends an item with 11.
func (l *SIP2Library) Checkout(ctx context.Context, r CheckoutRequest) (CheckoutResult, error) {
	var out CheckoutResult
	err := l.do(ctx, func(c *sip2.Client) error {
		resp, err := c.Checkout(ctx, sip2.CheckoutRequest{PatronID: r.Patron.ID, PIN: r.Patron.PIN,
			ItemID: r.ItemID, RenewalPolicy: r.Renew, Cancel: r.Cancel, NoBlock: r.NoBlock, TransactionDate: r.ReturnAt})
		if err != nil {
			return err
		}
		zero(resp.PatronID)
		out = checkoutFrom(resp)
		return nil
	})
	return out, err
}

// Checkin returns an item with 09.
func (l *SIP2Library) Checkin(ctx context.Context, r CheckinRequest) (CheckinResult, error) {
	var out CheckinResult
	err := l.do(ctx, func(c *sip2.Client) error {
		req := sip2.CheckinRequest{ItemID: r.ItemID, Cancel: r.Cancel, NoBlock: r.NoBlock, ReturnDate: r.ReturnDate}
		if r.NoBlock && !r.ReturnDate.IsZero() {
			req.TransactionDate = r.ReturnDate
		}
		resp, err := c.Checkin(ctx, req)
		if err != nil {
			return err
		}
		zero(resp.PatronID)
		title := resp.Properties.Title
		if title == "" {
			title = resp.TitleID
		}
		// Only an explicit N keeps the item unsecured; "U" or a garbled
		// flag secures it, which is always the safe side.
		res := "Y"
		if resp.Raw != nil && strings.EqualFold(strings.TrimSpace(resp.Raw.FixedValue(sip2.FResensitize)), "N") {
			res = "N"
		}
		alertType := resp.AlertType
		if alertType == "" && resp.Hold {
			alertType = "01"
		}
		out = CheckinResult{OK: resp.OK, Resensitize: res, Alert: resp.Alert || resp.Hold || resp.Transit, AlertType: alertType,
			SortBin: resp.SortBin, Destination: resp.Destination, Title: title, Messages: resp.ScreenMessages}
		return nil
	})
	return out, err
}

// Renew renews one loan with 29.
func (l *SIP2Library) Renew(ctx context.Context, p Patron, itemID string) (CheckoutResult, error) {
	var out CheckoutResult
	err := l.do(ctx, func(c *sip2.Client) error {
		resp, err := c.Renew(ctx, sip2.RenewRequest{PatronID: p.ID, PIN: p.PIN, ItemID: itemID})
		if err != nil {
			return err
		}
		zero(resp.PatronID)
		out = checkoutFrom(resp)
		return nil
	})
	return out, err
}

// RenewAll renews every loan with 65.
func (l *SIP2Library) RenewAll(ctx context.Context, p Patron) (RenewAllResult, error) {
	var out RenewAllResult
	err := l.do(ctx, func(c *sip2.Client) error {
		resp, err := c.RenewAll(ctx, p.ID, p.PIN)
		if err != nil {
			return err
		}
		for _, it := range resp.Renewed {
			out.Renewed = append(out.Renewed, it.ItemID)
			if !it.Due.IsZero() {
				if out.Due == nil {
					out.Due = map[string]time.Time{}
				}
				out.Due[it.ItemID] = it.Due
			}
		}
		for _, it := range resp.Unrenewed {
			out.Unrenewed = append(out.Unrenewed, RenewRefusal{ItemID: it.ItemID, Reason: it.Reason})
		}
		return nil
	})
	return out, err
}

// ItemInfo asks 17 about an item.
func (l *SIP2Library) ItemInfo(ctx context.Context, itemID string) (ItemStatus, error) {
	var out ItemStatus
	err := l.do(ctx, func(c *sip2.Client) error {
		info, err := c.ItemInformation(ctx, itemID)
		if err != nil {
			return err
		}
		zero(info.PatronID)
		title := info.Properties.Title
		if title == "" {
			title = info.TitleID
		}
		out = ItemStatus{Circulation: info.CirculationStatus, Due: info.DueDate, Title: title, HoldQueue: info.HoldQueueLength}
		return nil
	})
	return out, err
}

// EndSession sends 35.
func (l *SIP2Library) EndSession(ctx context.Context, p Patron) error {
	return l.do(ctx, func(c *sip2.Client) error {
		r, err := c.EndPatronSession(ctx, p.ID, p.PIN)
		zero(r.PatronID)
		return err
	})
}

// BlockPatron sends 01.
func (l *SIP2Library) BlockPatron(ctx context.Context, p Patron, message string) error {
	return l.do(ctx, func(c *sip2.Client) error {
		st, err := c.BlockPatron(ctx, p.ID, message, false)
		zero(st.PatronID)
		zero(st.Name)
		return err
	})
}

// Status sends 99 and reads the 98. With paperOut the 99 carries status
// code 1 ("printer out of paper"), which ACSes such as Koha log for staff.
func (l *SIP2Library) Status(ctx context.Context, paperOut bool) (ACSStatus, error) {
	var out ACSStatus
	err := l.do(ctx, func(c *sip2.Client) error {
		if !paperOut {
			st, err := c.SCStatus(ctx)
			if err != nil {
				return err
			}
			out = ACSStatus{Online: st.Online, CheckinOK: st.CheckinOK, CheckoutOK: st.CheckoutOK, OfflineOK: st.OfflineOK,
				RenewalOK: st.RenewalPolicy, Time: st.DateTimeSync}
			if st.TimeoutKnown {
				out.Timeout = st.Timeout
			}
			return nil
		}
		width := c.Options().MaxPrintWidth
		if width <= 0 {
			width = sip2.DefaultOptions().MaxPrintWidth
		}
		m := sip2.NewMessage(sip2.MsgSCStatus).SetFixed(sip2.FStatusCode, "1").
			SetFixed(sip2.FMaxPrintWidth, fmt.Sprintf("%03d", width%1000)).SetFixed(sip2.FProtocolVersion, "2.00")
		resp, err := c.Do(ctx, m)
		if err != nil {
			return err
		}
		y := func(name string) bool { return strings.EqualFold(resp.FixedValue(name), "Y") }
		out = ACSStatus{Online: y(sip2.FOnline), CheckinOK: y(sip2.FCheckinOK), CheckoutOK: y(sip2.FCheckoutOK),
			OfflineOK: y(sip2.FOfflineOK), RenewalOK: y(sip2.FACSRenewalPolicy)}
		out.Time, _ = sip2.ParseDate(resp.FixedValue(sip2.FDateTimeSync), c.Options().TimeZone)
		return nil
	})
	return out, err
}

// pickupName drops the agency id that FBS puts before a pickup branch
// ("DK-775100 - Hovedbiblioteket"): patrons know the branch by its name.
func pickupName(s string) string {
	if id, name, ok := strings.Cut(s, " - "); ok && isAgencyID(id) && strings.TrimSpace(name) != "" {
		return strings.TrimSpace(name)
	}
	return s
}

// isAgencyID reports whether s looks like an ISIL such as DK-775100.
func isAgencyID(s string) bool {
	cc, rest, ok := strings.Cut(s, "-")
	if !ok || len(cc) != 2 || rest == "" || strings.ContainsRune(rest, ' ') {
		return false
	}
	for _, r := range cc {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
