package kiosk

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/danbib/kiosk/rfid"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/sip2"
	"github.com/danbib/kiosk/sip2/acs"
)

// benchPool is the SIP2 pool size of the benchmark (Options.Parallel's
// default).
const benchPool = 4

var floorOnce sync.Once

// BenchmarkStack measures how long the core takes to lend a stack placed
// on the pad, against the floor the timing models allow, and against doing
// the same stack one item at a time. It prints one line per case:
//
//	stack items=10 latency_ms=100 measured_ms=… floor_ms=… ratio=… sequential_ms=…
func BenchmarkStack(b *testing.B) {
	floorOnce.Do(func() {
		fmt.Println("# floor = max(inv + n*(read+write), inv + n*read + rtt + write, inv + read + ceil(n/pool)*rtt + write)")
		fmt.Println("#   inv = rfidtest.InventoryFloor(n), read = ReadTagFloor(9 blocks), write = WriteAFIFloor + SystemInfoFloor (read-back),")
		fmt.Printf("#   rtt = ACS latency, pool = %d SIP2 connections; the radio is one serial FEIG reader at 38400 baud.\n", benchPool)
		fmt.Println("# measured: stack placed -> one watcher poll (inventory + reads) -> core pipeline (checkouts in parallel, AFI writes as loans confirm) -> all shown lent.")
		fmt.Println("# sequential: inventory, then per item ReadTag, Checkout, SetSecured with one SIP2 connection.")
	})
	for _, n := range []int{1, 5, 10, 20} {
		for _, lat := range []int{0, 20, 100} {
			b.Run(fmt.Sprintf("items=%d/latency_ms=%d", n, lat), func(b *testing.B) {
				benchStack(b, n, time.Duration(lat)*time.Millisecond)
			})
		}
	}
}

type benchRig struct {
	srv     *acs.Server
	lib     *acs.Library
	pad     *rfidtest.Pad
	reader  *rfid.FEIGReader
	watcher *rfid.Watcher
	k       *Kiosk
	pool    *sip2.Pool
	client  *sip2.Client
	items   []string
	uid     uint32
}

func newBenchRig(b *testing.B, n int, latency time.Duration) *benchRig {
	seed, err := acs.DemoSeed()
	if err != nil {
		b.Fatal(err)
	}
	var items []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("39000%05d", i)
		items = append(items, id)
		seed.Items = append(seed.Items, acs.Item{ID: id, Title: fmt.Sprintf("Benchmarkbog %d", i), Media: "book"})
	}
	lib, err := acs.New(seed, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := acs.NewServer(lib, acs.DefaultOptions())
	addr, err := srv.ListenTCP("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv.SetFaults(acs.Faults{Latency: latency})
	so := sip2.DefaultOptions()
	so.Dialer = sip2.TCPDialer{Addr: addr.String()}
	so.Institution = demoISIL
	so.LoginUser, so.LoginPassword = "kiosk", "kiosk"
	so.Location = demoISIL
	so.KeepAlive = 0
	pool := sip2.NewPool(benchPool, so)
	// Connect and log in every pooled connection before timing.
	var wg sync.WaitGroup
	for i := 0; i < benchPool; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool.Do(context.Background(), func(c *sip2.Client) error { _, err := c.SCStatus(context.Background()); return err })
		}()
	}
	wg.Wait()
	client := sip2.NewClient(so)
	if _, err := client.SCStatus(context.Background()); err != nil {
		b.Fatal(err)
	}

	pad := rfidtest.NewPad(rfidtest.DefaultPadOptions())
	reader := rfid.NewFEIG(feig.New(pad.Transport(), feig.DefaultOptions()), rfid.Options{}, nil)
	wo := rfid.DefaultWatcherOptions()
	wo.Confirm = 1
	wo.Vanish = 1 // reset() clears the pad with one poll
	wo.Buffer = 256
	watcher := rfid.NewWatcher(reader, wo, nil)

	o := DefaultOptions()
	o.StateDir = b.TempDir()
	o.InstitutionISIL = demoISIL
	o.Parallel = benchPool
	o.HealthEvery = 0
	o.Receipt = ReceiptNever
	k, err := New(o, Ports{Library: NewSIP2Library(pool), Tags: NewRFIDTags(reader)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { k.Run(ctx); done <- struct{}{} }()
	go func() { FeedWatcher(ctx, watcher, k); done <- struct{}{} }()
	b.Cleanup(func() {
		cancel()
		<-done
		<-done
		pool.Close()
		client.Close()
		srv.Close()
	})
	return &benchRig{srv: srv, lib: lib, pad: pad, reader: reader, watcher: watcher, k: k, pool: pool, client: client,
		items: items, uid: 0x1000}
}

func (r *benchRig) wait(b *testing.B, what string, cond func(View) bool) {
	deadline := time.Now().Add(60 * time.Second)
	for !cond(r.k.View()) {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s: %+v", what, r.k.View())
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// placeStack puts fresh (secured) tags for every item on the pad.
func (r *benchRig) placeStack(b *testing.B) []feig.UID {
	var uids []feig.UID
	for _, id := range r.items {
		// UIDs spread over the low bits, as real ones are.
		r.uid += 37
		tg, err := rfidtest.NewItemTag(rfidtest.TestUID(r.uid), id, demoISIL, 1, 1)
		if err != nil {
			b.Fatal(err)
		}
		r.pad.Place(tg)
		uids = append(uids, tg.UID)
	}
	return uids
}

// reset returns every item and clears the pad, outside the timing.
func (r *benchRig) reset(b *testing.B) {
	ctx := context.Background()
	r.pad.Clear()
	r.watcher.Poll(ctx)
	r.wait(b, "pad empty", func(View) bool { return len(r.k.Model().Pad) == 0 })
	for _, id := range r.items {
		if _, err := r.client.Checkin(ctx, sip2.CheckinRequest{ItemID: id}); err != nil {
			b.Fatal(err)
		}
	}
}

func (r *benchRig) login(b *testing.B) {
	r.k.Send(InChoose{Screen: ScreenLoan})
	r.k.Scan([]byte(demoPatron))
	r.wait(b, "pin", func(v View) bool { return v.Screen == ScreenPIN })
	for _, c := range demoPIN {
		r.k.Send(InKey{Key: c})
	}
	r.wait(b, "loan", func(v View) bool { return v.Screen == ScreenLoan })
}

func (r *benchRig) logout(b *testing.B) {
	r.k.Send(InFinish{})
	r.wait(b, "goodbye", func(v View) bool { return v.Screen == ScreenGoodbye })
}

func allLent(n int) func(View) bool {
	return func(v View) bool {
		if len(v.Items) != n {
			return false
		}
		for _, it := range v.Items {
			if it.State != ItemDone {
				return false
			}
		}
		return true
	}
}

func benchStack(b *testing.B, n int, latency time.Duration) {
	r := newBenchRig(b, n, latency)
	ctx := context.Background()

	// The baseline: one item at a time, one connection.
	uids := r.placeStack(b)
	start := time.Now()
	tags, err := r.reader.Inventory(ctx)
	if err != nil || len(tags) != n {
		b.Fatalf("inventory: %d tags, %v", len(tags), err)
	}
	for _, t := range tags {
		tag, err := r.reader.ReadTag(ctx, t.UID)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := r.client.Checkout(ctx, sip2.CheckoutRequest{PatronID: []byte(demoPatron), PIN: []byte(demoPIN), ItemID: tag.Data.ItemID})
		if err != nil || !resp.OK {
			b.Fatalf("checkout %s: %v %+v", tag.Data.ItemID, err, resp.ScreenMessages)
		}
		if err := r.reader.SetSecured(ctx, t.UID, false); err != nil {
			b.Fatal(err)
		}
	}
	sequential := time.Since(start)
	_ = uids
	r.reset(b)

	var total time.Duration
	runs := 0
	for b.Loop() {
		b.StopTimer()
		r.login(b)
		uids := r.placeStack(b)
		b.StartTimer()
		t0 := time.Now()
		r.watcher.Poll(ctx)
		r.wait(b, "stack lent", allLent(n))
		total += time.Since(t0)
		runs++
		b.StopTimer()
		for _, u := range uids {
			if tg, _ := r.pad.Tag(u); tg.AFI != rfid.AFIOnLoan {
				b.Fatalf("tag %v AFI %#x after the loan", u, tg.AFI)
			}
		}
		r.logout(b)
		r.reset(b)
		b.StartTimer()
	}
	measured := total / time.Duration(runs)
	floor := stackFloor(n, latency)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(measured), "measured_ms")
	b.ReportMetric(ms(floor), "floor_ms")
	b.ReportMetric(float64(measured)/float64(floor), "ratio")
	b.ReportMetric(ms(sequential), "sequential_ms")
	fmt.Printf("stack items=%d latency_ms=%d measured_ms=%.0f floor_ms=%.0f ratio=%.2f sequential_ms=%.0f\n",
		n, latency/time.Millisecond, ms(measured), ms(floor), float64(measured)/float64(floor), ms(sequential))
}

// stackFloor is the least time a stack of n items can take: the single
// radio must inventory, read and write (with read-back) every tag; the last
// item's checkout sits between its read and its write; and the pool can
// only run benchPool checkouts at once.
func stackFloor(n int, rtt time.Duration) time.Duration {
	t := rfidtest.DefaultTiming()
	inv := t.InventoryFloor(n)
	read := t.ReadTagFloor(rfid.DefaultOptions().Blocks)
	write := t.WriteAFIFloor() + t.SystemInfoFloor()
	nn := time.Duration(n)
	radio := inv + nn*(read+write)
	last := inv + nn*read + rtt + write
	rounds := time.Duration((n + benchPool - 1) / benchPool)
	sip := inv + read + rounds*rtt + write
	return max(radio, last, sip)
}
