package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/danbib/kiosk/rfid/ddm"
)

func init() {
	register("tag decode", "decode a tag's user memory from hex (Danish data model)", runTagDecode)
	register("tag encode", "encode ITEM ISIL [PARTS PART] as tag memory hex", runTagEncode)
}

// runTagDecode prints the fields of a tag's user memory given as hex (spaces
// and colons allowed, so a reader dump can be pasted as it is).
func runTagDecode(args []string, out io.Writer) error {
	fs := newFlagSet("tag decode", out)
	accept := fs.Bool("accept-bad-crc", false, "show the fields even when the CRC does not hold")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: kioskctl tag decode [-accept-bad-crc] HEX")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("missing HEX")
	}
	clean := strings.NewReplacer(" ", "", ":", "", "-", "", "\t", "").Replace(strings.Join(fs.Args(), ""))
	mem, err := hex.DecodeString(clean)
	if err != nil {
		return fmt.Errorf("bad hex: %w", err)
	}
	r, err := ddm.DecodeWith(mem, ddm.Policy{AcceptBadCRC: *accept})
	if err != nil {
		if len(mem) >= ddm.ShortSize {
			fmt.Fprintf(out, "CRC:         stored %#04x, computed %#04x (as read) / %#04x (blocks reversed): bad\n",
				uint16(mem[19])|uint16(mem[20])<<8, ddm.BasicCRC(mem), ddm.BasicCRC(ddm.ReverseBlocks(mem)))
		}
		return err
	}
	printDDMTag(out, r)
	return nil
}

func printDDMTag(out io.Writer, r ddm.Result) {
	crc := "ok"
	if !r.CRCOK {
		crc = "BAD (accepted by policy)"
	}
	fmt.Fprintf(out, "item id:     %s\n", r.ItemID)
	fmt.Fprintf(out, "owner ISIL:  %s (%s)\n", r.OwnerISIL, ddm.ISILWithHyphen(r.OwnerISIL))
	fmt.Fprintf(out, "usage:       %v (%d), version %d\n", r.Usage, r.Usage, r.Version)
	fmt.Fprintf(out, "part:        %d of %d\n", r.PartNo, r.Parts)
	fmt.Fprintf(out, "CRC:         %#04x %s\n", r.StoredCRC, crc)
	fmt.Fprintf(out, "byte order:  %v\n", r.Order)
	fmt.Fprintf(out, "flags:       %v\n", r.Flags)
	for i, e := range r.Extensions {
		fmt.Fprintf(out, "extension %d: id %d, data %X\n", i+1, e.ID, e.Data)
	}
}

// runTagEncode prints the memory for an item as one hex string.
func runTagEncode(args []string, out io.Writer) error {
	fs := newFlagSet("tag encode", out)
	usage := fs.Uint("usage", uint(ddm.UsageCirculation), "type of usage (1 = for circulation)")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: kioskctl tag encode [-usage N] ITEM ISIL [PARTS PART]")
		fmt.Fprint(out, "\nITEM is printable ASCII, at most 16 characters; ISIL is a country code, a hyphen and\nup to 11 characters (ISO 15511), e.g. DK-718500.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	a := fs.Args()
	if len(a) != 2 && len(a) != 4 {
		fs.Usage()
		return fmt.Errorf("want ITEM ISIL [PARTS PART]")
	}
	// ddm.Encode accepts an empty owner, which decoded tags may have; a
	// technician writing a tag must name the owner.
	if err := ddm.CheckISIL(a[1]); err != nil {
		return err
	}
	t := ddm.Tag{Usage: ddm.Usage(*usage), ItemID: a[0], OwnerISIL: a[1], Parts: 1, PartNo: 1}
	if len(a) == 4 {
		var err error
		if t.Parts, err = strconv.Atoi(a[2]); err != nil {
			return fmt.Errorf("PARTS: %w", err)
		}
		if t.PartNo, err = strconv.Atoi(a[3]); err != nil {
			return fmt.Errorf("PART: %w", err)
		}
	}
	mem, err := ddm.Encode(t)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, strings.ToUpper(hex.EncodeToString(mem)))
	return nil
}
