package feig_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/rfid/ddm"
	"github.com/danbib/kiosk/rfid/feig"
	"github.com/danbib/kiosk/rfid/rfidtest"
	"github.com/danbib/kiosk/usb/usbio"
)

var deichman = feig.UID{0xE0, 0x04, 0x01, 0x50, 0x33, 0x86, 0x07, 0xAE}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestCRCCheckValue(t *testing.T) {
	if got := feig.CRC([]byte("123456789")); got != 0x6F91 {
		t.Errorf("CRC = %#04x, want 0x6F91", got)
	}
}

// The verified frames of docs/protocols.md §3.1, byte for byte.
func TestVerifiedFrames(t *testing.T) {
	uid := deichman[:]
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name     string
		advanced bool
		addr     byte
		cmd      byte
		data     []byte
		want     string
	}{
		{"software version", false, 0xFF, 0x65, nil, "05 FF 65 E5 CB"},
		{"software version, advanced", true, 0xFF, 0x65, nil, "02 00 07 FF 65 6E 61"},
		{"C# test frame", false, 0x12, 0x80, []byte{0x07}, "06 12 80 07 E5 80"},
		{"inventory", false, 0xFF, 0xB0, []byte{0x01, 0x00}, "07 FF B0 01 00 1C 56"},
		{"inventory MORE", false, 0xFF, 0xB0, []byte{0x01, 0x80}, "07 FF B0 01 80 14 D2"},
		{"RF reset", false, 0xFF, 0x69, nil, "05 FF 69 89 01"},
		{"read 8 blocks", false, 0xFF, 0xB0, cat([]byte{0x23, 0x01}, uid, []byte{0x00, 0x08}), "11 FF B0 23 01 E0 04 01 50 33 86 07 AE 00 08 F4 FD"},
		{"write AFI 07", false, 0xFF, 0xB0, cat([]byte{0x27, 0x01}, uid, []byte{0x07}), "10 FF B0 27 01 E0 04 01 50 33 86 07 AE 07 52 7F"},
		{"write AFI C2", false, 0xFF, 0xB0, cat([]byte{0x27, 0x01}, uid, []byte{0xC2}), "10 FF B0 27 01 E0 04 01 50 33 86 07 AE C2 F3 EE"},
		{"system info", false, 0xFF, 0xB0, cat([]byte{0x2B, 0x01}, uid), "0F FF B0 2B 01 E0 04 01 50 33 86 07 AE F5 03"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := feig.EncodeRequest(c.advanced, c.addr, c.cmd, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if want := h(c.want); !bytes.Equal(got, want) {
				t.Fatalf("got % X, want % X", got, want)
			}
			f, err := feig.Decode(got, false)
			if err != nil || f.Cmd != c.cmd || f.Addr != c.addr || !bytes.Equal(f.Data, c.data) || f.Advanced != c.advanced {
				t.Fatalf("Decode: %+v %v", f, err)
			}
		})
	}
	// go-feig's baud detection response: advanced frame, status 0x00.
	f, err := feig.Decode(h("02 00 08 00 52 00 B9 05"), true)
	if err != nil || !f.Advanced || f.Cmd != 0x52 || f.Status != feig.StatusOK || len(f.Data) != 0 {
		t.Fatalf("go-feig response: %+v %v", f, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := h("05 FF 65 E5 CB")
	bad := append([]byte(nil), good...)
	bad[4] ^= 1
	if _, err := feig.Decode(bad, false); !errors.Is(err, feig.ErrFrameCRC) {
		t.Errorf("bad CRC: %v", err)
	}
	if _, err := feig.Decode(good[:4], false); !errors.Is(err, feig.ErrFrameShort) {
		t.Errorf("short: %v", err)
	}
	if _, err := feig.Decode(append(good, 0), false); !errors.Is(err, feig.ErrFrameLength) {
		t.Errorf("long: %v", err)
	}
	if _, err := feig.Decode([]byte{0x03, 0, 0}, false); !errors.Is(err, feig.ErrFrameLength) {
		t.Errorf("impossible length: %v", err)
	}
	if _, err := feig.EncodeRequest(false, 0xFF, 0xB0, make([]byte, 251)); !errors.Is(err, feig.ErrFrameLength) {
		t.Errorf("oversized standard frame: %v", err)
	}
}

func TestStatusErrors(t *testing.T) {
	all := map[feig.Status]error{
		0x01: feig.ErrNoTransponder, 0x02: feig.ErrAirCRC, 0x03: feig.ErrWrite, 0x04: feig.ErrAddress,
		0x05: feig.ErrWrongType, 0x0E: feig.ErrGeneral, 0x10: feig.ErrEEPROM, 0x11: feig.ErrParameterRange,
		0x80: feig.ErrUnknownCommand, 0x81: feig.ErrLength, 0x82: feig.ErrNotAvailable, 0x83: feig.ErrRFComm,
		0x84: feig.ErrRFWarning, 0x93: feig.ErrBufferOverflow, 0x94: feig.ErrMoreData, 0x95: feig.ErrISO,
	}
	for st, sentinel := range all {
		e := &feig.StatusError{Cmd: 0x23, Status: st}
		if !errors.Is(e, sentinel) {
			t.Errorf("status %#02x is not %v", byte(st), sentinel)
		}
		if strings.HasPrefix(st.String(), "status ") {
			t.Errorf("status %#02x has no name", byte(st))
		}
		for other, s2 := range all {
			if other != st && errors.Is(e, s2) {
				t.Errorf("status %#02x matches %v", byte(st), s2)
			}
		}
	}
	iso := &feig.StatusError{Status: feig.StatusISOError, ISOCode: feig.ISOErrProgramFailed}
	if !errors.Is(iso, feig.ErrISOProgramFail) || !errors.Is(iso, feig.ErrISO) || errors.Is(iso, feig.ErrISOBlockNotAvail) {
		t.Errorf("ISO error matching is wrong")
	}
}

type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(d time.Duration) {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
}

func replay(t *testing.T, name string) (*feig.Driver, *fakeClock) {
	t.Helper()
	pb := rfidtest.LoadPlayback(t, filepath.Join("testdata", name))
	t.Cleanup(func() { pb.Close() })
	clk := &fakeClock{now: time.Unix(0, 0)}
	return feig.New(pb, feig.Options{Now: clk.Now, Sleep: clk.Sleep}), clk
}

func TestInventoryOne(t *testing.T) {
	d, _ := replay(t, "inventory_one.txt")
	tags, err := d.Inventory(context.Background())
	if err != nil || len(tags) != 1 || tags[0].UID != deichman || tags[0].Type != 0x03 || tags[0].DSFID != 0 {
		t.Fatalf("Inventory = %+v, %v", tags, err)
	}
	if tags[0].UID.String() != "E0040150338607AE" {
		t.Errorf("UID string %s", tags[0].UID)
	}
}

func TestInventoryMoreLoop(t *testing.T) {
	d, clk := replay(t, "inventory_more.txt")
	tags, err := d.Inventory(context.Background())
	if err != nil || len(tags) != 2 || tags[1].UID != rfidtest.TestUID(2) || tags[1].DSFID != 0x3E {
		t.Fatalf("Inventory = %+v, %v", tags, err)
	}
	// The fake clock stands still, so the second frame waited the whole PSST.
	if len(clk.sleeps) != 1 || clk.sleeps[0] != 5*time.Millisecond {
		t.Errorf("sleeps %v, want one PSST of 5ms", clk.sleeps)
	}
}

func TestInventoryEmpty(t *testing.T) {
	d, _ := replay(t, "inventory_empty.txt")
	tags, err := d.Inventory(context.Background())
	if err != nil || len(tags) != 0 {
		t.Fatalf("Inventory = %+v, %v", tags, err)
	}
}

func TestSplitReads(t *testing.T) {
	d, _ := replay(t, "split_reads.txt")
	tags, err := d.Inventory(context.Background())
	if err != nil || len(tags) != 1 || tags[0].UID != deichman {
		t.Fatalf("Inventory = %+v, %v", tags, err)
	}
}

func TestReadTag(t *testing.T) {
	d, _ := replay(t, "read_tag.txt")
	ctx := context.Background()
	si, err := d.SystemInfo(ctx, deichman)
	if err != nil || si.UID != deichman || si.AFI != 0x07 || si.BlockSize != 4 || si.Blocks != 28 || si.ICRef != 1 {
		t.Fatalf("SystemInfo = %+v, %v", si, err)
	}
	mem, err := d.ReadBlocks(ctx, deichman, 0, 9)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ddm.Decode(mem)
	if err != nil || r.ItemID != "1000000056" || r.OwnerISIL != "DK718500" || r.Order != ddm.OrderAsRead {
		t.Fatalf("decoded %+v, %v (memory % X)", r, err, mem)
	}
}

func TestReadGone(t *testing.T) {
	d, _ := replay(t, "read_gone.txt")
	_, err := d.ReadBlocks(context.Background(), deichman, 0, 8)
	var se *feig.StatusError
	if !errors.Is(err, feig.ErrNoTransponder) || !errors.As(err, &se) || se.Cmd != feig.ISOReadMultiple {
		t.Fatalf("err = %v", err)
	}
}

func TestWriteAFI(t *testing.T) {
	d, _ := replay(t, "write_afi.txt")
	ctx := context.Background()
	if err := d.WriteAFI(ctx, deichman, 0xC2); !errors.Is(err, feig.ErrISOProgramFail) {
		t.Fatalf("first write: %v", err)
	}
	if err := d.WriteAFI(ctx, deichman, 0xC2); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteAFI(ctx, deichman, 0x07); err != nil {
		t.Fatal(err)
	}
}

func TestReaderInfoAndUnplug(t *testing.T) {
	d, _ := replay(t, "reader_info.txt")
	ctx := context.Background()
	sw, err := d.SoftwareVersion(ctx)
	if err != nil || sw.Revision != 0x0303 || sw.SWType != 0x50 || sw.TRTypes != 0x0008 {
		t.Fatalf("SoftwareVersion = %+v, %v", sw, err)
	}
	if err := d.RFReset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SoftwareVersion(ctx); !errors.Is(err, usbio.ErrDisconnected) {
		t.Fatalf("unplugged: %v", err)
	}
}

func TestParseUID(t *testing.T) {
	for _, s := range []string{"E0040150338607AE", "E0:04:01:50:33:86:07:AE", "e0 04 01 50 33 86 07 ae"} {
		u, err := feig.ParseUID(s)
		if err != nil || u != deichman {
			t.Errorf("ParseUID(%q) = %v, %v", s, u, err)
		}
	}
	if _, err := feig.ParseUID("E004"); err == nil {
		t.Error("short UID accepted")
	}
}

// The driver against the virtual pad: every command through real frames.
func TestAgainstVirtualPad(t *testing.T) {
	pad := rfidtest.NewPad(rfidtest.PadOptions{MaxPerFrame: 3})
	set, err := rfidtest.NewItemSet(1, "5012345678901", "DK-710100", 7)
	if err != nil {
		t.Fatal(err)
	}
	pad.Place(set...)
	d := feig.New(pad.Transport(), feig.Options{PSST: -1})
	ctx := context.Background()
	tags, err := d.Inventory(ctx)
	if err != nil || len(tags) != 7 {
		t.Fatalf("Inventory = %d tags, %v", len(tags), err)
	}
	if st := pad.Stats(); st.Inventories != 1 || st.MoreFrames != 2 {
		t.Errorf("stats %+v, want 1 inventory and 2 MORE frames", st)
	}
	mem, err := d.ReadBlocks(ctx, tags[3].UID, 0, 28)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ddm.Decode(mem)
	if err != nil || r.PartNo != 4 || r.Parts != 7 {
		t.Fatalf("decoded %+v, %v", r, err)
	}
	if err := d.WriteAFI(ctx, tags[0].UID, 0xC2); err != nil {
		t.Fatal(err)
	}
	si, err := d.SystemInfo(ctx, tags[0].UID)
	if err != nil || si.AFI != 0xC2 || si.Blocks != 28 {
		t.Fatalf("SystemInfo = %+v, %v", si, err)
	}
	// Advanced frames work the same way.
	da := feig.New(pad.Transport(), feig.Options{PSST: -1, Advanced: true})
	if tags, err := da.Inventory(ctx); err != nil || len(tags) != 7 {
		t.Fatalf("advanced inventory = %d, %v", len(tags), err)
	}
	if _, err := d.ReadBlocks(ctx, tags[0].UID, 27, 2); !errors.Is(err, feig.ErrISOBlockNotAvail) {
		t.Errorf("read past the end: %v", err)
	}
}

func FuzzDecodeFrame(f *testing.F) {
	f.Add(h("05 FF 65 E5 CB"), true)
	f.Add(h("02 00 08 00 52 00 B9 05"), true)
	f.Add(h("35 00 B0 00 09 04 00 31 01 01 11 00 30 30 30 30 00 35 30 30 30 00 00 00 00 36 00 98 00 00 00 00 37 4B 44 A4 00 30 35 38 31 00 00 00 00 30 00 00 00 00 00 B6 67"), true)
	f.Fuzz(func(t *testing.T, b []byte, withStatus bool) {
		fr, err := feig.Decode(b, withStatus)
		if err != nil {
			return
		}
		again, err := fr.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded % X, was % X", again, b)
		}
	})
}

// cannedTransport answers every request with the same bytes, then times out.
type cannedTransport struct {
	resp []byte
	out  []byte
}

func (c *cannedTransport) Write(ctx context.Context, p []byte) (int, error) {
	c.out = append(c.out[:0], c.resp...)
	return len(p), nil
}

func (c *cannedTransport) Read(ctx context.Context, p []byte) (int, error) {
	if len(c.out) == 0 {
		return 0, usbio.ErrTimeout
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

func (c *cannedTransport) Close() error { return nil }

// FuzzDriverResponses feeds arbitrary reader answers to every command: the
// driver must return data or an error, never panic or loop.
func FuzzDriverResponses(f *testing.F) {
	f.Add(h("11 00 B0 00 01 03 00 E0 04 01 50 33 86 07 AE 3C 95"))
	f.Add(h("13 00 B0 00 00 E0 04 01 50 33 86 07 AE 07 03 1B 01 1E 90"))
	f.Add(h("07 00 B0 95 13 E9 CF"))
	f.Add(h("0D 00 65 00 03 03 00 00 50 00 08 BF 8F"))
	f.Fuzz(func(t *testing.T, resp []byte) {
		// A valid frame around the fuzz data reaches the parsers too.
		framed, err := feig.Frame{Cmd: feig.CmdISO, HasStatus: true, Data: resp}.Encode()
		if err != nil {
			framed = resp
		}
		for _, r := range [][]byte{resp, framed} {
			ct := &cannedTransport{resp: r}
			d := feig.New(ct, feig.Options{PSST: -1, MaxMoreRounds: 4})
			ctx := context.Background()
			_, _ = d.Inventory(ctx)
			_, _ = d.ReadBlocks(ctx, deichman, 0, 9)
			_, _ = d.SystemInfo(ctx, deichman)
			_ = d.WriteAFI(ctx, deichman, 0x07)
			_, _ = d.SoftwareVersion(ctx)
			_ = d.RFReset(ctx)
		}
	})
}
