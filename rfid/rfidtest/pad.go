// Package rfidtest holds the fakes of the RFID stack: the virtual pad (a
// simulated FEIG reader holding virtual tags, answering ISO Host frames byte
// for byte over an in-memory transport) and a record/replay transport whose
// transcripts live in testdata/.
package rfidtest

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/usb/usbio"
)

// Default tag parameters of virtual tags (an NXP ICODE SLIX: 28 blocks of 4 bytes).
const (
	DefaultBlocks = 28
	DSFIDDDM      = 0x3E // ISO 28560-3; real Danish tags often carry 0x00
	AFISecured    = 0x07
	AFIOnLoan     = 0xC2
	icRefSLIX     = 0x01
)

// Tag is a virtual ISO 15693 tag.
type Tag struct {
	UID   feig.UID
	DSFID byte
	AFI   byte
	// Memory is the user memory in memory order; its length is a multiple of 4.
	Memory []byte
	ICRef  byte
}

func (t Tag) clone() *Tag {
	t.Memory = slices.Clone(t.Memory)
	return &t
}

// TestUID returns a recognisable UID for test tag n: E0 04 01 00 followed by n.
func TestUID(n uint32) feig.UID {
	var u feig.UID
	u[0], u[1], u[2] = 0xE0, 0x04, 0x01
	binary.BigEndian.PutUint32(u[4:], n)
	return u
}

// NewItemTag returns a secured tag (AFI 0x07) holding the item in the Danish
// data model: item id, owner ISIL (with or without hyphen), set size and part
// number (zero means 1).
func NewItemTag(uid feig.UID, itemID, ownerISIL string, parts, partNo int) (*Tag, error) {
	mem, err := ddm.Encode(ddm.Tag{Usage: ddm.UsageCirculation, Parts: parts, PartNo: partNo,
		ItemID: itemID, OwnerISIL: ownerISIL})
	if err != nil {
		return nil, fmt.Errorf("rfidtest: %w", err)
	}
	full := make([]byte, DefaultBlocks*4)
	copy(full, mem)
	return &Tag{UID: uid, DSFID: DSFIDDDM, AFI: AFISecured, Memory: full, ICRef: icRefSLIX}, nil
}

// NewItemSet returns the tags of every part of a multi-part item, with UIDs
// TestUID(firstUID), TestUID(firstUID+1)….
func NewItemSet(firstUID uint32, itemID, ownerISIL string, parts int) ([]*Tag, error) {
	tags := make([]*Tag, 0, parts)
	for i := range parts {
		t, err := NewItemTag(TestUID(firstUID+uint32(i)), itemID, ownerISIL, parts, i+1)
		if err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	return tags, nil
}

// NewGarbageTag returns a tag whose memory is random bytes (seeded, so tests
// repeat), the way a tag from another system or a damaged one reads.
func NewGarbageTag(uid feig.UID, seed uint64) *Tag {
	r := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	mem := make([]byte, DefaultBlocks*4)
	for i := range mem {
		mem[i] = byte(r.UintN(256))
	}
	return &Tag{UID: uid, DSFID: 0, AFI: AFISecured, Memory: mem, ICRef: icRefSLIX}
}

// PadOptions configure the virtual pad. The zero value is a pad without any
// timing, as unit tests want it.
type PadOptions struct {
	// Timing, when set, makes every operation take its air-interface and
	// host-link time from the model. Nil: answers are instant.
	Timing *Timing
	// Sleep spends the modelled time. Default time.Sleep.
	Sleep func(time.Duration)
	// MaxPerFrame is how many tags one inventory response carries before the
	// reader answers "more data" (0x94). Default 8.
	MaxPerFrame int
}

// DefaultPadOptions returns a pad with the serial-line timing model switched
// on, for the demo and benchmarks.
func DefaultPadOptions() PadOptions {
	t := DefaultTiming()
	return PadOptions{Timing: &t, Sleep: time.Sleep, MaxPerFrame: 8}
}

// Stats count what the pad was asked to do.
type Stats struct {
	Inventories, MoreFrames, Reads, SystemInfos, AFIWrites, RFResets, Other int
	// AirTime is the modelled time spent so far (zero without Timing).
	AirTime time.Duration
}

type writeFault struct {
	n      int // remaining failures; negative: always
	silent bool
}

// Pad is the virtual pad: a simulated FEIG reader. All methods are safe for
// concurrent use, so a demo panel can place and remove tags while the kiosk polls.
type Pad struct {
	opts PadOptions

	mu        sync.Mutex
	tags      map[feig.UID]*Tag
	order     []feig.UID // placement order, the order inventories report
	unplugged bool
	round     int
	pending   []feig.UID // rest of the current inventory, for MORE
	// pendingDSFID keeps the DSFID of each pending UID as the anticollision
	// read it: a real reader reports what it collected in the first frame
	// even if a tag leaves the field before the host asks for the rest.
	pendingDSFID map[feig.UID]byte
	flicker      map[feig.UID]flicker
	leave        map[feig.UID]int
	wfaults      map[feig.UID]*writeFault
	rfaults      map[feig.UID]int
	stats        Stats
}

// NewPad returns an empty pad.
func NewPad(opts PadOptions) *Pad {
	if opts.Sleep == nil {
		opts.Sleep = time.Sleep
	}
	if opts.MaxPerFrame <= 0 {
		opts.MaxPerFrame = 8
	}
	return &Pad{
		opts:    opts,
		tags:    map[feig.UID]*Tag{},
		flicker: map[feig.UID]flicker{},
		leave:   map[feig.UID]int{},
		wfaults: map[feig.UID]*writeFault{},
		rfaults: map[feig.UID]int{},
	}
}

// Place puts tags on the pad (a copy of each; placing a UID again replaces it).
func (p *Pad) Place(tags ...*Tag) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range tags {
		if _, ok := p.tags[t.UID]; !ok {
			p.order = append(p.order, t.UID)
		}
		p.tags[t.UID] = t.clone()
	}
}

// Remove takes tags off the pad; unknown UIDs are ignored.
func (p *Pad) Remove(uids ...feig.UID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range uids {
		p.removeLocked(u)
	}
}

func (p *Pad) removeLocked(u feig.UID) {
	delete(p.tags, u)
	delete(p.flicker, u)
	delete(p.leave, u)
	delete(p.wfaults, u)
	delete(p.rfaults, u)
	p.order = slices.DeleteFunc(p.order, func(x feig.UID) bool { return x == u })
}

// Take lifts tags off the pad and returns them as they were at that moment
// (unknown UIDs are skipped). Reading a tag and removing it in one step
// matters when the kiosk may be writing its AFI concurrently: a Tag followed
// by a Remove could miss a write in between and carry a stale security bit
// away from the pad.
func (p *Pad) Take(uids ...feig.UID) []*Tag {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*Tag
	for _, u := range uids {
		if t, ok := p.tags[u]; ok {
			out = append(out, t.clone())
			p.removeLocked(u)
		}
	}
	return out
}

// Clear takes every tag off the pad.
func (p *Pad) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range slices.Clone(p.order) {
		p.removeLocked(u)
	}
}

// Tags returns copies of the tags on the pad in placement order.
func (p *Pad) Tags() []Tag {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Tag, 0, len(p.order))
	for _, u := range p.order {
		out = append(out, *p.tags[u].clone())
	}
	return out
}

// Tag returns a copy of the tag with the UID, if it is on the pad.
func (p *Pad) Tag(uid feig.UID) (Tag, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tags[uid]
	if !ok {
		return Tag{}, false
	}
	return *t.clone(), true
}

// Unplug makes every transport of the pad fail with usbio.ErrDisconnected
// until Replug.
func (p *Pad) Unplug() { p.setPlugged(false) }

// Replug undoes Unplug.
func (p *Pad) Replug() { p.setPlugged(true) }

func (p *Pad) setPlugged(on bool) {
	p.mu.Lock()
	p.unplugged = !on
	p.pending = nil
	p.mu.Unlock()
}

// Flicker makes a tag visible to an inventory only when pattern[round %
// len(pattern)] is true, counting inventories from now (a tag at the edge of
// the field). Addressed commands still reach it. An empty pattern ends the flicker.
func (p *Pad) Flicker(uid feig.UID, pattern ...bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(pattern) == 0 {
		delete(p.flicker, uid)
		return
	}
	p.flicker[uid] = flicker{pattern: append([]bool{}, pattern...), start: p.round}
}

type flicker struct {
	pattern []bool
	start   int // inventory round the pattern starts at
}

// LeaveAfter makes the tag leave the pad after it has answered ops more
// addressed commands (read, system information, write AFI): with 0 it is
// still listed by the next inventory but gone when the reader addresses it.
func (p *Pad) LeaveAfter(uid feig.UID, ops int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.leave[uid] = ops
}

// FailWrites makes the next n AFI writes to the tag fail with ISO error 0x13
// (program failed); n < 0 fails every write.
func (p *Pad) FailWrites(uid feig.UID, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wfaults[uid] = &writeFault{n: n}
}

// IgnoreWrites makes the next n AFI writes to the tag answer OK without
// changing the AFI (n < 0: always), which only a read-back can catch.
func (p *Pad) IgnoreWrites(uid feig.UID, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wfaults[uid] = &writeFault{n: n, silent: true}
}

// FailReads makes the next n block reads and system-information requests
// to the tag fail with status 0x83 (RF communication error), as a tag at
// the edge of the field does that answers inventories but not longer
// commands; n < 0: always.
func (p *Pad) FailReads(uid feig.UID, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rfaults[uid] = n
}

// readFault consumes one read failure of the tag, if any is set.
func (p *Pad) readFault(uid feig.UID) bool {
	n, ok := p.rfaults[uid]
	if !ok || n == 0 {
		return false
	}
	if n > 0 {
		p.rfaults[uid] = n - 1
	}
	return true
}

// Stats returns the pad's counters.
func (p *Pad) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Transport returns a new in-memory connection to the pad, the virtual
// equivalent of the serial line or USB interface.
func (p *Pad) Transport() *PadTransport { return &PadTransport{pad: p} }

// PadTransport carries frames to the pad. It implements feig.Transport.
type PadTransport struct {
	pad    *Pad
	mu     sync.Mutex
	out    []byte
	closed bool
}

var _ feig.Transport = (*PadTransport)(nil)

// Write hands one request frame to the pad, which answers it after the
// modelled time.
func (t *PadTransport) Write(ctx context.Context, b []byte) (int, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	resp, wait := t.pad.handle(b)
	if wait > 0 {
		t.pad.opts.Sleep(wait)
	}
	if err := t.check(); err != nil {
		return 0, err
	}
	t.mu.Lock()
	t.out = append(t.out[:0], resp...)
	t.mu.Unlock()
	return len(b), nil
}

// Read returns the pad's answer; with none pending it reports usbio.ErrTimeout
// at once, as a reader that did not answer would after its timeout.
func (t *PadTransport) Read(ctx context.Context, b []byte) (int, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.out) == 0 {
		return 0, fmt.Errorf("rfidtest: virtual pad: %w", usbio.ErrTimeout)
	}
	n := copy(b, t.out)
	t.out = t.out[n:]
	return n, nil
}

// Close ends the connection.
func (t *PadTransport) Close() error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	return nil
}

func (t *PadTransport) check() error {
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return fmt.Errorf("rfidtest: virtual pad: transport closed: %w", usbio.ErrDisconnected)
	}
	t.pad.mu.Lock()
	defer t.pad.mu.Unlock()
	if t.pad.unplugged {
		return fmt.Errorf("rfidtest: virtual pad: %w", usbio.ErrDisconnected)
	}
	return nil
}

// handle answers one request frame and returns the response and the modelled
// time. A frame that does not decode gets no answer, like on a real line.
func (p *Pad) handle(req []byte) ([]byte, time.Duration) {
	f, err := feig.Decode(req, false)
	if err != nil {
		return nil, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var (
		status feig.Status
		data   []byte
		air    time.Duration
	)
	switch f.Cmd {
	case feig.CmdSoftwareVersion:
		p.stats.Other++
		// SW-REV 03.03, D-REV 0, HW-TYPE 0, SW-TYPE 0x50, TR-TYPE ISO 15693.
		data = []byte{0x03, 0x03, 0x00, 0x00, 0x50, 0x00, 0x08}
	case feig.CmdRFReset:
		p.stats.RFResets++
	case feig.CmdISO:
		status, data, air = p.iso(f.Data)
	default:
		p.stats.Other++
		status = feig.StatusUnknownCommand
	}
	resp, err := feig.Frame{Advanced: f.Advanced, Addr: 0x00, Cmd: f.Cmd, Status: status,
		HasStatus: true, Data: data}.Encode()
	if err != nil {
		resp, _ = feig.Frame{Advanced: f.Advanced, Cmd: f.Cmd, Status: feig.StatusLengthError, HasStatus: true}.Encode()
	}
	var wait time.Duration
	if tm := p.opts.Timing; tm != nil {
		wait = air + tm.host(len(req), len(resp))
		p.stats.AirTime += wait
	}
	return resp, wait
}

func (p *Pad) iso(d []byte) (feig.Status, []byte, time.Duration) {
	if len(d) < 2 {
		return feig.StatusLengthError, nil, 0
	}
	sub, mode := d[0], d[1]
	if sub == feig.ISOInventory {
		return p.inventory(mode)
	}
	// Every other command here is addressed: MODE 0x01 and the UID follow.
	if mode&0x07 != 0x01 || len(d) < 10 {
		return feig.StatusParameterRange, nil, 0
	}
	var uid feig.UID
	copy(uid[:], d[2:10])
	args := d[10:]
	tm := p.opts.Timing
	if tm == nil {
		tm = &Timing{}
	}
	tag := p.addressed(uid)
	switch sub {
	case feig.ISOReadMultiple:
		p.stats.Reads++
		if len(args) != 2 {
			return feig.StatusLengthError, nil, 0
		}
		first, n := int(args[0]), int(args[1])
		if tag == nil {
			return feig.StatusNoTransponder, nil, tm.readerFrame(airReadReq) + tm.T1
		}
		if p.readFault(uid) {
			return feig.StatusRFCommError, nil, tm.ReadAir(n)
		}
		if n == 0 || (first+n)*4 > len(tag.Memory) {
			return feig.StatusISOError, []byte{feig.ISOErrBlockNotAvail}, tm.ReadAir(0)
		}
		out := []byte{byte(n), 4}
		for b := first; b < first+n; b++ {
			blk := tag.Memory[b*4 : b*4+4]
			out = append(out, 0x00, blk[3], blk[2], blk[1], blk[0])
		}
		return feig.StatusOK, out, tm.ReadAir(n)
	case feig.ISOGetSystemInfo:
		p.stats.SystemInfos++
		if tag == nil {
			return feig.StatusNoTransponder, nil, tm.readerFrame(airSysInfoReq) + tm.T1
		}
		if p.readFault(uid) {
			return feig.StatusRFCommError, nil, tm.SystemInfoAir()
		}
		out := []byte{tag.DSFID}
		out = append(out, tag.UID[:]...)
		out = append(out, tag.AFI, 0x03, byte(len(tag.Memory)/4-1), tag.ICRef)
		return feig.StatusOK, out, tm.SystemInfoAir()
	case feig.ISOWriteAFI:
		p.stats.AFIWrites++
		if len(args) != 1 {
			return feig.StatusLengthError, nil, 0
		}
		if tag == nil {
			return feig.StatusNoTransponder, nil, tm.readerFrame(airWriteAFIReq) + tm.T1
		}
		if wf := p.wfaults[uid]; wf != nil && wf.n != 0 {
			if wf.n > 0 {
				wf.n--
			}
			if wf.silent {
				return feig.StatusOK, nil, tm.WriteAFIAir()
			}
			return feig.StatusISOError, []byte{feig.ISOErrProgramFailed}, tm.WriteAFIAir()
		}
		tag.AFI = args[0]
		return feig.StatusOK, nil, tm.WriteAFIAir()
	default:
		p.stats.Other++
		return feig.StatusUnknownCommand, nil, 0
	}
}

// addressed finds the tag for an addressed command and applies LeaveAfter.
func (p *Pad) addressed(uid feig.UID) *Tag {
	tag := p.tags[uid]
	if tag == nil {
		return nil
	}
	if n, ok := p.leave[uid]; ok {
		if n <= 0 {
			p.removeLocked(uid)
			return nil
		}
		p.leave[uid] = n - 1
	}
	return tag
}

func (p *Pad) inventory(mode byte) (feig.Status, []byte, time.Duration) {
	var air time.Duration
	if mode&0x80 == 0 {
		p.stats.Inventories++
		p.pending = p.pending[:0]
		p.pendingDSFID = map[feig.UID]byte{}
		for _, u := range p.order {
			if f, ok := p.flicker[u]; ok && !f.pattern[(p.round-f.start)%len(f.pattern)] {
				continue
			}
			p.pending = append(p.pending, u)
			p.pendingDSFID[u] = p.tags[u].DSFID
		}
		p.round++
		if tm := p.opts.Timing; tm != nil {
			air = tm.anticollision(uidKeys(p.pending), 0)
		}
	} else {
		p.stats.MoreFrames++
	}
	if len(p.pending) == 0 {
		return feig.StatusNoTransponder, nil, air
	}
	n := min(len(p.pending), p.opts.MaxPerFrame)
	out := []byte{byte(n)}
	for _, u := range p.pending[:n] {
		out = append(out, 0x03, p.pendingDSFID[u])
		out = append(out, u[:]...)
	}
	p.pending = p.pending[n:]
	if len(p.pending) > 0 {
		return feig.StatusMoreData, out, air
	}
	return feig.StatusOK, out, air
}

func uidKeys(uids []feig.UID) []uint64 {
	keys := make([]uint64, len(uids))
	for i, u := range uids {
		keys[i] = binary.BigEndian.Uint64(u[:])
	}
	return keys
}

// anticollision models the ISO 15693 16-slot anticollision: tags answer in
// the slot given by the next four bits of their UID past the mask (LSB
// first), and every slot where two or more collide is resolved by a sub-round
// with a mask four bits longer.
func (t Timing) anticollision(keys []uint64, maskBits int) time.Duration {
	var bySlot [slots][]uint64
	for _, k := range keys {
		s := 0
		if maskBits < 64 {
			s = int(k>>maskBits) & 0xF
		}
		bySlot[s] = append(bySlot[s], k)
	}
	answered := 0
	for _, s := range bySlot {
		if len(s) > 0 {
			answered++
		}
	}
	d := t.inventoryRound(answered, (maskBits+7)/8)
	if maskBits >= 64 {
		return d
	}
	for _, s := range bySlot {
		if len(s) > 1 {
			d += t.anticollision(s, maskBits+4)
		}
	}
	return d
}
