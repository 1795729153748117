package sip2

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestAnswerAboutAnotherItemOrPatronIsAProtocolError (reliability.md
// scenario 11): a 12, 10, 30 or 18 about another item, or a 24 or 64 about
// another patron, is never taken as the answer. For a checkout, renew or
// checkin the outcome for the asked item is unknown (to be settled with a
// 17), never success.
//
// The patron ids are the simulator's SYNTHETIC demo patrons, not real CPR
// numbers.
func TestAnswerAboutAnotherItemOrPatronIsAProtocolError(t *testing.T) {
	const asked, other = "3800000846", "3800000999"
	const patron, otherPatron = "0101700001", "0202700002"
	cases := []struct {
		name    string
		answer  string // the canned answer, before its AA/AB are replaced
		field   string // AB or AA
		call    func(c *Client) error
		unknown bool // the outcome of the asked item is unknown
		msg     string
	}{
		{"12 about another item", fbs12, FieldItemID, func(c *Client) error {
			_, err := c.Checkout(context.Background(), CheckoutRequest{PatronID: []byte(patron), ItemID: asked})
			return err
		}, true, `11 about item "3800000846" answered with a 12 about item "3800000999"`},
		{"10 about another item", fbs10, FieldItemID, func(c *Client) error {
			_, err := c.Checkin(context.Background(), CheckinRequest{ItemID: asked})
			return err
		}, true, `09 about item "3800000846" answered with a 10 about item "3800000999"`},
		{"30 about another item", fbs30, FieldItemID, func(c *Client) error {
			_, err := c.Renew(context.Background(), RenewRequest{PatronID: []byte(patron), ItemID: asked})
			return err
		}, true, `29 about item "3800000846" answered with a 30 about item "3800000999"`},
		{"18 about another item", "1804000120170619    125154AB3274626533|AJtitle|AH20170720    000000|", FieldItemID, func(c *Client) error {
			_, err := c.ItemInformation(context.Background(), asked)
			return err
		}, false, `17 about item "3800000846" answered with a 18 about item "3800000999"`},
		{"24 about another patron", fbs24, FieldPatronID, func(c *Client) error {
			_, err := c.PatronStatus(context.Background(), []byte(patron), []byte("1234"))
			return err
		}, false, "23 answered with a 24 about another patron"},
		{"24 to a block about another patron", fbs24, FieldPatronID, func(c *Client) error {
			_, err := c.BlockPatron(context.Background(), []byte(patron), "too many wrong PINs", false)
			return err
		}, false, "01 answered with a 24 about another patron"},
		{"64 about another patron", fbs64, FieldPatronID, func(c *Client) error {
			_, err := c.PatronInformation(context.Background(), []byte(patron), []byte("1234"), PatronInfoRequest{Summary: SummaryNone})
			return err
		}, false, "63 answered with a 64 about another patron"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, variant := range []struct {
				name, id string
				wantErr  bool
			}{
				{"same", "", false},
				{"other", "", true},
				{"missing", "", true},
			} {
				p := &fakePeer{t: t}
				p.handler = defaultHandler(t, func(conn int, raw []byte, m *Message) (peerAction, bool) {
					if m.Code == MsgLogin || m.Code == MsgSCStatus {
						return peerAction{}, false
					}
					resp := mustDecode(t, tc.answer)
					switch variant.name {
					case "same":
						// FBS prefixes the patron id with "LN:" and
						// that still names the same patron.
						v := m.Get(tc.field)
						if tc.field == FieldPatronID {
							v = "LN:" + v
						}
						resp.Set(tc.field, v)
					case "other":
						v := other
						if tc.field == FieldPatronID {
							v = "LN:" + otherPatron
						}
						resp.Set(tc.field, v)
					case "missing":
						// Required, so present, but empty.
						resp.Set(tc.field, "")
					}
					return peerAction{replies: [][]byte{reply(t, m, resp)}}, true
				})
				c := newTestClient(p)
				err := tc.call(c)
				c.Close()
				if !variant.wantErr {
					if err != nil {
						t.Errorf("%s id: %v", variant.name, err)
					}
					continue
				}
				if !errors.Is(err, ErrWrongSubject) || !errors.Is(err, ErrUnexpectedResponse) {
					t.Fatalf("%s id: err = %v, want ErrWrongSubject", variant.name, err)
				}
				if IsOutcomeUnknown(err) != tc.unknown {
					t.Errorf("%s id: outcome unknown = %v, want %v (%v)", variant.name, IsOutcomeUnknown(err), tc.unknown, err)
				}
				if variant.name == "other" && !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("%s id: err = %q, want it to say %q", variant.name, err, tc.msg)
				}
				for _, pid := range []string{patron, otherPatron} {
					if strings.Contains(err.Error(), pid) {
						t.Errorf("%s id: the error quotes a patron id: %q", variant.name, err)
					}
				}
			}
		})
	}
}
