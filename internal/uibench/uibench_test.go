package uibench

import (
	"image"
	"image/color"
	"testing"
)

func TestPainted(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 100, 50))
	for y := 0; y < 50; y++ {
		for x := 0; x < 100; x++ {
			img.Set(x, y, color.White)
		}
	}
	if painted(img) {
		t.Fatal("a blank frame counts as painted")
	}
	img.Set(49, 21, color.Black)
	if !painted(img) {
		t.Fatal("a frame with a dark pixel on the sampling grid counts as blank")
	}
	if painted(nil) || painted(image.NewRGBA(image.Rectangle{})) {
		t.Fatal("no frame counts as painted")
	}
}
