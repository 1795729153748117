package escpos

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
	"unicode/utf8"
)

// TestDecodeForeignVectors decodes the escpos-php streams for commands our
// Builder never sends but other encoders do: every byte must belong to a
// known command, and the parameters must come out right.
func TestDecodeForeignVectors(t *testing.T) {
	cases := map[string][]Command{
		"testPulseDefault": {{Op: OpPulse, N: '0', N2: 0x3c}},
		"testPulse1":       {{Op: OpPulse, N: '1', N2: 0x3c}},
		"testPulseEvenMs":  {{Op: OpPulse, N: '0', N2: 1}},
		"testPulseOddMs":   {{Op: OpPulse, N: '0', N2: 1}},
		"testGraphicsWhite": {{Op: OpGraphicsStore, N: 1, N2: 1, Width: 1, Height: 1, Data: []byte{0x00}},
			{Op: OpGraphicsPrint}},
		"testGraphicsBlack": {{Op: OpGraphicsStore, N: 1, N2: 1, Width: 1, Height: 1, Data: []byte{0x80}},
			{Op: OpGraphicsPrint}},
		"testGraphicsBoth": {{Op: OpGraphicsStore, N: 1, N2: 1, Width: 2, Height: 2, Data: []byte{0xc0, 0x00}},
			{Op: OpGraphicsPrint}},
		"testGraphicsTransparent": {{Op: OpGraphicsStore, N: 1, N2: 1, Width: 2, Height: 2, Data: []byte{0xc0, 0x00}},
			{Op: OpGraphicsPrint}},
	}
	seen := 0
	for _, v := range readVectors(t) {
		exp, ok := cases[v[0]]
		if !ok {
			continue
		}
		seen++
		stream, err := hex.DecodeString(v[1])
		if err != nil {
			t.Fatal(err)
		}
		cmds := Decode(stream)
		var joined []byte
		var got []Command
		for _, c := range cmds {
			joined = append(joined, c.Raw...)
			if c.Op == OpUnknown {
				t.Errorf("%s: unknown % x", v[0], c.Raw)
			}
			if c.Op != OpInit {
				c.Raw = nil
				got = append(got, c)
			}
		}
		if !bytes.Equal(joined, stream) {
			t.Errorf("%s: commands cover % x, want % x", v[0], joined, stream)
		}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s:\n got %+v\nwant %+v", v[0], got, exp)
		}
	}
	if seen != len(cases) {
		t.Errorf("found %d of %d vectors", seen, len(cases))
	}
}

// TestDecodeEveryCodePage selects each page with ESC t and decodes every
// high byte with the page's own table. Pages 13 (PC857, which x/text has
// no table for) and 15 (ISO 8859-7) used to fall back to PC437.
func TestDecodeEveryCodePage(t *testing.T) {
	high := make([]byte, 0, 128)
	for b := 0x80; b <= 0xff; b++ {
		high = append(high, byte(b))
	}
	if len(codePages) < 22 {
		t.Fatalf("only %d code pages", len(codePages))
	}
	for _, cp := range codePages {
		cmds := Decode(append([]byte{ESC, 't', cp.N}, high...))
		if len(cmds) != 2 || cmds[1].Op != OpText {
			t.Fatalf("%s: %v", cp.Name, cmds)
		}
		want := []rune{}
		for _, b := range high {
			want = append(want, cp.Charmap().DecodeByte(b))
		}
		if cmds[1].Text != string(want) {
			t.Errorf("%s (ESC t %d): %q", cp.Name, cp.N, cmds[1].Text)
		}
	}
	// ESC t 15 is ISO 8859-7: 0xE1 is alpha, not PC437's sharp s.
	if got := Decode([]byte{ESC, 't', 15, 0xe1})[1].Text; got != "α" {
		t.Errorf("page 15: %q", got)
	}
	// No table: the replacement character, not a letter from PC437.
	if got := Decode([]byte{ESC, 't', 13, 'a', 0x9e})[1].Text; got != "a"+string(utf8.RuneError) {
		t.Errorf("page 13: %q", got)
	}
	// ESC @ returns to PC437.
	if got := Decode([]byte{ESC, 't', 15, ESC, '@', 0xe1})[2].Text; got != "ß" {
		t.Errorf("after ESC @: %q", got)
	}
}

// TestDecodeControlBytes covers CR, HT and the drawer pulse among text.
func TestDecodeControlBytes(t *testing.T) {
	stream := []byte("Navn\tBog\r\n" + "\x1bp\x00\x19\xfa" + "x")
	var ops []Op
	var texts []string
	for _, c := range Decode(stream) {
		ops = append(ops, c.Op)
		if c.Op == OpText {
			texts = append(texts, c.Text)
		}
	}
	wantOps := []Op{OpText, OpTab, OpText, OpCR, OpLF, OpPulse, OpText}
	if !reflect.DeepEqual(ops, wantOps) || !reflect.DeepEqual(texts, []string{"Navn", "Bog", "x"}) {
		t.Errorf("ops %v texts %q", ops, texts)
	}
	if got := PlainText(stream); got != "Navn\tBog\nx" {
		t.Errorf("PlainText = %q", got)
	}
	// A truncated GS ( L store is skipped whole, never printed as text.
	trunc := []byte{GS, '(', 'L', 0x0b, 0x00, 0x30, 0x70, 0x30, 1, 1, 0x31, 0x10, 0, 0x01, 0}
	for _, c := range Decode(trunc) {
		if c.Op == OpText || c.Op == OpGraphicsStore {
			t.Errorf("truncated graphics decoded as %v", c)
		}
	}
}
