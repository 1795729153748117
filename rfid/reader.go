// Package rfid is what the kiosk knows about RFID: a small Reader interface
// (inventory, read a tag, switch its security state and verify it), the FEIG
// implementation of it, and the pad watcher, which turns polled inventories
// into item events (items added and removed, incomplete sets, unreadable and
// foreign tags).
//
// Sub-packages: ddm (the Danish data model on the tag), feig (the reader's
// host protocol) and rfidtest (the virtual pad and record/replay transports).
package rfid

import (
	"context"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/danbib/kiosk/logging"

	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/usb/usbio"
)

// UID is a tag's ISO 15693 unique identifier, MSB first as displayed.
type UID = feig.UID

// ParseUID reads a UID written as 16 hex digits (separators allowed).
func ParseUID(s string) (UID, error) { return feig.ParseUID(s) }

// TagInfo is a tag seen by an inventory.
type TagInfo struct {
	UID   UID
	DSFID byte
}

// Tag is a tag read in full.
type Tag struct {
	UID   UID
	DSFID byte
	AFI   byte
	// Blocks is the tag's number of 4-byte blocks (from system information).
	Blocks int
	// Memory is the user memory read, in memory order.
	Memory []byte
	// Data is the decoded content. It is valid when ReadTag returned no error
	// (and, with Options.AcceptBadCRC, may carry ddm.FlagBadCRC).
	Data ddm.Result
}

// Reader is the kiosk's view of an RFID reader.
type Reader interface {
	// Inventory lists the tags in the field.
	Inventory(ctx context.Context) ([]TagInfo, error)
	// ReadTag reads and decodes one tag. When the memory does not decode,
	// the Tag (with Memory) is returned together with an error that is ErrUnreadable.
	ReadTag(ctx context.Context, uid UID) (Tag, error)
	// SetSecured writes the tag's AFI (secured: in the library; not secured:
	// on loan), reads it back, and retries within a bound.
	SetSecured(ctx context.Context, uid UID, secured bool) error
}

// Errors of a Reader, wrapped in *TagError for per-tag failures. Test them
// with errors.Is; the driver's error stays in the chain too.
var (
	// ErrTagGone: the tag did not answer (it left the pad).
	ErrTagGone = errors.New("rfid: tag not in the field")
	// ErrUnreadable: the tag answered but its memory is not the data model
	// (bad CRC, blank, garbage).
	ErrUnreadable = errors.New("rfid: tag memory unreadable")
	// ErrNotVerified: after every attempt the AFI read back differs from the one written.
	ErrNotVerified = errors.New("rfid: AFI not verified")
	// ErrReaderGone: the reader itself is unplugged or not answering.
	ErrReaderGone = errors.New("rfid: reader unavailable")
)

// TagError is a failure concerning one tag.
type TagError struct {
	UID UID
	Op  string // "read", "decode", "set secured"
	Err error
}

func (e *TagError) Error() string { return fmt.Sprintf("rfid: tag %s: %s: %v", e.UID, e.Op, e.Err) }
func (e *TagError) Unwrap() error { return e.Err }

// AFI values of the Danish model (biblstandard.dk; BibBox; go-feig).
const (
	AFISecured = 0x07 // item in the library, the gate alarms
	AFIOnLoan  = 0xC2 // item on loan
)

// Options configure a FEIGReader. The lead maps them from the TOML config.
type Options struct {
	// AFISecured is written on return. Default 0x07.
	AFISecured byte
	// AFIUnsecured is written on loan. Default 0xC2.
	AFIUnsecured byte
	// Blocks is how many blocks ReadTag reads (9 = 36 bytes, enough for the
	// 13-byte ISIL and the first extension). Default 9.
	Blocks int
	// WriteAttempts bounds SetSecured's write-and-verify attempts. Default 3.
	WriteAttempts int
	// AcceptBadCRC decodes tags whose CRC fails instead of reporting them
	// unreadable. Default false.
	AcceptBadCRC bool
	// RFResetBeforeInventory resets the field before each inventory (BibBox
	// does this so that readers configured not to repeat tags report all of
	// them). Default false.
	RFResetBeforeInventory bool
}

// DefaultOptions returns the Danish defaults.
func DefaultOptions() Options {
	return Options{AFISecured: AFISecured, AFIUnsecured: AFIOnLoan, Blocks: 9, WriteAttempts: 3}
}

// FEIGReader is a Reader on a FEIG ISO Host reader.
type FEIGReader struct {
	d    *feig.Driver
	opts Options
	log  logrus.FieldLogger
}

var _ Reader = (*FEIGReader)(nil)
var _ Resetter = (*FEIGReader)(nil)

// Resetter is a Reader that can be reset when it stops answering
// (reliability.md #28): the watcher tries a reset once before it reports the
// reader down.
type Resetter interface {
	Reset(ctx context.Context) error
}

// Reset switches the reader's RF field off and on (FEIG RF Reset, 0x69), which
// also drops a half-finished exchange; the reader must answer it.
func (r *FEIGReader) Reset(ctx context.Context) error {
	if err := r.d.RFReset(ctx); err != nil {
		return fmt.Errorf("rfid: reset: %w", err)
	}
	return nil
}

// NewFEIG returns a Reader on the driver. Zero option fields take their
// defaults (AcceptBadCRC and RFResetBeforeInventory stay false).
func NewFEIG(d *feig.Driver, opts Options, log logrus.FieldLogger) *FEIGReader {
	def := DefaultOptions()
	if opts.AFISecured == 0 {
		opts.AFISecured = def.AFISecured
	}
	if opts.AFIUnsecured == 0 {
		opts.AFIUnsecured = def.AFIUnsecured
	}
	if opts.Blocks <= 0 {
		opts.Blocks = def.Blocks
	}
	if opts.WriteAttempts <= 0 {
		opts.WriteAttempts = def.WriteAttempts
	}
	log = logging.OrDiscard(log)
	return &FEIGReader{d: d, opts: opts, log: log.WithField("component", "rfid")}
}

// Options returns the reader's effective options.
func (r *FEIGReader) Options() Options { return r.opts }

// Secured tells whether an AFI value is the secured one.
func (o Options) Secured(afi byte) bool { return afi == o.AFISecured }

// classify adds the rfid sentinel to a driver error.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, usbio.ErrDisconnected), errors.Is(err, usbio.ErrNoDevice),
		errors.Is(err, usbio.ErrTimeout), errors.Is(err, usbio.ErrStall):
		return fmt.Errorf("%w: %w", ErrReaderGone, err)
	case errors.Is(err, feig.ErrNoTransponder):
		return fmt.Errorf("%w: %w", ErrTagGone, err)
	}
	return err
}

// Inventory lists the tags in the field.
func (r *FEIGReader) Inventory(ctx context.Context) ([]TagInfo, error) {
	if r.opts.RFResetBeforeInventory {
		if err := r.d.RFReset(ctx); err != nil {
			return nil, classify(err)
		}
	}
	ts, err := r.d.Inventory(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]TagInfo, 0, len(ts))
	for _, t := range ts {
		out = append(out, TagInfo{UID: t.UID, DSFID: t.DSFID})
	}
	return out, nil
}

// ReadTag reads system information (AFI, memory size) and Options.Blocks
// blocks, and decodes them.
func (r *FEIGReader) ReadTag(ctx context.Context, uid UID) (Tag, error) {
	si, err := r.d.SystemInfo(ctx, uid)
	if err != nil {
		return Tag{UID: uid}, &TagError{UID: uid, Op: "read", Err: classify(err)}
	}
	t := Tag{UID: uid, DSFID: si.DSFID, AFI: si.AFI, Blocks: si.Blocks}
	n := min(r.opts.Blocks, si.Blocks)
	if si.BlockSize != 4 {
		return t, &TagError{UID: uid, Op: "read", Err: fmt.Errorf("%w: block size %d", ErrUnreadable, si.BlockSize)}
	}
	t.Memory, err = r.d.ReadBlocks(ctx, uid, 0, n)
	if err != nil {
		return t, &TagError{UID: uid, Op: "read", Err: classify(err)}
	}
	t.Data, err = ddm.DecodeWith(t.Memory, ddm.Policy{AcceptBadCRC: r.opts.AcceptBadCRC})
	if err != nil {
		return t, &TagError{UID: uid, Op: "decode", Err: fmt.Errorf("%w: %w", ErrUnreadable, err)}
	}
	return t, nil
}

// SetSecured writes the AFI and verifies it through system information,
// up to Options.WriteAttempts times. It gives up at once when the reader is gone.
func (r *FEIGReader) SetSecured(ctx context.Context, uid UID, secured bool) error {
	want := r.opts.AFIUnsecured
	if secured {
		want = r.opts.AFISecured
	}
	var last error
	for attempt := 1; attempt <= r.opts.WriteAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return &TagError{UID: uid, Op: "set secured", Err: err}
		}
		err := r.d.WriteAFI(ctx, uid, want)
		if err == nil {
			var si feig.SystemInfo
			si, err = r.d.SystemInfo(ctx, uid)
			if err == nil && si.AFI == want {
				return nil
			}
			if err == nil {
				err = fmt.Errorf("%w: wrote %#02x, read %#02x", ErrNotVerified, want, si.AFI)
			}
		}
		last = classify(err)
		r.log.WithFields(logrus.Fields{"uid": uid.String(), "attempt": attempt, "afi": fmt.Sprintf("%#02x", want)}).
			WithError(last).Warn("rfid: AFI write failed")
		if errors.Is(last, ErrReaderGone) {
			break
		}
	}
	return &TagError{UID: uid, Op: "set secured", Err: last}
}

// Ping asks the reader for its software version, a cheap health probe.
func (r *FEIGReader) Ping(ctx context.Context) (feig.SoftwareInfo, error) {
	si, err := r.d.SoftwareVersion(ctx)
	return si, classify(err)
}

// Close closes the driver's transport.
func (r *FEIGReader) Close() error { return r.d.Close() }
