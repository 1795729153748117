// Package kiosk is the core of the self-service kiosk: what happens between
// a card scan and a receipt, with no UI and no USB in it.
//
// # Shape
//
// The whole state is a Model. The pure transition function Step takes a
// model and an Event and returns the next model and the Effects to perform;
// it does no I/O and reads no clock. The runner, Kiosk, owns the model,
// feeds events to Step one at a time, performs the effects (library-system
// calls through a pool of SIP2 connections and tag writes run concurrently
// and report back as events), and renders a View to the UI after every
// change. `kioskctl states` prints the transition table derived from Step.
//
// # Wiring
//
//	k, err := kiosk.New(opts, kiosk.Ports{
//		Library:  kiosk.NewSIP2Library(sip2.NewPool(opts.Parallel, sipOpts)),
//		Tags:     kiosk.NewRFIDTags(reader),                  // rfid.Reader
//		Printer:  kiosk.NewESCPOSReceipts(prn, bundle, printer.DefaultOptions(), lib, branch),
//		Log:      logger,
//		Identify: kiosk.ScannerIdentify(scanner.DefaultRules()),
//	}, ui)
//	go k.Run(ctx)
//	go watcher.Run(ctx)
//	go kiosk.FeedWatcher(ctx, watcher, k) // pad events → k.PadItem/PadRemoved/SetReader
//	scanner text → k.Scan(buf); UI inputs → k.Send(kiosk.InKey{…})
//
// Package kiosk/kioskdemo does all of this against the simulators (the ACS
// simulator, the virtual RFID pad and the virtual printer) and adds the
// switches the demo needs: placing items and parts of sets, paper states,
// the library system off line and the reader unplugged. `kiosk --demo` and
// its scripted screenshots run on it.
//
// # Personal data
//
// The card number, PIN and name live only in Model.Sec (byte slices that are
// zeroed at session end) and in per-request copies the runner zeroes after
// each call. The View carries only the PIN's length. The throttle keys cards
// by an HMAC with a per-process random key. The in-flight journal and the
// offline queue hold item ids, owner ISILs, times and the kiosk id. Log lines
// carry item ids, states and reasons only.
package kiosk
