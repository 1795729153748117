package ui

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// qrImage draws text as a QR code of about size×size pixels with a white
// quiet zone of four modules, as phone cameras need.
func qrImage(text string, size int) (image.Image, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("ui: encoding QR: %w", err)
	}
	modules := code.Bounds().Dx() + 8
	scale := max(size/modules, 1)
	inner, err := barcode.Scale(code, code.Bounds().Dx()*scale, code.Bounds().Dy()*scale)
	if err != nil {
		return nil, fmt.Errorf("ui: scaling QR: %w", err)
	}
	side := modules * scale
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	off := image.Pt(4*scale, 4*scale)
	draw.Draw(img, inner.Bounds().Add(off), inner, inner.Bounds().Min, draw.Src)
	return img, nil
}
