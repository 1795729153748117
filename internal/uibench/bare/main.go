// Command bare is the yardstick of the kiosk's UI benchmarks
// (scripts/bench-ui.sh): a bare fullscreen Fyne window with one line of
// text, built like the kiosk (-tags gles) and run on the same display. It
// prints when its first frame was painted, then idles until it is killed.
package main

import (
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/internal/uibench"
)

func main() {
	a := app.NewWithID("dk.danbib.kiosk.bare")
	w := a.NewWindow("bare")
	w.SetPadded(false)
	w.SetFullScreen(true)
	w.SetContent(container.NewCenter(widget.NewLabel("A bare Fyne window")))
	w.Show()
	go func() {
		at := uibench.WaitFirstFrame(w, time.Minute)
		fmt.Fprintf(os.Stdout, "first_frame_unix_ns=%d\n", at.UnixNano())
	}()
	a.Run()
}
