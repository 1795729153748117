package ui

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/printer"
)

// qrImage draws text as a QR code of about size×size pixels with a white
// quiet zone of four modules, as phone cameras need.
func qrImage(text string, size int) (image.Image, error) {
	code, err := qr.Encode(text, printer.QRLevel, qr.Auto)
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

// maxCodes is how many QR codes the receipt screen shows side by side: one
// per due date, earliest first; a patron with more due dates than that
// finds the rest under My account, as the screen says.
const maxCodes = 4

// receiptQR is the receipt as QR codes for the patron's phone: a heading
// that says what the codes are, and the codes centred and as large as the
// screen allows, each with its due date below it.
func (r *Renderer) receiptQR() screen {
	v := r.view
	codes := v.ReceiptCodes
	if len(codes) == 0 {
		codes = []kiosk.ReceiptCode{{Text: v.ReceiptQR}}
	}
	heading, hint := "qr.return_heading", ""
	if !codes[0].Due.IsZero() {
		heading, hint = "qr.heading", "qr.hint"
	}
	shown := codes[:min(len(codes), maxCodes)]
	// 520 px for one code, down to 400 px for four side by side: with the
	// heading, the hint and the date, one code of 600 px made the screen
	// taller than 1080 px.
	size := []int{520, 480, 440, 400}[len(shown)-1]
	if v.LargeText {
		// The larger heading and hint take the room: the codes stay
		// readable at four pixels a module.
		size = size * 2 / 3
	}
	var imgs []image.Image
	side := 0
	for _, c := range shown {
		img, err := qrImage(c.Text, size)
		if err != nil {
			if r.log != nil {
				r.log.WithError(err).Warn("ui: drawing the receipt QR code")
			}
			continue
		}
		imgs = append(imgs, img)
		side = max(side, img.Bounds().Dx())
	}
	row := container.NewHBox()
	for i, img := range imgs {
		ci := canvas.NewImageFromImage(img)
		ci.FillMode = canvas.ImageFillContain
		ci.ScaleMode = canvas.ImageScalePixels
		ci.SetMinSize(fyne.NewSquareSize(float32(img.Bounds().Dx())))
		// Every code gets the same square, so that codes of different
		// versions and their dates line up.
		card := container.NewVBox(withMin(container.NewCenter(ci), float32(side), float32(side)))
		if due := shown[i].Due; !due.IsZero() {
			label := r.t("qr.due", map[string]any{"Date": r.loc.Date(due)})
			if v.LargeText {
				// With larger text "Rückgabe bis 01.12.2026" is wider
				// than the code and would be cut: the date alone, under
				// the heading that says these are due dates.
				label = r.loc.Date(due)
			}
			card.Add(centered(wholeLine(label)))
		}
		if i > 0 {
			row.Add(withMin(layout.NewSpacer(), 48, 0))
		}
		row.Add(card)
	}
	top := container.NewVBox(centered(r.headingText(r.t(heading))))
	if hint != "" {
		top.Add(centered(para(r.t(hint), widget.MediumImportance)))
	}
	var bottom fyne.CanvasObject
	if rest := len(codes) - len(shown); rest > 0 {
		bottom = centered(para(r.loc.N("qr.more_dates", rest), widget.MediumImportance))
	}
	body := container.NewBorder(top, bottom, nil, nil, container.NewCenter(row))
	return screen{body: body, right: []fyne.CanvasObject{r.iconButton("ui.button.done", theme.ConfirmIcon(), widget.HighImportance, kiosk.InFinish{})}}
}
