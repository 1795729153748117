package sip2

import (
	"context"
	"testing"
	"time"
)

func BenchmarkEncodeCheckout(b *testing.B) {
	m := NewMessage(MsgCheckout).SetFixed(FSCRenewalPolicy, "N").SetFixed(FNoBlock, "N").
		SetFixed(FTransactionDate, testDate).SetFixed(FNBDueDate, BlankDate)
	// 0101700001 is the simulator's SYNTHETIC demo patron, not a real CPR.
	m.Add("AO", "DK-799000").Add("AA", "0101700001").Add("AB", "3800000804").Add("AC", "").Add("AD", "1234")
	m.HasSeq = true
	opts := EncodeOptions{ErrorDetection: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(m, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkDecodePatronInfo(b *testing.B) {
	raw := []byte(fbs64)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Decode(raw, DecodeOptions{VerifyChecksum: true})
		if err != nil {
			b.Fatal(err)
		}
		_ = parsePatronInformation(m, time.UTC)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkClientRoundTrip measures the client's own overhead per request
// (encode, send, frame, decode, verify) over an in-memory pipe.
func BenchmarkClientRoundTrip(b *testing.B) {
	p := &fakePeer{t: b}
	p.handler = defaultHandler(b, nil)
	c := newTestClient(p)
	defer c.Close()
	ctx := context.Background()
	if err := c.Login(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ItemInformation(ctx, "3800000804"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/request")
}
