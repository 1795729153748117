//go:build tools

// This file pins modules that packages of the kiosk use while they are being
// written, so that `go mod tidy` keeps them. It is never built.
package kiosk

import (
	_ "fyne.io/fyne/v2/app"
	_ "github.com/BurntSushi/toml"
	_ "github.com/boombuler/barcode"
	_ "github.com/coreos/go-systemd/v22/daemon"
	_ "github.com/google/gousb"
	_ "github.com/nicksnyder/go-i18n/v2/i18n"
	_ "github.com/sirupsen/logrus"
	_ "go.bug.st/serial"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/text/encoding/charmap"
	_ "pgregory.net/rapid"
)
