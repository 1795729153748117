// Command kioskheadless runs the kiosk core against the demo's simulators
// (kiosk/kioskdemo) without a window, with its metrics listener, for the
// fleet test (scripts/fleet-test.sh): it plays a number of loan-and-return
// sessions and then keeps serving until it is stopped, and SIGUSR1 takes the
// simulated library system off line or back.
//
//	kioskheadless -id kiosk-a -metrics 127.0.0.1:0 -addr-file a.addr -sessions 2 -items 2
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/danbib/kiosk/internal/version"
	"github.com/danbib/kiosk/kiosk/kioskdemo"
	"github.com/danbib/kiosk/logging"
	"github.com/danbib/kiosk/metrics"
)

func main() {
	id := flag.String("id", "kiosk-1", "the kiosk's `id` in the logs")
	listen := flag.String("metrics", "127.0.0.1:0", "the metrics listener's `host:port` (loopback; port 0 picks a free one)")
	addrFile := flag.String("addr-file", "", "write the metrics listener's address to `file` once it listens")
	sessions := flag.Int("sessions", 1, "loan-and-return sessions to play")
	items := flag.Int("items", 2, "items lent and returned in each session")
	patron := flag.String("patron", "0101700001", "the demo patron who borrows (synthetic)")
	pin := flag.String("pin", "1234", "the patron's PIN")
	showVersion := flag.Bool("version", false, "print the version and commit and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.String("kioskheadless"))
		return
	}
	if err := run(*id, *listen, *addrFile, *patron, *pin, *sessions, *items); err != nil {
		fmt.Fprintln(os.Stderr, "kioskheadless:", err)
		os.Exit(1)
	}
}

func run(id, listen, addrFile, patron, pin string, sessions, items int) error {
	log, err := logging.New(os.Stderr, "info")
	if err != nil {
		return err
	}
	log.AddHook(logging.NewFieldsHook(id))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	m := metrics.New()
	o := kioskdemo.DefaultOptions()
	o.Log = log
	o.KioskID = id
	o.Kiosk.KioskID = id
	o.Kiosk.GoodbyeFor = 200 * time.Millisecond
	o.Observer, o.SIP2Observer = m, m
	d, err := kioskdemo.Start(ctx, o)
	if err != nil {
		return err
	}
	defer d.Close()
	m.SetGauges(d.Kiosk.Gauges)
	srv, err := metrics.Listen(metrics.Options{Listen: listen}, m)
	if err != nil {
		return err
	}
	defer srv.Close()
	addr := srv.Addr().String()
	if addrFile != "" {
		if err := os.WriteFile(addrFile, []byte(addr+"\n"), 0o644); err != nil {
			return fmt.Errorf("kioskheadless: %w", err)
		}
	}
	log.WithField("addr", addr).Info("kioskheadless: metrics listening")

	for i := 0; i < sessions; i++ {
		if _, err := d.LoanAndReturn(ctx, patron, pin, items); err != nil {
			return fmt.Errorf("kioskheadless: session %d: %w", i+1, err)
		}
	}
	log.WithField("sessions", sessions).Info("kioskheadless: sessions done")

	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	offline := false
	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil
			}
			return ctx.Err()
		case <-usr1:
			offline = !offline
			if err := d.SetOffline(offline); err != nil {
				return err
			}
			log.WithField("offline", offline).Info("kioskheadless: library system switched")
		}
	}
}
