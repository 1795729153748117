package main

import (
	"fmt"

	"fyne.io/fyne/v2"

	"github.com/danbib/kiosk/config"
	"github.com/danbib/kiosk/kiosk/ui"
)

// screenLook puts the library's colours and logo (config [screen]) into
// the UI's options. The configuration has checked both at load.
func screenLook(s config.Screen, opts *ui.Options) error {
	p, err := s.Palette()
	if err != nil {
		return err
	}
	opts.Palette = p
	if s.LogoFile != "" {
		res, err := fyne.LoadResourceFromPath(s.LogoFile)
		if err != nil {
			return fmt.Errorf("screen.logo_file: %w", err)
		}
		opts.Logo = res
	}
	return nil
}
