package feig

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/danbib/kiosk/usb/usbio"
)

// Transport carries frames to and from the reader. Its method set is the one
// of usbio.Transport, so a claimed USB interface can be passed directly; the
// serial transport and the virtual pad implement it too. Read returns whatever
// bytes are available (a USB transfer, or what the serial port delivered
// before its timeout); the driver reassembles frames. Errors should wrap the
// usbio errors (ErrTimeout, ErrDisconnected…) so callers can test them.
type Transport interface {
	Write(ctx context.Context, p []byte) (int, error)
	Read(ctx context.Context, p []byte) (int, error)
	Close() error
}

// A claimed USB interface is a Transport as it is.
var _ Transport = usbio.Transport(nil)

// Commands of the ISO Host protocol used here.
const (
	CmdSoftwareVersion = 0x65
	CmdRFReset         = 0x69
	CmdISO             = 0xB0 // ISO 15693 host commands; the sub-command is the first data byte
)

// ISO 15693 sub-commands of CmdISO.
const (
	ISOInventory      = 0x01
	ISOReadMultiple   = 0x23
	ISOWriteMultiple  = 0x24
	ISOWriteAFI       = 0x27
	ISOLockAFI        = 0x28
	ISOGetSystemInfo  = 0x2B
	modeAddressed     = 0x01
	inventoryMore     = 0x80
	trTypeISO15693    = 0x03
	maxReadDataBytes  = 128
	defaultBlockBytes = 4
)

// UID is an ISO 15693 unique identifier, MSB first as displayed and as sent
// in FEIG frames (E0 is the ISO 15693 allocation class).
type UID [8]byte

// String returns the UID as 16 upper-case hex digits, "E0040150338607AE".
func (u UID) String() string { return strings.ToUpper(hex.EncodeToString(u[:])) }

// ParseUID reads a UID written as hex, with optional ':', ' ' or '-' separators.
func ParseUID(s string) (UID, error) {
	var u UID
	clean := strings.NewReplacer(":", "", " ", "", "-", "").Replace(s)
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) != len(u) {
		return u, fmt.Errorf("feig: bad UID %q", s)
	}
	copy(u[:], b)
	return u, nil
}

// Transponder is one tag found by an inventory.
type Transponder struct {
	Type  byte // TR-TYPE, 0x03 for ISO 15693
	DSFID byte
	UID   UID
}

// SystemInfo is the answer to Get System Information.
type SystemInfo struct {
	DSFID     byte
	UID       UID
	AFI       byte
	BlockSize int // bytes per block
	Blocks    int // number of blocks
	ICRef     byte
}

// SoftwareInfo is the answer to Get Software Version.
type SoftwareInfo struct {
	Revision uint16 // SW-REV
	DevRev   byte   // D-REV
	HWType   byte
	SWType   byte   // reader family
	TRTypes  uint16 // supported transponder types, a bit mask
	Raw      []byte
}

// String is how kioskctl and the kiosk's status screen show the reader.
func (s SoftwareInfo) String() string {
	return fmt.Sprintf("software %04X, hardware type %#02x, family %#02x", s.Revision, s.HWType, s.SWType)
}

// Options configure a Driver.
type Options struct {
	// Addr is the reader's bus address (COM-ADR). Default 0xFF, which every reader answers.
	Addr byte
	// Advanced selects advanced frames (0x02 LEN_hi LEN_lo …). Default false (standard frames).
	Advanced bool
	// PSST is the pause kept between the end of one frame and the next request.
	// Default 5 ms; a negative value switches the pause off (unit tests).
	PSST time.Duration
	// Timeout bounds each exchange when the context has no earlier deadline. Default 1 s.
	Timeout time.Duration
	// MaxMoreRounds bounds the inventory MORE loop. Default 32.
	MaxMoreRounds int
	// Now and Sleep are the clock seam for the PSST pause. Defaults time.Now and time.Sleep.
	Now   func() time.Time
	Sleep func(time.Duration)
}

// DefaultOptions returns the settings for a FEIG desktop reader.
func DefaultOptions() Options {
	return Options{
		Addr:          BroadcastAddr,
		PSST:          5 * time.Millisecond,
		Timeout:       time.Second,
		MaxMoreRounds: 32,
		Now:           time.Now,
		Sleep:         time.Sleep,
	}
}

// Driver sends ISO Host commands over a Transport. It is safe for concurrent
// use; exchanges are serialised.
type Driver struct {
	t    Transport
	opts Options

	mu      sync.Mutex
	last    time.Time // end of the last exchange, for the PSST pause
	pending []byte    // bytes read past the end of the last frame
}

// New returns a driver. Zero fields of opts take their defaults (Advanced
// stays false).
func New(t Transport, opts Options) *Driver {
	def := DefaultOptions()
	if opts.Addr == 0 {
		opts.Addr = def.Addr
	}
	if opts.PSST == 0 {
		opts.PSST = def.PSST
	}
	if opts.Now == nil {
		opts.Now = def.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = def.Sleep
	}
	if opts.Timeout <= 0 {
		opts.Timeout = def.Timeout
	}
	if opts.MaxMoreRounds <= 0 {
		opts.MaxMoreRounds = def.MaxMoreRounds
	}
	return &Driver{t: t, opts: opts}
}

// Close closes the transport.
func (d *Driver) Close() error { return d.t.Close() }

// Exchange sends one request and returns the reader's response frame. A
// non-OK status is returned as the frame together with a *StatusError.
func (d *Driver) Exchange(ctx context.Context, cmd byte, data []byte) (Frame, error) {
	req, err := EncodeRequest(d.opts.Advanced, d.opts.Addr, cmd, data)
	if err != nil {
		return Frame{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.opts.PSST > 0 && !d.last.IsZero() {
		if wait := d.opts.PSST - d.opts.Now().Sub(d.last); wait > 0 {
			d.opts.Sleep(wait)
		}
	}
	defer func() { d.last = d.opts.Now() }()
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	d.pending = d.pending[:0] // stale bytes belong to an abandoned exchange
	if _, err := d.t.Write(ctx, req); err != nil {
		return Frame{}, fmt.Errorf("feig: write: %w", err)
	}
	raw, err := d.readFrame(ctx)
	if err != nil {
		return Frame{}, err
	}
	f, err := Decode(raw, true)
	if err != nil {
		return Frame{}, err
	}
	if f.Cmd != cmd {
		return f, fmt.Errorf("feig: response to command %#02x answers %#02x", cmd, f.Cmd)
	}
	sub := cmd
	if cmd == CmdISO && len(data) > 0 {
		sub = data[0]
	}
	return f, statusErr(sub, f)
}

func (d *Driver) readFrame(ctx context.Context) ([]byte, error) {
	var buf [512]byte
	for {
		n, err := FrameLen(d.pending)
		if err != nil {
			d.pending = d.pending[:0]
			return nil, err
		}
		if n > 0 && len(d.pending) >= n {
			frame := append([]byte(nil), d.pending[:n]...)
			d.pending = append(d.pending[:0], d.pending[n:]...)
			return frame, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("feig: read: %w (%v)", usbio.ErrTimeout, err)
		}
		got, err := d.t.Read(ctx, buf[:])
		d.pending = append(d.pending, buf[:got]...)
		if err != nil {
			return nil, fmt.Errorf("feig: read: %w", err)
		}
	}
}

func (d *Driver) iso(ctx context.Context, data ...byte) (Frame, error) {
	return d.Exchange(ctx, CmdISO, data)
}

// Inventory lists the tags in the field. It follows the MORE protocol: while
// the reader answers status 0x94 it asks again with the MORE bit set, up to
// MaxMoreRounds. No tag is an empty list, not an error. On a buffer overflow
// (0x93) the tags read so far are returned together with the error.
func (d *Driver) Inventory(ctx context.Context) ([]Transponder, error) {
	var tags []Transponder
	mode := byte(0)
	for range d.opts.MaxMoreRounds {
		f, err := d.iso(ctx, ISOInventory, mode)
		switch {
		case err == nil, errors.Is(err, ErrMoreData), errors.Is(err, ErrBufferOverflow):
			got, perr := parseInventory(f.Data)
			tags = append(tags, got...)
			if perr != nil {
				return tags, perr
			}
			if err == nil || errors.Is(err, ErrBufferOverflow) {
				return tags, err
			}
			mode = inventoryMore
		case errors.Is(err, ErrNoTransponder):
			return tags, nil
		default:
			return tags, err
		}
	}
	return tags, fmt.Errorf("feig: inventory still has more data after %d rounds", d.opts.MaxMoreRounds)
}

func parseInventory(data []byte) ([]Transponder, error) {
	if len(data) == 0 {
		return nil, nil
	}
	n := int(data[0])
	data = data[1:]
	tags := make([]Transponder, 0, n)
	for range n {
		if len(data) < 10 {
			return tags, fmt.Errorf("feig: inventory data set truncated")
		}
		var t Transponder
		t.Type, t.DSFID = data[0], data[1]
		if t.Type != trTypeISO15693 {
			// Other transponder types have data sets of other lengths; the
			// rest of the response cannot be parsed without knowing them.
			return tags, fmt.Errorf("feig: inventory: transponder type %#02x is not ISO 15693", t.Type)
		}
		copy(t.UID[:], data[2:10])
		tags = append(tags, t)
		data = data[10:]
	}
	return tags, nil
}

// ReadBlocks reads n blocks from first with addressed Read Multiple Blocks and
// returns them in memory order: FEIG sends each block MSB first, so every
// block is reversed here. Large reads are split to stay within the reader's
// 128-byte response.
func (d *Driver) ReadBlocks(ctx context.Context, uid UID, first, n int) ([]byte, error) {
	if first < 0 || n <= 0 || first+n > 256 {
		return nil, fmt.Errorf("feig: read blocks %d+%d out of range", first, n)
	}
	var out []byte
	for n > 0 {
		chunk := min(n, maxReadDataBytes/defaultBlockBytes)
		req := append([]byte{ISOReadMultiple, modeAddressed}, uid[:]...)
		req = append(req, byte(first), byte(chunk))
		f, err := d.iso(ctx, req...)
		if err != nil {
			return out, err
		}
		data, err := parseBlocks(f.Data, chunk)
		if err != nil {
			return out, err
		}
		out = append(out, data...)
		first += chunk
		n -= chunk
	}
	return out, nil
}

func parseBlocks(data []byte, want int) ([]byte, error) {
	if len(data) < 2 {
		return nil, fmt.Errorf("feig: read blocks: short response")
	}
	n, size := int(data[0]), int(data[1])
	if n != want || size == 0 || len(data) != 2+n*(1+size) {
		return nil, fmt.Errorf("feig: read blocks: response has %d blocks of %d bytes in %d bytes, want %d blocks",
			n, size, len(data), want)
	}
	out := make([]byte, 0, n*size)
	p := data[2:]
	for range n {
		blk := p[1 : 1+size] // p[0] is the block security status
		for i := len(blk) - 1; i >= 0; i-- {
			out = append(out, blk[i])
		}
		p = p[1+size:]
	}
	return out, nil
}

// WriteAFI writes the tag's Application Family Identifier (addressed).
func (d *Driver) WriteAFI(ctx context.Context, uid UID, afi byte) error {
	req := append([]byte{ISOWriteAFI, modeAddressed}, uid[:]...)
	_, err := d.iso(ctx, append(req, afi)...)
	return err
}

// SystemInfo reads the tag's DSFID, AFI and memory size (addressed).
func (d *Driver) SystemInfo(ctx context.Context, uid UID) (SystemInfo, error) {
	f, err := d.iso(ctx, append([]byte{ISOGetSystemInfo, modeAddressed}, uid[:]...)...)
	if err != nil {
		return SystemInfo{}, err
	}
	return parseSystemInfo(f.Data)
}

func parseSystemInfo(p []byte) (SystemInfo, error) {
	if len(p) < 13 {
		return SystemInfo{}, fmt.Errorf("feig: system info: %d bytes, want 13", len(p))
	}
	var s SystemInfo
	s.DSFID = p[0]
	copy(s.UID[:], p[1:9])
	s.AFI = p[9]
	// MEM-SIZE is block size then number of blocks, both coded as value−1 (ISO 15693).
	s.BlockSize = int(p[10]&0x1F) + 1
	s.Blocks = int(p[11]) + 1
	s.ICRef = p[12]
	return s, nil
}

// RFReset switches the RF field off and on, so that every tag answers the next
// inventory afresh.
func (d *Driver) RFReset(ctx context.Context) error {
	_, err := d.Exchange(ctx, CmdRFReset, nil)
	return err
}

// SoftwareVersion asks the reader for its firmware and hardware identification;
// it is also the cheapest "are you there" probe.
func (d *Driver) SoftwareVersion(ctx context.Context) (SoftwareInfo, error) {
	f, err := d.Exchange(ctx, CmdSoftwareVersion, nil)
	if err != nil {
		return SoftwareInfo{}, err
	}
	s := SoftwareInfo{Raw: f.Data}
	p := f.Data
	if len(p) >= 2 {
		s.Revision = uint16(p[0])<<8 | uint16(p[1])
	}
	if len(p) >= 5 {
		s.DevRev, s.HWType, s.SWType = p[2], p[3], p[4]
	}
	if len(p) >= 7 {
		s.TRTypes = uint16(p[5])<<8 | uint16(p[6])
	}
	return s, nil
}
