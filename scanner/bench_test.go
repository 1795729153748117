package scanner

import "testing"

// BenchmarkIdentify measures one identification of a full two-track health
// card swipe (synthetic card), the longest common input.
func BenchmarkIdentify(b *testing.B) {
	rules := DefaultRules()
	in := healthTrack1 + healthTrack2
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Identify(in, rules); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/swipe")
}

// BenchmarkReportDecoder measures decoding a 10-character scan from 22
// boot reports.
func BenchmarkReportDecoder(b *testing.B) {
	var reports [][]byte
	for _, c := range []byte{0x27, 0x1E, 0x27, 0x1E, 0x24, 0x27, 0x1E, 0x1F, 0x20, 0x21, 0x28} {
		reports = append(reports, press(0, c), release)
	}
	var d ReportDecoder
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range reports {
			d.Feed(r)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/scan")
}
