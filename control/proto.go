// Package control is the kiosk's control socket: a Unix socket on which the
// running kiosk takes small JSON requests from `kioskctl` (status, out of
// order, forward the queue, settle the journal, print a test receipt,
// reload the configuration), checks who is asking (SO_PEERCRED), and
// answers with one JSON reply. The actions themselves run in the kiosk core
// (kiosk.Kiosk.Control), through the same code as maintenance mode's.
//
// One request per connection: the client writes one JSON object (at most
// MaxRequest bytes) and half-closes or ends it with a newline; the server
// answers with one JSON object and closes. Every request carries
// "version": Version; anything malformed is answered with a clear error
// and changes nothing.
package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/danbib/kiosk/update"
)

// Version is the protocol version this kiosk speaks.
const Version = 1

// MaxRequest bounds a request: every command fits in a few dozen bytes, and
// a caller must not make the kiosk buffer megabytes.
const MaxRequest = 4096

// DefaultSocket is where the production kiosk listens (control.socket).
const DefaultSocket = "/run/kiosk/control.sock"

// The commands.
const (
	CmdStatus     = "status"
	CmdOutOfOrder = "out-of-order"
	CmdForward    = "queue-forward"
	CmdSettle     = "journal-settle"
	CmdPrintTest  = "print-test"
	CmdReload     = "reload"
	// CmdUpdate installs the bundle named by Bundle (update.go);
	// CmdUpdateStatus reports the update client's state.
	CmdUpdate       = "update"
	CmdUpdateStatus = "update-status"
)

// Commands lists every command, for error messages and help.
var Commands = []string{CmdStatus, CmdOutOfOrder, CmdForward, CmdSettle, CmdPrintTest, CmdReload, CmdUpdate, CmdUpdateStatus}

// Request is one request on the socket.
type Request struct {
	Version int    `json:"version"`
	Command string `json:"command"`
	// On is required for out-of-order: true switches the kiosk out of
	// order, false back in service.
	On *bool `json:"on,omitempty"`
	// Preset is the message of out-of-order on: maintenance (the
	// default), printer, network or closed.
	Preset string `json:"preset,omitempty"`
	// Bundle is update's bundle: an absolute path on the kiosk, or an
	// http(s) URL.
	Bundle string `json:"bundle,omitempty"`
}

// Reply is the answer to one request.
type Reply struct {
	Version int  `json:"version"`
	OK      bool `json:"ok"`
	// Error says why a request was refused or failed, in English.
	Error string `json:"error,omitempty"`
	// Errors lists every problem of a configuration file a reload refused.
	Errors []string `json:"errors,omitempty"`
	// Message is the outcome in English, as a technician reads it.
	Message string `json:"message,omitempty"`
	// Result is the outcome as a catalog message, for callers that
	// translate it (i18n/locales).
	Result *Text `json:"result,omitempty"`
	// Pending says the action waits for the patron's session to end.
	Pending bool `json:"pending,omitempty"`
	// Status answers the status command.
	Status *Status `json:"status,omitempty"`
	// Restart lists the keys a reload found changed but cannot apply
	// while the kiosk runs.
	Restart []string `json:"restart,omitempty"`
	// Update answers update and update-status.
	Update *update.State `json:"update,omitempty"`
}

// Text is a catalog message with its template data.
type Text struct {
	ID   string         `json:"id,omitempty"`
	Data map[string]any `json:"data,omitempty"`
	Raw  string         `json:"raw,omitempty"`
}

// Status is the maintenance status screen's facts and lines, for a script
// (the facts) and a technician (the lines).
type Status struct {
	Kiosk         string     `json:"kiosk"`
	Version       string     `json:"version"`
	Commit        string     `json:"commit"`
	At            time.Time  `json:"at"`
	UptimeSeconds int64      `json:"uptime_seconds"`
	Mode          string     `json:"mode"` // normal, no-receipt, returns-only, out-of-order
	OutOfOrder    string     `json:"out_of_order,omitempty"`
	ACSOnline     bool       `json:"acs_online"`
	QueueLen      int        `json:"queue_len"`
	QueueOldest   *time.Time `json:"queue_oldest,omitempty"`
	JournalOpen   int        `json:"journal_open"`
	Reader        bool       `json:"reader"`
	Paper         string     `json:"paper,omitempty"`
	ClockSet      bool       `json:"clock_set"`
	NTP           string     `json:"ntp"`
	SkewSeconds   *int64     `json:"skew_seconds,omitempty"`
	FreeBytes     int64      `json:"free_bytes"`
	Lines         []Line     `json:"lines"`
}

// Line is one line of the status screen, in English.
type Line struct {
	Key    string `json:"key"`   // e.g. "acs", "printer": the label's catalog id without its prefix
	Level  string `json:"level"` // ok, warn, bad, unknown
	Word   string `json:"word"`  // the level as the screen says it: OK, Check, Fault, Unknown
	Label  string `json:"label"`
	Value  string `json:"value"`
	Advice string `json:"advice,omitempty"`
}

// ParseRequest reads one request strictly: one JSON object, no unknown
// fields, the right version, a known command with the arguments it needs.
// The error says what is wrong in words a technician can act on.
func ParseRequest(b []byte) (Request, error) {
	var r Request
	if len(b) > MaxRequest {
		return r, fmt.Errorf("control: request of more than %d bytes refused", MaxRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("control: request is not a JSON object of this protocol: %w", err)
	}
	if dec.More() {
		return Request{}, errors.New("control: one JSON object per request; found more after it")
	}
	if r.Version != Version {
		return Request{}, fmt.Errorf("control: protocol version %d is not supported; this kiosk speaks version %d", r.Version, Version)
	}
	known := false
	for _, c := range Commands {
		known = known || c == r.Command
	}
	if !known {
		return Request{}, fmt.Errorf("control: unknown command %q; known: %s", r.Command, strings.Join(Commands, ", "))
	}
	if r.Command == CmdOutOfOrder && r.On == nil {
		return Request{}, errors.New(`control: out-of-order needs "on": true or false`)
	}
	if (r.Command == CmdUpdate) != (r.Bundle != "") {
		return Request{}, errors.New(`control: "bundle" is what update needs, and only update`)
	}
	if r.Preset != "" && (r.Command != CmdOutOfOrder || !*r.On) {
		return Request{}, errors.New(`control: "preset" belongs only to out-of-order with "on": true`)
	}
	return r, nil
}
