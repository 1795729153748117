// Package uibench measures a Fyne window as `make bench` reports it
// (scripts/bench-ui.sh): when its first frame showed content, and how much
// memory the process holds while it idles. The kiosk (in scenario mode) and
// the bare window of ./bare use the same code, so their numbers compare.
package uibench

import (
	"image"
	"time"

	"fyne.io/fyne/v2"
)

// WaitFirstFrame polls the window until a captured frame shows more than
// one colour (the content was painted) and returns when that was. It gives
// up, returning the zero time, after limit.
func WaitFirstFrame(w fyne.Window, limit time.Duration) time.Time {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var img image.Image
		fyne.DoAndWait(func() { img = w.Canvas().Capture() })
		if painted(img) {
			return time.Now()
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Time{}
}

// painted reports whether img has at least two different pixels: a blank
// window is one colour.
func painted(img image.Image) bool {
	if img == nil {
		return false
	}
	b := img.Bounds()
	if b.Empty() {
		return false
	}
	first := img.At(b.Min.X, b.Min.Y)
	r0, g0, b0, a0 := first.RGBA()
	// Every 7th pixel in both directions is enough to find text.
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			if r != r0 || g != g0 || bl != b0 || a != a0 {
				return true
			}
		}
	}
	return false
}
