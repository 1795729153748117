package acs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/danbib/kiosk/sip2"
)

// Each fault test shows what the kiosk's client makes of it: the answer is
// either right (retried or settled) or explicitly unknown, never wrong.

// shortTimeout makes read timeouts cheap in tests.
func shortTimeout(o *sip2.Options) { o.RequestTimeout = 150 * time.Millisecond }

func checkoutReq(t *testing.T, ts *testServer, title string) sip2.CheckoutRequest {
	return sip2.CheckoutRequest{PatronID: []byte(ole), PIN: []byte(pin), ItemID: itemByTitle(t, ts.Library(), title)}
}

func TestFaultCloseAfterCommitCheckout(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, DefaultOptions())
			c := ts.client(t, tr)
			ctx := context.Background()
			req := checkoutReq(t, ts, "Intet")
			if _, err := c.SCStatus(ctx); err != nil {
				t.Fatal(err)
			}
			ts.InjectOnce(FaultCloseAfterCommit, sip2.MsgCheckout)
			_, err := c.Checkout(ctx, req)
			if !sip2.IsOutcomeUnknown(err) {
				t.Fatalf("checkout after close-after-commit: %v, want outcome unknown", err)
			}
			if n := ts.Executed(sip2.MsgCheckout); n != 1 {
				t.Errorf("11 executed %d times; the client must not resend it blindly", n)
			}
			s, err := c.Settle(ctx, sip2.MsgCheckout, req.ItemID, []byte(ole))
			if err != nil || s.Outcome != sip2.ConfirmedDone {
				t.Fatalf("settle: %+v %v", s, err)
			}
			if ln, ok := ts.Library().LoanOf(req.ItemID); !ok || ln.Patron != ole {
				t.Errorf("loan = %+v %v", ln, ok)
			}
			if string(s.Item.PatronID) != ole {
				t.Errorf("18 does not name the borrower: %s", s.Item.Raw)
			}
		})
	}
}

func TestFaultCloseBeforeCommitCheckout(t *testing.T) {
	ts := startServer(t, DefaultOptions())
	c := ts.client(t, "tcp")
	ctx := context.Background()
	req := checkoutReq(t, ts, "Intet")
	ts.InjectOnce(FaultCloseBeforeCommit, sip2.MsgCheckout)
	if _, err := c.Checkout(ctx, req); !sip2.IsOutcomeUnknown(err) {
		t.Fatalf("got %v, want outcome unknown", err)
	}
	s, err := c.Settle(ctx, sip2.MsgCheckout, req.ItemID, []byte(ole))
	if err != nil || s.Outcome != sip2.NotDone {
		t.Fatalf("settle: %+v %v", s, err)
	}
	// Not done: one retry is safe and succeeds.
	if res, err := c.Checkout(ctx, req); err != nil || !res.OK {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if n := ts.Executed(sip2.MsgCheckout); n != 1 {
		t.Errorf("11 executed %d times, want 1", n)
	}
}

func TestFaultDropReply(t *testing.T) {
	t.Run("checkout-unknown", func(t *testing.T) {
		ts := startServer(t, DefaultOptions())
		c := ts.client(t, "tcp", shortTimeout)
		ctx := context.Background()
		req := checkoutReq(t, ts, "Intet")
		ts.InjectOnce(FaultDropReply, sip2.MsgCheckout)
		if _, err := c.Checkout(ctx, req); !sip2.IsOutcomeUnknown(err) {
			t.Fatalf("got %v, want outcome unknown", err)
		}
		if s, err := c.Settle(ctx, sip2.MsgCheckout, req.ItemID, []byte(ole)); err != nil || s.Outcome != sip2.ConfirmedDone {
			t.Fatalf("settle: %+v %v", s, err)
		}
	})
	t.Run("checkout-dedup-resend", func(t *testing.T) {
		// Against an ACS that deduplicates by AY+AZ, the client may resend
		// the identical bytes: the cached answer comes back and the loan
		// is made once.
		ts := startServer(t, DefaultOptions())
		c := ts.client(t, "tcp", shortTimeout, func(o *sip2.Options) { o.ResendUnsafeOnTimeout = true })
		req := checkoutReq(t, ts, "Intet")
		ts.InjectOnce(FaultDropReply, sip2.MsgCheckout)
		res, err := c.Checkout(context.Background(), req)
		if err != nil || !res.OK || res.RenewalOK {
			t.Fatalf("got %+v %v, want a plain successful checkout", res, err)
		}
		if n, r := ts.Executed(sip2.MsgCheckout), ts.Received(sip2.MsgCheckout); n != 1 || r < 2 {
			t.Errorf("11 received %d, executed %d; want 2 and 1", r, n)
		}
	})
	t.Run("item-info-retried", func(t *testing.T) {
		ts := startServer(t, DefaultOptions())
		c := ts.client(t, "tcp", shortTimeout)
		id := itemByTitle(t, ts.Library(), "Niels Lyhne")
		ts.InjectOnce(FaultDropReply, sip2.MsgItemInfo)
		ii, err := c.ItemInformation(context.Background(), id)
		if err != nil || !ii.Charged() {
			t.Fatalf("17: %+v %v", ii, err)
		}
	})
	t.Run("fbs-checkout-unknown", func(t *testing.T) {
		ts := startServer(t, DefaultOptions())
		c := ts.client(t, "fbs", shortTimeout)
		ctx := context.Background()
		req := checkoutReq(t, ts, "Intet")
		ts.InjectOnce(FaultDropReply, sip2.MsgCheckout)
		if _, err := c.Checkout(ctx, req); !sip2.IsOutcomeUnknown(err) {
			t.Fatalf("got %v, want outcome unknown", err)
		}
		if s, err := c.Settle(ctx, sip2.MsgCheckout, req.ItemID, []byte(ole)); err != nil || s.Outcome != sip2.ConfirmedDone {
			t.Fatalf("settle: %+v %v", s, err)
		}
	})
}

func TestFaultCorruptChecksum(t *testing.T) {
	ts := startServer(t, DefaultOptions())
	c := ts.client(t, "tcp")
	req := checkoutReq(t, ts, "Intet")
	ts.InjectOnce(FaultCorruptChecksum, sip2.MsgCheckout)
	res, err := c.Checkout(context.Background(), req)
	if err != nil || !res.OK || res.RenewalOK {
		t.Fatalf("got %+v %v, want the checkout recovered through 97", res, err)
	}
	if ts.Received(sip2.MsgRequestACSResend) != 1 || ts.Executed(sip2.MsgCheckout) != 1 {
		t.Errorf("97 received %d, 11 executed %d; want 1 and 1", ts.Received(sip2.MsgRequestACSResend), ts.Executed(sip2.MsgCheckout))
	}
}

func TestFaultWrongSequence(t *testing.T) {
	t.Run("patron-status-retried", func(t *testing.T) {
		ts := startServer(t, DefaultOptions())
		c := ts.client(t, "tcp", shortTimeout)
		ts.InjectOnce(FaultWrongSequence, sip2.MsgPatronStatus)
		ps, err := c.PatronStatus(context.Background(), []byte(ole), []byte(pin))
		if err != nil || !ps.Valid() {
			t.Fatalf("23: %+v %v", ps, err)
		}
		if ts.Executed(sip2.MsgPatronStatus) != 1 || ts.Received(sip2.MsgPatronStatus) < 2 {
			t.Errorf("23 received %d, executed %d", ts.Received(sip2.MsgPatronStatus), ts.Executed(sip2.MsgPatronStatus))
		}
	})
	t.Run("checkout-unknown", func(t *testing.T) {
		ts := startServer(t, DefaultOptions())
		c := ts.client(t, "tcp", shortTimeout)
		ctx := context.Background()
		req := checkoutReq(t, ts, "Intet")
		ts.InjectOnce(FaultWrongSequence, sip2.MsgCheckout)
		if _, err := c.Checkout(ctx, req); !sip2.IsOutcomeUnknown(err) {
			t.Fatalf("got %v, want outcome unknown", err)
		}
		if s, err := c.Settle(ctx, sip2.MsgCheckout, req.ItemID, []byte(ole)); err != nil || s.Outcome != sip2.ConfirmedDone {
			t.Fatalf("settle: %+v %v", s, err)
		}
	})
}

// TestFaultAnswer96: a 96 means "not executed", so the identical bytes are
// resent (over FBS too) and the loan is made once.
func TestFaultAnswer96(t *testing.T) {
	for _, tr := range []string{"tcp", "fbs"} {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, DefaultOptions())
			c := ts.client(t, tr)
			req := checkoutReq(t, ts, "Intet")
			ts.InjectOnce(FaultAnswer96, sip2.MsgCheckout)
			res, err := c.Checkout(context.Background(), req)
			if err != nil || !res.OK {
				t.Fatalf("got %+v %v, want the checkout after resending", res, err)
			}
			if ts.Executed(sip2.MsgCheckout) != 1 || ts.Received(sip2.MsgCheckout) != 2 {
				t.Errorf("11 received %d, executed %d", ts.Received(sip2.MsgCheckout), ts.Executed(sip2.MsgCheckout))
			}
		})
	}
}

func TestFaultSlowReplyAndLatency(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, DefaultOptions())
			ts.SetFaults(Faults{Latency: 2 * time.Millisecond, Jitter: 3 * time.Millisecond, SlowReplyRate: 1,
				PieceSize: 16, PieceDelay: time.Millisecond, Messages: []sip2.Code{sip2.MsgPatronInfo}})
			c := ts.client(t, tr)
			pi, err := c.PatronInformation(context.Background(), []byte(erik), []byte(pin), sip2.PatronInfoRequest{Summary: sip2.SummaryCharged})
			if err != nil || len(pi.Loans) != 8 {
				t.Fatalf("63 in slow pieces: %d loans, %v", len(pi.Loans), err)
			}
		})
	}
}

func TestFaultOffline(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, DefaultOptions())
			c := ts.client(t, tr)
			ctx := context.Background()
			if _, err := c.SCStatus(ctx); err != nil {
				t.Fatal(err)
			}
			if err := ts.SetOffline(true); err != nil {
				t.Fatal(err)
			}
			req := checkoutReq(t, ts, "Intet")
			_, err := c.Checkout(ctx, req)
			if err == nil {
				t.Fatal("checkout succeeded while off line")
			}
			if tr == "fbs" && !errors.Is(err, sip2.ErrNotSent) {
				t.Errorf("fbs off line: %v, want not sent (503)", err)
			}
			if ts.Executed(sip2.MsgCheckout) != 0 {
				t.Error("checkout executed while off line")
			}
			if err := ts.SetOffline(false); err != nil {
				t.Fatal(err)
			}
			if sip2.IsOutcomeUnknown(err) {
				// The open connection was cut while the 11 was in flight:
				// settle it.
				if s, err := c.Settle(ctx, sip2.MsgCheckout, req.ItemID, []byte(ole)); err != nil || s.Outcome != sip2.NotDone {
					t.Fatalf("settle: %+v %v", s, err)
				}
			}
			res, err := c.Checkout(ctx, req)
			if err != nil || !res.OK {
				t.Fatalf("checkout back on line: %+v %v", res, err)
			}
		})
	}
}

func TestConnFaults(t *testing.T) {
	ts := startServer(t, DefaultOptions())
	ctx := context.Background()
	c1 := ts.client(t, "tcp")
	if _, err := c1.SCStatus(ctx); err != nil {
		t.Fatal(err)
	}
	// The second connection always answers 23 with 96; the first is fine.
	// The client gives up on connection 2 after its resends and retries the
	// (safe) 23 once on a fresh connection, which has no faults.
	ts.SetConnFaults(ts.ConnCount()+1, Faults{Answer96Rate: 1, Messages: []sip2.Code{sip2.MsgPatronStatus}})
	c2 := ts.client(t, "tcp")
	if ps, err := c2.PatronStatus(ctx, []byte(ole), []byte(pin)); err != nil || !ps.Valid() {
		t.Errorf("connection 2: %+v %v", ps, err)
	}
	if n := ts.ConnCount(); n != 3 {
		t.Errorf("%d connections, want 3 (the client reconnects once)", n)
	}
	if ts.Received(sip2.MsgPatronStatus) < 3 || ts.Executed(sip2.MsgPatronStatus) != 1 {
		t.Errorf("23 received %d, executed %d", ts.Received(sip2.MsgPatronStatus), ts.Executed(sip2.MsgPatronStatus))
	}
	if ps, err := c1.PatronStatus(ctx, []byte(ole), []byte(pin)); err != nil || !ps.Valid() {
		t.Errorf("connection 1: %+v %v", ps, err)
	}
}

// TestRandomFaultsNeverLie runs many checkouts and checkins under every
// random fault at once and checks that whatever the client reports as done
// matches the library, and that unknown outcomes settle to the truth.
func TestRandomFaultsNeverLie(t *testing.T) {
	opts := DefaultOptions()
	opts.Seed = 42
	ts := startServer(t, opts)
	ts.SetFaults(Faults{Answer96Rate: 0.05, CloseBeforeCommitRate: 0.05, DropReplyRate: 0.05, CloseAfterCommitRate: 0.05,
		CorruptChecksumRate: 0.05, WrongSequenceRate: 0.05, SlowReplyRate: 0.05, PieceDelay: time.Millisecond,
		Messages: []sip2.Code{sip2.MsgCheckout, sip2.MsgCheckin}})
	c := ts.client(t, "tcp", func(o *sip2.Options) { o.RequestTimeout = 60 * time.Millisecond })
	ctx := context.Background()
	lib := ts.Library()
	var ids []string
	for _, it := range lib.Items() {
		if _, lent := lib.LoanOf(it.ID); !lent && len(it.Holds) == 0 && it.AgeLimit == 0 && !it.NotLoanable {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) > 20 {
		ids = ids[:20]
	}
	unknown := 0
	for _, id := range ids {
		res, err := c.Checkout(ctx, sip2.CheckoutRequest{PatronID: []byte(ole), PIN: []byte(pin), ItemID: id})
		_, lent := lib.LoanOf(id)
		switch {
		case err == nil:
			if res.OK != lent {
				t.Errorf("%s: client says ok=%v, library says lent=%v", id, res.OK, lent)
			}
		case sip2.IsOutcomeUnknown(err):
			unknown++
			s, serr := c.Settle(ctx, sip2.MsgCheckout, id, []byte(ole))
			if serr == nil && s.Outcome != sip2.StillUnknown && (s.Outcome == sip2.ConfirmedDone) != lent {
				t.Errorf("%s: settled %v, library says lent=%v", id, s.Outcome, lent)
			}
		default:
			if lent {
				t.Errorf("%s: reported failure %v but the item is lent", id, err)
			}
		}
		res2, err := c.Checkin(ctx, sip2.CheckinRequest{ItemID: id})
		_, lent = lib.LoanOf(id)
		if err == nil && res2.OK == lent {
			t.Errorf("%s: checkin ok=%v but lent=%v", id, res2.OK, lent)
		}
	}
	t.Logf("%d checkouts, %d unknown outcomes settled", len(ids), unknown)
}
