package sip2

import (
	"bytes"
	"strings"
	"testing"
)

// TestSecretFieldsEncodeDecodeAndWipe: a patron id and PIN added as bytes
// reach the frame, come back as bytes from a Private decode (as strings
// from an ordinary one), are masked when the message is shown, and Wipe
// zeroes the message's copies.
func TestSecretFieldsEncodeDecodeAndWipe(t *testing.T) {
	id, pin := []byte("0101700001"), []byte("4|71")
	for _, cs := range []Charset{UTF8, CP850, Latin1} {
		m := NewMessage(MsgPatronStatus).SetFixed(FLanguage, "009").SetFixed(FTransactionDate, testDate)
		m.Add(FieldInstitutionID, "DK-799000").AddSecret(FieldPatronID, id).Add(FieldTerminalPassword, "").AddSecret(FieldPatronPassword, pin)
		frame, err := Encode(m, EncodeOptions{Charset: cs, ErrorDetection: true})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(frame, []byte("AA0101700001|")) || !bytes.Contains(frame, []byte("AD4&#124;71|")) {
			t.Errorf("%v: frame %q lacks the secrets", cs, frame)
		}
		if s := m.String(); strings.Contains(s, "0101700001") || strings.Contains(s, "4|71") {
			t.Errorf("%v: String shows a secret: %s", cs, s)
		}
		pub, err := Decode(frame, DecodeOptions{Charset: cs, VerifyChecksum: true})
		if err != nil || pub.Get(FieldPatronID) != string(id) || pub.Get(FieldPatronPassword) != string(pin) {
			t.Errorf("%v: ordinary decode: %v %+v", cs, err, pub)
		}
		priv, err := Decode(frame, DecodeOptions{Charset: cs, VerifyChecksum: true, Private: true})
		if err != nil {
			t.Fatal(err)
		}
		gotID, _ := priv.secretOrValue(FieldPatronID)
		gotPIN, _ := priv.secretOrValue(FieldPatronPassword)
		if priv.Get(FieldPatronID) != "" || !bytes.Equal(gotID, id) || !bytes.Equal(gotPIN, pin) {
			t.Errorf("%v: private decode: id %q pin %q value %q", cs, gotID, gotPIN, priv.Get(FieldPatronID))
		}
		for _, mm := range []*Message{m, priv} {
			var held [][]byte
			for _, f := range mm.Fields {
				if f.Secret != nil {
					held = append(held, f.Secret)
				}
			}
			mm.Wipe()
			for _, b := range held {
				if bytes.Count(b, []byte{0}) != len(b) {
					t.Errorf("%v: Wipe left %q", cs, b)
				}
			}
		}
		if string(id) != "0101700001" {
			t.Fatal("AddSecret did not copy: the caller's buffer was wiped")
		}
	}
}

// TestFrameReaderZeroesWhatItConsumed: once the next frame is read, nothing
// of the previous one is left in the reader's buffers.
func TestFrameReaderZeroesWhatItConsumed(t *testing.T) {
	fr := NewFrameReader(strings.NewReader("24AA0101700001|AEKanariefugl|\r98YYYY\r"), 0)
	first, err := fr.ReadFrame()
	if err != nil || !bytes.Contains(first, []byte("Kanariefugl")) {
		t.Fatalf("%q %v", first, err)
	}
	if _, err := fr.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	for what, b := range map[string][]byte{"read buffer": fr.rbuf, "frame buffer": fr.buf[:cap(fr.buf)]} {
		if bytes.Contains(b, []byte("0101700001")) || bytes.Contains(b, []byte("Kanariefugl")) {
			t.Errorf("the %s still holds the first frame: %q", what, b)
		}
	}
}

// TestWbufZeroesWhatItOutgrows: growing leaves no copy behind.
func TestWbufZeroesWhatItOutgrows(t *testing.T) {
	b := newWbuf(4)
	b.writeString("0101")
	old := b.b[:cap(b.b)]
	b.writeString("700001")
	if !bytes.Equal(old, make([]byte, len(old))) || string(b.b) != "0101700001" {
		t.Errorf("old array %q, buffer %q", old, b.b)
	}
	b.wipe()
	if len(b.b) != 0 || !bytes.Equal(b.b[:cap(b.b)], make([]byte, cap(b.b))) {
		t.Errorf("wipe left %q", b.b[:cap(b.b)])
	}
}
