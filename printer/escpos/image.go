package escpos

import (
	"fmt"
	"image"
	"image/color"
)

// RasterOptions control how an image becomes black and white dots.
type RasterOptions struct {
	// Threshold is the luminance (0..255) below which a pixel prints black
	// when Dither is off. 0 means the default, 128.
	Threshold uint8
	// Dither spreads the error with Floyd–Steinberg, which suits photos;
	// logos usually look better with a plain threshold.
	Dither bool
	// MaxWidth in dots; a wider image is an error rather than a silently
	// clipped logo. 0 means no limit.
	MaxWidth int
}

// Raster converts img to a 1-bit raster and appends GS v 0. Transparent
// pixels print white.
func (b *Builder) Raster(img image.Image, o RasterOptions) *Builder {
	rowBytes, h, data, err := RasterData(img, o)
	if err != nil {
		return b.fail(err)
	}
	return b.RasterBits(0, rowBytes, h, data)
}

// RasterData converts img to packed 1-bit rows (MSB leftmost, 1 black).
func RasterData(img image.Image, o RasterOptions) (rowBytes, height int, data []byte, err error) {
	bounds := img.Bounds()
	w, h := bounds.Dx(), bounds.Dy()
	if w < 1 || h < 1 {
		return 0, 0, nil, fmt.Errorf("%w: empty image", ErrRange)
	}
	if o.MaxWidth > 0 && w > o.MaxWidth {
		return 0, 0, nil, fmt.Errorf("%w: image is %d dots wide, paper %d", ErrRange, w, o.MaxWidth)
	}
	if h > 0xFFFF {
		return 0, 0, nil, fmt.Errorf("%w: image is %d dots high", ErrRange, h)
	}
	threshold := int(o.Threshold)
	if threshold == 0 {
		threshold = 128
	}
	// lum holds luminance on white, scaled by 16 so that the dither error
	// keeps some precision.
	lum := make([]int, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, a := img.At(bounds.Min.X+x, bounds.Min.Y+y).RGBA()
			// Composite onto white paper.
			l := (299*int(r) + 587*int(g) + 114*int(bl)) / 1000 // 0..0xffff premultiplied
			l = l + (0xffff - int(a))
			lum[y*w+x] = (l >> 8) * 16
		}
	}
	rowBytes = (w + 7) / 8
	data = make([]byte, rowBytes*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := lum[y*w+x]
			black := v < threshold*16
			if black {
				data[y*rowBytes+x/8] |= 0x80 >> (x % 8)
			}
			if !o.Dither {
				continue
			}
			target := 255 * 16
			if black {
				target = 0
			}
			e := v - target
			spread := func(dx, dy, num int) {
				xx, yy := x+dx, y+dy
				if xx < 0 || xx >= w || yy >= h {
					return
				}
				lum[yy*w+xx] += e * num / 16
			}
			spread(1, 0, 7)
			spread(-1, 1, 3)
			spread(0, 1, 5)
			spread(1, 1, 1)
		}
	}
	return rowBytes, h, data, nil
}

// RasterImage turns packed raster rows back into an image, for the decoder's
// users (the virtual printer).
func RasterImage(rowBytes, height int, data []byte) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, rowBytes*8, height))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < height; y++ {
		for x := 0; x < rowBytes*8; x++ {
			i := y*rowBytes + x/8
			if i < len(data) && data[i]&(0x80>>(x%8)) != 0 {
				img.SetGray(x, y, color.Gray{0})
			}
		}
	}
	return img
}
