// Package update is the kiosk's update client (issue 16): it fetches a
// signed RAUC bundle from the configured URL at the configured time of day
// while the kiosk is free, or takes one pushed with `kioskctl update`,
// hands it to RAUC, which writes it to the inactive root slot, and has the
// core reboot into it once no patron is being served. After a boot it
// decides whether the running slot is good (MarkGood), so that the boot
// loader falls back to the old slot when it is not.
//
// RAUC does the part that must not be got wrong: checking the bundle's
// signature and writing the slot. This package never writes a slot itself.
package update

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// RAUC is what the client needs of RAUC; *Command is the real one, and
// tests use a fake.
type RAUC interface {
	// Install writes the bundle at path (a local file) to the inactive
	// slot and makes it the next boot's primary.
	Install(ctx context.Context, path string) error
	// Status reads the slots.
	Status(ctx context.Context) (Status, error)
	// MarkGood marks the booted slot good, so the boot loader keeps it.
	MarkGood(ctx context.Context) error
}

// Command runs the rauc command-line tool, which talks to the RAUC service
// over D-Bus (the image's D-Bus policy lets the kiosk's user do so).
type Command struct {
	// Path of the rauc binary; "" finds "rauc" on PATH.
	Path string
}

func (c Command) run(ctx context.Context, args ...string) ([]byte, error) {
	bin := c.Path
	if bin == "" {
		bin = "rauc"
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if msg := failureLines(out.String(), errb.String()); msg != "" {
			return nil, fmt.Errorf("update: rauc %s: %w: %s", args[0], err, msg)
		}
		return nil, fmt.Errorf("update: rauc %s: %w", args[0], err)
	}
	return out.Bytes(), nil
}

// progressLine is one of rauc's progress lines ("  40% Checking bundle")
// or a bare operation it reports ("installing", "idle").
var progressLine = regexp.MustCompile(`^([0-9]{1,3}% |[a-z]+$)`)

// failureLines is what rauc said about a failure, the error a technician
// reads: the last three lines of its standard output and standard error
// that are not progress. rauc 1.8 prints why on standard output
// ("LastError: signature verification failed: …", "Compatible mismatch")
// and only "Installing `…` failed" on standard error.
func failureLines(stdout, stderr string) string {
	var ls []string
	for _, l := range strings.Split(stdout+"\n"+stderr, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !progressLine.MatchString(l) {
			ls = append(ls, l)
		}
	}
	return lastLines(strings.Join(ls, "\n"), 3)
}

// lastLines keeps the last n lines of s, joined with "; ".
func lastLines(s string, n int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "; ")
}

// Install runs `rauc install PATH`.
func (c Command) Install(ctx context.Context, path string) error {
	_, err := c.run(ctx, "install", path)
	return err
}

// Status runs `rauc status --output-format=json` and parses it.
func (c Command) Status(ctx context.Context) (Status, error) {
	b, err := c.run(ctx, "status", "--detailed", "--output-format=json")
	if err != nil {
		return Status{}, err
	}
	return ParseStatus(b)
}

// MarkGood runs `rauc status mark-good` (the booted slot).
func (c Command) MarkGood(ctx context.Context) error {
	_, err := c.run(ctx, "status", "mark-good")
	return err
}

// Status is what RAUC says about the slots.
type Status struct {
	Compatible string
	// Booted is the boot name of the running slot ("A" or "B").
	Booted string
	// Primary is the slot the boot loader starts next ("rootfs.1").
	Primary string
	Slots   []Slot
}

// Slot is one slot of RAUC's status.
type Slot struct {
	Name       string // "rootfs.0"
	Class      string // "rootfs"
	Device     string
	BootName   string // "A"
	State      string // "booted", "inactive", "active"
	BootStatus string // "good", "bad", or "" when the boot loader has none
	// Version and Installed come from the last bundle installed into the
	// slot; "" for a slot written by the image build.
	Version   string
	Installed string
}

// BootedSlot returns the running slot, and false when RAUC names none (a
// system booted without RAUC's boot loader entries).
func (s Status) BootedSlot() (Slot, bool) {
	for _, sl := range s.Slots {
		if sl.State == "booted" || (s.Booted != "" && sl.BootName == s.Booted) {
			return sl, true
		}
	}
	return Slot{}, false
}

// String is the installed system as the status screen shows it: the booted
// slot and its bundle's version.
func (s Status) String() string {
	sl, ok := s.BootedSlot()
	if !ok {
		return ""
	}
	v := sl.Version
	if v == "" {
		v = "image"
	}
	out := fmt.Sprintf("slot %s (%s), %s", sl.BootName, sl.Name, v)
	if sl.BootStatus != "" && sl.BootStatus != "good" {
		out += ", " + sl.BootStatus
	}
	return out
}

// rawStatus is `rauc status --output-format=json` of RAUC 1.8 (Debian 12):
// "slots" is a list of one-key objects, slot name to slot.
type rawStatus struct {
	Compatible  string                       `json:"compatible"`
	Booted      string                       `json:"booted"`
	BootPrimary string                       `json:"boot_primary"`
	Slots       []map[string]json.RawMessage `json:"slots"`
}

type rawSlot struct {
	Class      string `json:"class"`
	Device     string `json:"device"`
	BootName   string `json:"bootname"`
	State      string `json:"state"`
	BootStatus string `json:"boot_status"`
	SlotStatus struct {
		Bundle struct {
			Version string `json:"version"`
		} `json:"bundle"`
		Installed struct {
			Timestamp string `json:"timestamp"`
		} `json:"installed"`
	} `json:"slot_status"`
}

// ParseStatus reads RAUC's JSON status.
func ParseStatus(b []byte) (Status, error) {
	var r rawStatus
	if err := json.Unmarshal(b, &r); err != nil {
		return Status{}, fmt.Errorf("update: rauc status is not the JSON expected: %w", err)
	}
	if len(r.Slots) == 0 {
		return Status{}, errors.New("update: rauc status lists no slots")
	}
	s := Status{Compatible: r.Compatible, Booted: r.Booted, Primary: r.BootPrimary}
	for _, m := range r.Slots {
		for name, raw := range m {
			var rs rawSlot
			if err := json.Unmarshal(raw, &rs); err != nil {
				return Status{}, fmt.Errorf("update: rauc status: slot %s: %w", name, err)
			}
			s.Slots = append(s.Slots, Slot{Name: name, Class: rs.Class, Device: rs.Device, BootName: rs.BootName,
				State: rs.State, BootStatus: rs.BootStatus, Version: rs.SlotStatus.Bundle.Version,
				Installed: rs.SlotStatus.Installed.Timestamp})
		}
	}
	return s, nil
}
