package printertest

import (
	"context"
	"errors"
	"image"
	"image/color"
	"sync"
	"testing"

	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
)

func build(t *testing.T, f func(b *escpos.Builder)) []byte {
	t.Helper()
	b := escpos.NewBuilder(escpos.DefaultOptions())
	b.Initialize().SelectCodePage(escpos.WPC1252)
	f(b)
	p, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// inkBox returns the bounding box of black dots in rows [y0, y1).
func inkBox(img *image.Gray, y0, y1 int) image.Rectangle {
	r := image.Rectangle{Min: image.Pt(img.Bounds().Dx(), y1), Max: image.Pt(-1, y0)}
	for y := y0; y < y1 && y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			if img.GrayAt(x, y).Y < 128 {
				r.Min.X, r.Max.X = min(r.Min.X, x), max(r.Max.X, x+1)
				r.Min.Y, r.Max.Y = min(r.Min.Y, y), max(r.Max.Y, y+1)
			}
		}
	}
	return r
}

func countInk(img *image.Gray) int {
	n := 0
	for _, v := range img.Pix {
		if v < 128 {
			n++
		}
	}
	return n
}

func TestTextAndAlignment(t *testing.T) {
	p := build(t, func(b *escpos.Builder) {
		b.Line("left").Align(escpos.AlignCenter).Line("mid").Align(escpos.AlignRight).Line("right")
	})
	if got := Text(p); got != "left\nmid\nright\n" {
		t.Errorf("text %q", got)
	}
	img := Render(p, 576)
	l := inkBox(img, marginTop, marginTop+30)
	c := inkBox(img, marginTop+30, marginTop+60)
	r := inkBox(img, marginTop+60, marginTop+90)
	if l.Min.X > 2 {
		t.Errorf("left text starts at %d", l.Min.X)
	}
	if mid := (c.Min.X + c.Max.X) / 2; mid < 270 || mid > 306 {
		t.Errorf("centred text centre at %d", mid)
	}
	if r.Max.X < 570 {
		t.Errorf("right text ends at %d", r.Max.X)
	}
}

func TestBoldAndDoubleSize(t *testing.T) {
	normal := Render(build(t, func(b *escpos.Builder) { b.Line("HHHH") }), 576)
	bold := Render(build(t, func(b *escpos.Builder) { b.Bold(true).Line("HHHH") }), 576)
	double := Render(build(t, func(b *escpos.Builder) { b.Size(2, 2).Line("HHHH") }), 576)
	if countInk(bold) <= countInk(normal) {
		t.Errorf("bold ink %d ≤ normal %d", countInk(bold), countInk(normal))
	}
	nb, db := inkBox(normal, 0, normal.Bounds().Dy()), inkBox(double, 0, double.Bounds().Dy())
	if db.Dx() < 2*nb.Dx()-4 || db.Dy() < 2*nb.Dy()-4 {
		t.Errorf("double size %v vs normal %v", db, nb)
	}
}

func TestCodesAndImages(t *testing.T) {
	logo := image.NewGray(image.Rect(0, 0, 64, 32))
	for i := range logo.Pix {
		logo.Pix[i] = 0
	}
	p := build(t, func(b *escpos.Builder) {
		b.Align(escpos.AlignCenter).
			BarcodeHeight(50).BarcodeWidth(2).BarcodeHRI(escpos.HRIBelow).Code128("TX-42").
			QR("hej", escpos.QROptions{ModuleSize: 4}).
			Raster(logo, escpos.RasterOptions{}).
			Code128Set('C', "0123").
			Cut(escpos.CutFull, 0)
	})
	want := "TX-42\n[CODE128 TX-42]\n[QR hej]\n[IMAGE 64x32]\n0123\n[CODE128 0123]\n--- cut ---\n"
	if got := Text(p); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	img := Render(p, 384)
	if img.Bounds().Dx() != 384 {
		t.Errorf("width %d", img.Bounds().Dx())
	}
	// The solid 64×32 logo must appear centred as a black block.
	found := false
	for y := 0; y < img.Bounds().Dy() && !found; y++ {
		if img.GrayAt(160, y).Y == 0 && img.GrayAt(223, y).Y == 0 && img.GrayAt(159, y).Y != 0 && img.GrayAt(224, y).Y != 0 {
			found = true
		}
	}
	if !found {
		t.Error("centred logo not found")
	}
	if countInk(img) < 3000 {
		t.Errorf("only %d black dots", countInk(img))
	}
}

func TestDanishAndCyrillicGlyphs(t *testing.T) {
	p := build(t, func(b *escpos.Builder) { b.Line("æøå ÆØÅ € Книга") })
	if got := Text(p); got != "æøå ÆØÅ € Книга\n" {
		t.Errorf("text %q", got)
	}
	// Every character has a glyph: none is drawn as the missing-glyph box.
	box := cell('\uE000', false, false)
	for _, r := range "æøåÆØÅ€КнигаłşİĞ" {
		c := cell(r, false, false)
		if countInk(c) == 0 || string(c.Pix) == string(box.Pix) {
			t.Errorf("%q has no glyph", r)
		}
	}
}

func TestKnobs(t *testing.T) {
	ctx := context.Background()
	vp := New(0)
	j := build(t, func(b *escpos.Builder) { b.Line("kvittering").Cut(escpos.CutPartial, 3) })
	checks := []struct {
		set  func()
		err  error
		want printer.State
	}{
		{func() { vp.SetPaper(escpos.PaperNearEnd) }, nil, printer.StatePaperNearEnd},
		{func() { vp.SetPaper(escpos.PaperOut) }, printer.ErrPaperOut, printer.StatePaperOut},
		{func() { vp.SetPaper(escpos.PaperOK); vp.SetCoverOpen(true) }, printer.ErrCoverOpen, printer.StateCoverOpen},
		{func() { vp.SetCoverOpen(false); vp.SetOffline(true) }, printer.ErrOffline, printer.StateOffline},
		{func() { vp.SetOffline(false); vp.SetUnplugged(true) }, printer.ErrNotConnected, printer.StateDisconnected},
		{func() { vp.SetUnplugged(false) }, nil, printer.StateReady},
	}
	for i, c := range checks {
		c.set()
		st, _ := vp.Status(ctx)
		if st.State() != c.want {
			t.Errorf("case %d: state %v, want %v", i, st.State(), c.want)
		}
		err := vp.Print(ctx, j)
		if c.err == nil && err != nil || c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("case %d: print err %v, want %v", i, err, c.err)
		}
	}
	if vp.Count() != 2 {
		t.Errorf("%d jobs printed, want 2", vp.Count())
	}
	vp.JamAfter(4)
	if err := vp.Print(ctx, j); !errors.Is(err, ErrJam) {
		t.Errorf("jam: %v", err)
	}
	if err := vp.Print(ctx, j); err == nil {
		t.Error("printed while jammed")
	}
	vp.ClearJam()
	if err := vp.Print(ctx, j); err != nil {
		t.Errorf("after clearing the jam: %v", err)
	}
	if _, err := vp.PNG(-1); err != nil {
		t.Error(err)
	}
	if _, err := vp.Text(99); err == nil {
		t.Error("no error for a missing job")
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	vp := New(384)
	j := build(t, func(b *escpos.Builder) { b.Bold(true).Line("samtidig æøå").Cut(escpos.CutPartial, 3) })
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 5; k++ {
				_ = vp.Print(ctx, j)
				_, _ = vp.Status(ctx)
				_, _ = vp.PNG(-1)
			}
		}()
	}
	wg.Wait()
	if vp.Count() != 40 {
		t.Errorf("%d jobs", vp.Count())
	}
}

func TestImageGrowsForLongReceipts(t *testing.T) {
	p := build(t, func(b *escpos.Builder) {
		for i := 0; i < 200; i++ {
			b.Line("linje")
		}
	})
	img := Render(p, 576)
	if img.Bounds().Dy() < 200*defaultLineSpacing {
		t.Errorf("roll only %d dots long", img.Bounds().Dy())
	}
	_ = color.Gray{}
}

func FuzzRender(f *testing.F) {
	f.Add([]byte("hej\n\x1d!\x11stor\n\x1dV\x42\x03"))
	f.Add([]byte{0x1d, 'v', '0', 3, 1, 0, 1, 0, 0xff})
	f.Add([]byte{0x1d, 'k', 73, 3, '{', 'C', 99})
	f.Add([]byte{0x1d, '(', 'k', 4, 0, 0x31, 0x50, 0x30, 'x', 0x1d, '(', 'k', 3, 0, 0x31, 0x51, 0x30})
	f.Fuzz(func(t *testing.T, p []byte) {
		if len(p) > 4096 {
			return
		}
		img := Render(p, 384)
		if img.Bounds().Dx() != 384 {
			t.Fatal("width changed")
		}
		_ = Text(p)
	})
}

func BenchmarkRenderPNG(b *testing.B) {
	bl := escpos.NewBuilder(escpos.DefaultOptions())
	bl.Initialize().SelectCodePage(escpos.WPC1252)
	for i := 0; i < 30; i++ {
		bl.Line("Ternet Ninja 3: Ninjaernes hævn – 31.12.2026")
	}
	bl.Code128("KK1-20261203-0042").QR("KK1-20261203-0042", escpos.QROptions{ModuleSize: 6}).Cut(escpos.CutPartial, 3)
	p, _ := bl.Bytes()
	var size int
	for b.Loop() {
		png, err := RenderPNG(p, 576)
		if err != nil {
			b.Fatal(err)
		}
		size = len(png)
	}
	b.ReportMetric(float64(size), "png-bytes")
}

func TestOnPrintHook(t *testing.T) {
	ctx := context.Background()
	vp := New(0)
	var mu sync.Mutex
	var got []int
	vp.SetOnPrint(func(i int) {
		// The hook may call back into the printer: the lock is not held.
		if _, err := vp.PNG(i); err != nil {
			t.Error(err)
		}
		mu.Lock()
		got = append(got, i)
		mu.Unlock()
	})
	j := build(t, func(b *escpos.Builder) { b.Line("a").Cut(escpos.CutPartial, 3) })
	vp.Print(ctx, j)
	vp.SetPaper(escpos.PaperOut)
	vp.Print(ctx, j) // refused: no call
	vp.SetPaper(escpos.PaperOK)
	tr, err := vp.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr.Write(ctx, j[:3])
	tr.Write(ctx, j[3:]) // the cut completes the job
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Errorf("hook calls %v, want [0 1]", got)
	}
}
