package rfidtest

import (
	"time"
)

// Timing is the air-interface and host-link model of docs/protocols.md §6
// (ISO 15693 high data rate, one subcarrier, 1-of-4 coding; fc = 13.56 MHz).
// The virtual pad spends this time per operation when its PadOptions.Timing is
// set, and the Floor methods give the ideal time of an operation (no
// collisions, no software overhead), which benchmarks report next to what they
// measure.
type Timing struct {
	// ReaderByte is one byte reader→tag at 1-of-4 coding: 4 × 75.52 µs.
	ReaderByte time.Duration
	// TagByte is one byte tag→reader at high rate: 8 × 37.76 µs.
	TagByte time.Duration
	// ReaderFrame and TagFrame are the SOF+EOF overheads of a frame in each direction.
	ReaderFrame time.Duration
	TagFrame    time.Duration
	// T1 is the tag's reply delay, 4320/fc.
	T1 time.Duration
	// InventoryRequest, SlotFilled and SlotEmpty are the 16-slot inventory
	// figures of §6 (1.7 ms request; 15 ms for one tag, 30 for 5, 49 for 10,
	// 71 for 16 fit 4.35 ms per answered slot and 0.6 ms per empty one).
	InventoryRequest time.Duration
	SlotFilled       time.Duration
	SlotEmpty        time.Duration
	// AFIProgram is the tag's EEPROM programming time for Write AFI (ISO
	// ceiling 20 ms; typical tags need a few ms).
	AFIProgram time.Duration
	// HostByte is one byte on the host link: 11 bits at 38400 baud 8E1 is
	// 286 µs; 0 for USB.
	HostByte time.Duration
	// HostExchange is a fixed cost per request/response pair (USB full speed ≈ 1 ms).
	HostExchange time.Duration
	// PSST is the pause the driver keeps between frames (FEIG: ≥ 5 ms).
	PSST time.Duration
}

// DefaultTiming models a FEIG reader on a 38400 baud 8E1 serial line.
func DefaultTiming() Timing {
	return Timing{
		ReaderByte:       4 * 75520 * time.Nanosecond,
		TagByte:          8 * 37760 * time.Nanosecond,
		ReaderFrame:      280 * time.Microsecond,
		TagFrame:         300 * time.Microsecond,
		T1:               318600 * time.Nanosecond,
		InventoryRequest: 1700 * time.Microsecond,
		SlotFilled:       4350 * time.Microsecond,
		SlotEmpty:        600 * time.Microsecond,
		AFIProgram:       10 * time.Millisecond,
		HostByte:         286 * time.Microsecond,
		PSST:             5 * time.Millisecond,
	}
}

// USBTiming models a reader on USB full speed: no per-byte cost, ≈1 ms per exchange.
func USBTiming() Timing {
	t := DefaultTiming()
	t.HostByte = 0
	t.HostExchange = time.Millisecond
	return t
}

// Lengths in bytes of the frames involved (FEIG host frames and ISO 15693 air
// frames, CRC included).
const (
	slots              = 16
	hostInventoryReq   = 7
	hostRespOverhead   = 6 // LEN ADR CMD STATUS CRC CRC
	hostReadReq        = 17
	hostSysInfoReq     = 15
	hostSysInfoData    = 13
	hostWriteAFIReq    = 16
	airReadReq         = 14 // flags cmd UID(8) first count CRC(2)
	airSysInfoReq      = 12
	airSysInfoReply    = 17 // flags info UID(8) DSFID AFI size(2) IC CRC(2)
	airWriteAFIReq     = 13
	airWriteReply      = 3
	inventoryPerFrame  = 24 // (255−7)/10 data sets fit a standard frame
	inventoryDataBytes = 10
)

func (t Timing) readerFrame(n int) time.Duration {
	return time.Duration(n)*t.ReaderByte + t.ReaderFrame
}

func (t Timing) tagFrame(n int) time.Duration { return time.Duration(n)*t.TagByte + t.TagFrame }

func (t Timing) host(reqBytes, respBytes int) time.Duration {
	return time.Duration(reqBytes+respBytes)*t.HostByte + t.HostExchange
}

// inventoryRound is one 16-slot round with answered slots filled; maskBytes
// lengthens the request in the sub-rounds that resolve collisions.
func (t Timing) inventoryRound(answered, maskBytes int) time.Duration {
	empty := max(slots-answered, 0)
	return t.InventoryRequest + time.Duration(maskBytes)*t.ReaderByte +
		time.Duration(answered)*t.SlotFilled + time.Duration(empty)*t.SlotEmpty
}

// InventoryAir is the RF time of an inventory of n tags without collisions.
func (t Timing) InventoryAir(n int) time.Duration {
	d := t.inventoryRound(min(n, slots), 0)
	for rest := n - slots; rest > 0; rest -= slots {
		d += t.inventoryRound(min(rest, slots), 1)
	}
	return d
}

// InventoryFloor is the ideal time of a host inventory of n tags: RF time
// without collisions, the host frames and the PSST pause for each response frame.
func (t Timing) InventoryFloor(n int) time.Duration {
	d := t.InventoryAir(n)
	frames := max(1, (n+inventoryPerFrame-1)/inventoryPerFrame)
	for i := range frames {
		k := min(inventoryPerFrame, n-i*inventoryPerFrame)
		d += t.host(hostInventoryReq, hostRespOverhead+1+k*inventoryDataBytes) + t.PSST
	}
	return d
}

// ReadAir is the RF time of an addressed Read Multiple Blocks of n 4-byte blocks.
func (t Timing) ReadAir(blocks int) time.Duration {
	return t.readerFrame(airReadReq) + t.T1 + t.tagFrame(1+4*blocks+2)
}

// ReadFloor is the ideal time of reading n blocks from one tag.
func (t Timing) ReadFloor(blocks int) time.Duration {
	return t.ReadAir(blocks) + t.host(hostReadReq, hostRespOverhead+2+5*blocks) + t.PSST
}

// SystemInfoAir is the RF time of Get System Information.
func (t Timing) SystemInfoAir() time.Duration {
	return t.readerFrame(airSysInfoReq) + t.T1 + t.tagFrame(airSysInfoReply)
}

// SystemInfoFloor is the ideal time of Get System Information for one tag.
func (t Timing) SystemInfoFloor() time.Duration {
	return t.SystemInfoAir() + t.host(hostSysInfoReq, hostRespOverhead+hostSysInfoData) + t.PSST
}

// WriteAFIAir is the RF time of Write AFI, programming included.
func (t Timing) WriteAFIAir() time.Duration {
	return t.readerFrame(airWriteAFIReq) + t.T1 + t.AFIProgram + t.tagFrame(airWriteReply)
}

// WriteAFIFloor is the ideal time of writing the AFI of one tag (without the
// read-back; add SystemInfoFloor for a verified write).
func (t Timing) WriteAFIFloor() time.Duration {
	return t.WriteAFIAir() + t.host(hostWriteAFIReq, hostRespOverhead) + t.PSST
}

// ReadTagFloor is the ideal time of rfid.Reader.ReadTag: system information
// plus reading blocks.
func (t Timing) ReadTagFloor(blocks int) time.Duration {
	return t.SystemInfoFloor() + t.ReadFloor(blocks)
}

// ScanFloor is the ideal time to inventory n tags and read each of them.
func (t Timing) ScanFloor(n, blocks int) time.Duration {
	return t.InventoryFloor(n) + time.Duration(n)*t.ReadTagFloor(blocks)
}

// InventoryFloor is DefaultTiming().InventoryFloor(n).
func InventoryFloor(n int) time.Duration { return DefaultTiming().InventoryFloor(n) }

// ReadFloor is DefaultTiming().ReadFloor(blocks).
func ReadFloor(blocks int) time.Duration { return DefaultTiming().ReadFloor(blocks) }

// WriteAFIFloor is DefaultTiming().WriteAFIFloor().
func WriteAFIFloor() time.Duration { return DefaultTiming().WriteAFIFloor() }

// ScanFloor is DefaultTiming().ScanFloor(n, blocks).
func ScanFloor(n, blocks int) time.Duration { return DefaultTiming().ScanFloor(n, blocks) }
