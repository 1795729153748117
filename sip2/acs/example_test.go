package acs_test

import (
	"context"
	"fmt"

	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

// Serve the demo library on a loopback port and borrow a book through the
// kiosk's SIP2 client, with a connection cut after the loan was recorded.
func ExampleServer() {
	lib, err := acs.Demo()
	if err != nil {
		panic(err)
	}
	srv := acs.NewServer(lib, acs.DefaultOptions())
	defer srv.Close()
	addr, err := srv.ListenTCP("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	o := sip2.DefaultOptions()
	o.Dialer = sip2.TCPDialer{Addr: addr.String()}
	o.Institution, o.LoginUser, o.LoginPassword = "DK-799000", "kiosk", "kiosk"
	o.ErrorDetection, o.KeepAlive = true, 0
	c := sip2.NewClient(o)
	defer c.Close()
	ctx := context.Background()

	srv.InjectOnce(acs.FaultCloseAfterCommit, sip2.MsgCheckout)
	_, err = c.Checkout(ctx, sip2.CheckoutRequest{PatronID: []byte("0101710014"), PIN: []byte("1234"), ItemID: "3800000846"})
	fmt.Println("unknown outcome:", sip2.IsOutcomeUnknown(err))
	s, _ := c.Settle(ctx, sip2.MsgCheckout, "3800000846", []byte("0101710014"))
	fmt.Println("settled:", s.Outcome)
	ln, _ := lib.LoanOf("3800000846")
	fmt.Println("lent to the demo patron Ole:", ln.Patron == "0101710014")
	// Output:
	// unknown outcome: true
	// settled: confirmed-done
	// lent to the demo patron Ole: true
}
