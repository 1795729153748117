package main

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/i18n"
)

// openPanel opens the simulator panel: the demo operator's window for
// playing patron and technician. It is a developer tool in English, not part
// of the patron's screen (whose texts all come from the catalogs).
func (d *demo) openPanel(a fyne.App, bundle *i18n.Bundle) {
	_ = bundle
	w := a.NewWindow("Simulator panel")
	w.Resize(fyne.NewSize(820, 1000))

	// Cards: one button per demo patron.
	cards := container.NewVBox(widget.NewLabelWithStyle("Scan a demo card (every PIN is 1234; all people are synthetic)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for _, p := range d.Library.Patrons() {
		label := fmt.Sprintf("%s  ·  %s", p.Name, p.ID)
		b := widget.NewButtonWithIcon(label, theme.AccountIcon(), func() { _ = d.Scan(p.ID) })
		b.Alignment = widget.ButtonAlignLeading
		note := widget.NewLabel(p.Note)
		note.Wrapping = fyne.TextWrapWord
		note.SizeName = theme.SizeNameCaptionText
		cards.Add(container.NewVBox(b, note))
	}

	// Items: place and remove.
	items := container.NewVBox(widget.NewLabelWithStyle("Items: place on or lift off the pad", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	onPad := widget.NewLabel("")
	onPad.Wrapping = fyne.TextWrapWord
	for _, it := range d.Library.Items() {
		parts := max(it.Parts, 1)
		title := fmt.Sprintf("%s  %s", it.ID, it.Title)
		if parts > 1 {
			title += fmt.Sprintf("  (%d parts)", parts)
		}
		if it.Note != "" {
			title += "  – " + it.Note
		}
		lbl := widget.NewLabel(title)
		lbl.Truncation = fyne.TextTruncateEllipsis
		place := widget.NewButtonWithIcon("Place", theme.DownloadIcon(), func() { d.report(d.Place(it.ID, nil)) })
		lift := widget.NewButtonWithIcon("Lift", theme.UploadIcon(), func() { d.report(d.Remove(it.ID)) })
		btns := container.NewHBox(place, lift)
		if parts > 1 {
			btns.Add(widget.NewButton("Part 1 only", func() { d.report(d.Place(it.ID, []int{1})) }))
		}
		items.Add(container.NewBorder(nil, nil, nil, btns, lbl))
	}
	clear := widget.NewButtonWithIcon("Lift everything", theme.ContentClearIcon(), func() { d.report(d.ClearPad()) })

	// Faults.
	paper := widget.NewCheck("Printer out of paper", func(on bool) {
		if on {
			d.report(d.SetPaper("out"))
		} else {
			d.report(d.SetPaper("ok"))
		}
	})
	offline := widget.NewCheck("Library system offline", func(on bool) { d.report(d.SetOffline(on)) })
	unplug := widget.NewCheck("RFID reader unplugged", func(on bool) { d.report(d.SetReader(!on)) })
	faults := container.NewVBox(widget.NewLabelWithStyle("Faults", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), paper, offline, unplug)

	// Receipts, newest first.
	receipts := container.NewVBox()
	shown := 0
	refresh := func() {
		onPad.SetText(fmt.Sprintf("On the pad: %v", d.OnPad()))
		rs := d.Receipts()
		for ; shown < len(rs); shown++ {
			img, err := png.Decode(bytes.NewReader(rs[shown]))
			if err != nil {
				continue
			}
			ci := canvas.NewImageFromImage(img)
			ci.FillMode = canvas.ImageFillOriginal
			receipts.Objects = append([]fyne.CanvasObject{container.NewVBox(widget.NewLabel(fmt.Sprintf("Receipt %d", shown+1)), ci)}, receipts.Objects...)
		}
		receipts.Refresh()
	}
	d.OnChange(func() { fyne.Do(refresh) })
	go func() {
		// Receipts print asynchronously; look for new ones every second.
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for range t.C {
			fyne.Do(refresh)
		}
	}()

	tabs := container.NewAppTabs(
		container.NewTabItem("Patrons", container.NewVScroll(cards)),
		container.NewTabItem("Items", container.NewBorder(container.NewVBox(onPad, clear), nil, nil, nil, container.NewVScroll(items))),
		container.NewTabItem("Faults", faults),
		container.NewTabItem("Receipts", container.NewVScroll(receipts)),
	)
	w.SetContent(container.NewThemeOverride(tabs, lightTheme{theme.DefaultTheme()}))
	w.Show()
}

// report logs a panel action that failed.
func (d *demo) report(err error) {
	if err != nil {
		d.log.WithError(err).Warn("demo panel")
	}
}

// lightTheme is Fyne's own theme, always light, with its normal sizes: the
// app's kiosk theme is too big for a panel full of buttons.
type lightTheme struct{ fyne.Theme }

func (l lightTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return l.Theme.Color(n, theme.VariantLight)
}
