package ddm

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func pad(s string, n int) []byte {
	b := make([]byte, n)
	copy(b, s)
	return b
}

// basic builds a 34-byte basic block the way the ISO examples are written.
func basic(head byte, parts, part byte, item string, crcLo, crcHi byte, isil string) []byte {
	m := []byte{head, parts, part}
	m = append(m, pad(item, 16)...)
	m = append(m, crcLo, crcHi)
	return append(m, pad(isil, 13)...)
}

func TestCRCCheckValues(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint16
	}{{"RFID tag data model", 0x1AEE}, {"123456789", 0x29B1}} {
		if got := CRC([]byte(c.in)); got != c.want {
			t.Errorf("CRC(%q) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
}

type vector struct {
	source, hex, fields string
}

// loadVectors reads the committed copy of iso28560_vectors.tsv and, when the
// shared original is present, checks that the copy is not stale.
func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "iso28560_vectors.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if orig, err := os.ReadFile("../../../shared/data/iso28560_vectors.tsv"); err == nil && !bytes.Equal(orig, data) {
		t.Errorf("testdata/iso28560_vectors.tsv differs from ../shared/data; copy it again")
	}
	var vs []vector
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			t.Fatalf("bad vector line %q", line)
		}
		vs = append(vs, vector{f[0], f[1], f[2]})
	}
	if len(vs) < 8 {
		t.Fatalf("only %d vectors", len(vs))
	}
	return vs
}

// fieldMap parses "k=v k=v" with values up to the next space.
func fieldMap(s string) map[string]string {
	m := map[string]string{}
	for _, w := range strings.Fields(s) {
		if k, v, ok := strings.Cut(w, "="); ok {
			m[k] = v
		}
	}
	return m
}

func TestVectorsFile(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.source, func(t *testing.T) {
			raw, err := hex.DecodeString(v.hex)
			if err != nil {
				t.Fatal(err)
			}
			f := fieldMap(v.fields)
			if v.source == "CRC-16 check" {
				want, _ := strconv.ParseUint(strings.TrimPrefix(f["CRC"], "0x"), 16, 16)
				if got := CRC(raw); got != uint16(want) {
					t.Errorf("CRC = %#04x, want %#04x", got, want)
				}
				return
			}
			r, err := Decode(raw)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !r.CRCOK || r.Order != OrderAsRead {
				t.Errorf("CRCOK %v order %v", r.CRCOK, r.Order)
			}
			item := f["item"]
			if item == "" {
				item = f["barcode"]
			}
			if r.ItemID != item {
				t.Errorf("item %q, want %q", r.ItemID, item)
			}
			isil := f["isil"]
			if c := f["country"]; c != "" {
				isil = c + isil
			}
			if ISILWithoutHyphen(isil) != r.OwnerISIL {
				t.Errorf("ISIL %q, want %q", r.OwnerISIL, isil)
			}
			if p := f["parts"]; p != "" && strconv.Itoa(r.Parts) != p {
				t.Errorf("parts %d, want %s", r.Parts, p)
			}
			if p := f["partNo"]; p != "" && strconv.Itoa(r.PartNo) != p {
				t.Errorf("partNo %d, want %s", r.PartNo, p)
			}
			if r.Usage != UsageCirculation || r.Version != 1 || r.Flags&^FlagShortBlock != 0 {
				t.Errorf("version %d usage %v flags %v", r.Version, r.Usage, r.Flags)
			}
			// Encoding the decoded tag must give back the same bytes (the
			// vectors are all in the standard layout).
			enc, err := Encode(r.Tag)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, raw[:len(enc)]) || !isBlank(raw[len(enc):]) {
				t.Errorf("Encode = %x, want %x", enc, raw)
			}
			// The same tag with every block reversed decodes identically.
			rr, err := Decode(reverseBlocks(raw))
			if err != nil || rr.Order != OrderBlocksReversed || rr.ItemID != r.ItemID || rr.OwnerISIL != r.OwnerISIL {
				t.Errorf("reversed: %+v, %v", rr, err)
			}
		})
	}
}

// isoExample is one line of testdata/iso_examples.tsv: a tag memory and
// what Decode must find in it.
type isoExample struct {
	name        string
	mem         []byte
	item, isil  string
	usage       Usage
	crc         uint16
	flags       string // as Flags.String prints them
	extensions  int
	parts, part int
}

// isoExampleColumns is the header line the file must start with, so that a
// column moved in the file cannot be read as another.
var isoExampleColumns = []string{"row", "name", "memory_hex", "item", "isil", "usage", "crc", "flags", "extensions", "parts", "part_no", "source"}

// loadISOExamples reads the ISO 28560-3 examples of docs/protocols.md §2.3
// from testdata/iso_examples.tsv.
func loadISOExamples(t *testing.T) []isoExample {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "iso_examples.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		out    []isoExample
		header bool
	)
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if !header {
			if strings.Join(f, ",") != strings.Join(isoExampleColumns, ",") {
				t.Fatalf("iso_examples.tsv line %d: header %q, want %q", i+1, f, isoExampleColumns)
			}
			header = true
			continue
		}
		if len(f) != len(isoExampleColumns) {
			t.Fatalf("iso_examples.tsv line %d: %d columns, want %d", i+1, len(f), len(isoExampleColumns))
		}
		num := func(col int, base int, bits int) uint64 {
			v, err := strconv.ParseUint(strings.TrimPrefix(f[col], "0x"), base, bits)
			if err != nil {
				t.Fatalf("iso_examples.tsv line %d: %s %q: %v", i+1, isoExampleColumns[col], f[col], err)
			}
			return v
		}
		mem, err := hex.DecodeString(strings.ReplaceAll(f[2], " ", ""))
		if err != nil {
			t.Fatalf("iso_examples.tsv line %d: memory_hex: %v", i+1, err)
		}
		out = append(out, isoExample{
			name: f[1], mem: mem, item: f[3], isil: f[4],
			usage: Usage(num(5, 10, 4)), crc: uint16(num(6, 16, 16)), flags: f[7],
			extensions: int(num(8, 10, 8)), parts: int(num(9, 10, 8)), part: int(num(10, 10, 8)),
		})
	}
	// Every row of the §2.3 table is in the file.
	if len(out) != 6 {
		t.Fatalf("iso_examples.tsv holds %d examples, want the 6 of protocols.md §2.3", len(out))
	}
	return out
}

func TestISOExamples(t *testing.T) {
	var ex2 []byte
	for _, c := range loadISOExamples(t) {
		if c.name == "annex B example 2" {
			ex2 = c.mem
		}
		t.Run(c.name, func(t *testing.T) {
			r, err := Decode(c.mem)
			if err != nil {
				t.Fatal(err)
			}
			if r.ItemID != c.item || r.OwnerISIL != c.isil || r.Usage != c.usage || r.Version != 1 ||
				r.StoredCRC != c.crc || !r.CRCOK || r.Flags.String() != c.flags || len(r.Extensions) != c.extensions ||
				r.Parts != c.parts || r.PartNo != c.part {
				t.Errorf("got %+v (flags %v)", r, r.Flags)
			}
		})
	}
	if ex2 == nil {
		t.Fatal("iso_examples.tsv lacks \"annex B example 2\"")
	}
	r, _ := Decode(ex2)
	if len(r.Extensions) == 2 {
		if e := r.Extensions[0]; e.ID != ExtLibrary || !bytes.Equal(e.Data, []byte{1}) {
			t.Errorf("library block %+v", e)
		}
		if e := r.Extensions[1]; e.ID != ExtAcquisition || len(e.Data) != 0x22-4 {
			t.Errorf("acquisition block %+v", e)
		}
	}
	// Encoding example 2 from its fields reproduces the bytes, extensions too.
	enc, err := Encode(r.Tag)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc[:len(ex2)], ex2) || !isBlank(enc[len(ex2):]) || len(enc)%4 != 0 {
		t.Errorf("Encode(example 2)\n got %x\nwant %x", enc, ex2)
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestBadCRC(t *testing.T) {
	m := basic(0x11, 1, 1, "1000000056", 0x98, 0xA4, "DK718500")
	m[5] ^= 0x01 // one bit flipped in the item id
	if _, err := Decode(m); !errors.Is(err, ErrBadCRC) {
		t.Fatalf("Decode = %v, want ErrBadCRC", err)
	}
	r, err := DecodeWith(m, Policy{AcceptBadCRC: true})
	if err != nil || r.Flags&FlagBadCRC == 0 || r.CRCOK || r.Order != OrderAsRead {
		t.Fatalf("policy decode: %+v %v", r, err)
	}
	// With the policy, a reversed tag is still recognised by its header byte.
	r, err = DecodeWith(reverseBlocks(m), Policy{AcceptBadCRC: true})
	if err != nil || r.Order != OrderBlocksReversed || r.OwnerISIL != "DK718500" {
		t.Fatalf("policy decode reversed: %+v %v", r, err)
	}
}

func TestBlankAndShort(t *testing.T) {
	if _, err := Decode(make([]byte, 36)); !errors.Is(err, ErrBlank) {
		t.Errorf("zeros: %v", err)
	}
	if _, err := Decode(bytes.Repeat([]byte{0xFF}, 32)); !errors.Is(err, ErrBlank) {
		t.Errorf("erased: %v", err)
	}
	if _, err := Decode(make([]byte, 31)); !errors.Is(err, ErrTooShort) {
		t.Errorf("short: %v", err)
	}
}

func TestPartsSwapped(t *testing.T) {
	m, err := Encode(Tag{Usage: UsageCirculation, Parts: 3, PartNo: 2, ItemID: "5012345678901", OwnerISIL: "DK-710100"})
	if err != nil {
		t.Fatal(err)
	}
	m[1], m[2] = m[2], m[1]
	crc := BasicCRC(m)
	m[19], m[20] = byte(crc), byte(crc>>8)
	r, err := Decode(m)
	if err != nil || r.Parts != 3 || r.PartNo != 2 || r.Flags&FlagPartsSwapped == 0 {
		t.Errorf("got %+v %v", r, err)
	}
}

// A 32-byte tag read as 9 blocks has other data in bytes 32–35; the CRC
// then holds only over the 32-byte form.
func TestShortTagReadLong(t *testing.T) {
	m, _ := Encode(Tag{Usage: UsageCirculation, ItemID: "12345678", OwnerISIL: "DK775100"})
	m = append(m, 0xAB, 0xCD, 0x12, 0x34)
	r, err := Decode(m)
	if err != nil || r.Flags&FlagShortBlock == 0 || len(r.Extensions) != 0 || r.OwnerISIL != "DK775100" {
		t.Errorf("got %+v %v", r, err)
	}
}

func TestExtensionFaults(t *testing.T) {
	base, _ := Encode(Tag{ItemID: "1", OwnerISIL: "DK775100", Extensions: []Extension{{ID: 1, Data: []byte{1}}}})
	bad := append([]byte(nil), base...)
	bad[LongSize+4] ^= 0xFF // break the XOR of the library block
	r, err := Decode(bad)
	if err != nil || r.Flags&FlagBadExtension == 0 || len(r.Extensions) != 0 {
		t.Errorf("bad xor: %+v %v", r, err)
	}
	trunc := append(append([]byte(nil), base[:LongSize]...), 0x10, 0x01, 0x00)
	r, err = Decode(trunc)
	if err != nil || r.Flags&FlagTruncatedExtension == 0 {
		t.Errorf("truncated: %+v %v", r, err)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tg := range []Tag{
		{ItemID: ""},
		{ItemID: "12345678901234567"},
		{ItemID: "1", Parts: 2, PartNo: 3},
		{ItemID: "1", OwnerISIL: "DK12345678901234"},
		{ItemID: "1", Usage: 16},
	} {
		if _, err := Encode(tg); !errors.Is(err, ErrEncode) {
			t.Errorf("Encode(%+v) = %v, want ErrEncode", tg, err)
		}
	}
}

func TestISILHelpers(t *testing.T) {
	for _, c := range []struct{ stored, display string }{
		{"DK718500", "DK-718500"}, {"DK799000", "DK-799000"}, {"FIMamk-M", "FI-Mamk-M"}, {"", ""},
	} {
		if got := ISILWithHyphen(c.stored); got != c.display {
			t.Errorf("ISILWithHyphen(%q) = %q, want %q", c.stored, got, c.display)
		}
		if got := ISILWithoutHyphen(c.display); got != c.stored {
			t.Errorf("ISILWithoutHyphen(%q) = %q, want %q", c.display, got, c.stored)
		}
		if got := ISILWithHyphen(c.display); got != c.display {
			t.Errorf("ISILWithHyphen is not idempotent on %q: %q", c.display, got)
		}
	}
	if !SameISIL("dk-718500", "DK718500") || SameISIL("DK718500", "DK718501") {
		t.Error("SameISIL")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(mustHex("11010131313232333334340000000000000000513e4445373035000000000000"))
	f.Add(basic(0x11, 1, 1, "1000000056", 0x98, 0xA4, "DK718500"))
	f.Add(basic(0x81, 1, 1, "2935000003649", 0x87, 0x93, "RU293"))
	ex, _ := Encode(Tag{ItemID: "1", OwnerISIL: "DK775100", Extensions: []Extension{{ID: 1, Data: []byte{1}}, {ID: 2, Data: []byte("abc")}}})
	f.Add(ex)
	f.Fuzz(func(t *testing.T, mem []byte) {
		for _, p := range []Policy{{}, {AcceptBadCRC: true}} {
			r, err := DecodeWith(mem, p)
			if err != nil {
				continue
			}
			if r.PartNo > r.Parts {
				t.Fatalf("part %d of %d", r.PartNo, r.Parts)
			}
			if r.CRCOK == (r.Flags&FlagBadCRC != 0) {
				t.Fatalf("CRCOK %v with flags %v", r.CRCOK, r.Flags)
			}
			// A verified tag in the standard layout re-encodes to the same
			// basic block, apart from zero padding.
			if r.CRCOK && r.Flags&^(FlagShortBlock|FlagBadExtension|FlagTruncatedExtension) == 0 &&
				r.Version == 1 && r.PartNo >= 1 && len(r.ItemID) > 0 && !strings.ContainsRune(r.ItemID, 0) {
				r.Extensions = nil
				enc, err := Encode(r.Tag)
				if err != nil {
					return
				}
				if enc[19] != mem[19] || enc[20] != mem[20] {
					t.Fatalf("re-encoded CRC %x, stored %x", enc[19:21], mem[19:21])
				}
			}
		}
	})
}

// TestEncodeRefusesAmbiguousFields: readers disagree on the character set
// of the item id (UTF-8 or Latin-1), so only printable ASCII is written;
// the owner must be an ISIL with a country code and a library part.
func TestEncodeRefusesAmbiguousFields(t *testing.T) {
	for _, tg := range []Tag{
		{ItemID: "Bøg1", OwnerISIL: "DK-718500"},
		{ItemID: "1\x7f", OwnerISIL: "DK-718500"},
		{ItemID: "1\t2", OwnerISIL: "DK-718500"},
		{ItemID: "1", OwnerISIL: "XX"},
		{ItemID: "1", OwnerISIL: "DK-"},
		{ItemID: "1", OwnerISIL: "D1-718500"},
		{ItemID: "1", OwnerISIL: "DK-7185 00"},
		{ItemID: "1", OwnerISIL: "DK-åby"},
		{ItemID: "1", OwnerISIL: "DK-123456789012"},
	} {
		if _, err := Encode(tg); !errors.Is(err, ErrEncode) {
			t.Errorf("Encode(%+v) = %v, want ErrEncode", tg, err)
		}
	}
	for _, isil := range []string{"DK-718500", "DK718500", "FI-Mamk-M", "DE-705", "US-DLC:a/b", "DK-12345678901"} {
		if _, err := Encode(Tag{ItemID: "5012345678901", OwnerISIL: isil}); err != nil {
			t.Errorf("Encode with owner %q: %v", isil, err)
		}
	}
}
