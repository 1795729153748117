package ui

import (
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/printer"
)

// decodeQRs reads every QR code in img, as a phone camera would.
func decodeQRs(t *testing.T, img image.Image) []string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	results, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
		gozxing.DecodeHintType_TRY_HARDER:    true,
	})
	if err != nil {
		t.Fatalf("decoding the QR codes on screen: %v", err)
	}
	var out []string
	for _, r := range results {
		out = append(out, r.GetText())
	}
	slices.Sort(out)
	return out
}

// TestReceiptQRScreenDecodes renders the QR receipt screen of a loan with
// two due dates, captures it as the patron sees it, and decodes every code
// on it: each is one of the receipt's calendars, byte for byte, within
// version 15; the heading says what the codes are and each code has its
// due date below it.
func TestReceiptQRScreenDecodes(t *testing.T) {
	for _, lang := range []string{"da", "en"} {
		r, w, _ := setup(t)
		v := sample(t, lang, "receipt-qr")
		if len(v.ReceiptCodes) != 2 {
			t.Fatalf("%s: the sample has %d codes, want 2 (two due dates)", lang, len(v.ReceiptCodes))
		}
		r.Render(v)
		var want []string
		for _, c := range v.ReceiptCodes {
			want = append(want, c.Text)
			if !strings.HasPrefix(c.Text, "BEGIN:VCALENDAR\r\n") {
				t.Errorf("%s: code is not a calendar: %q", lang, c.Text)
			}
			if ver := printer.QRVersion(c.Text); ver > printer.MaxQRVersion {
				t.Errorf("%s: QR version %d", lang, ver)
			}
		}
		slices.Sort(want)
		got := decodeQRs(t, w.Canvas().Capture())
		if !slices.Equal(got, want) {
			t.Errorf("%s: decoded from the screen\n%q\nwant\n%q", lang, got, want)
		}
		texts := r.Snapshot().Texts
		heading := r.loc.T("qr.heading")
		if !slices.Contains(texts, heading) {
			t.Errorf("%s: no heading %q in %q", lang, heading, texts)
		}
		for _, c := range v.ReceiptCodes {
			if due := r.loc.T("qr.due", map[string]any{"Date": r.loc.Date(c.Due)}); !slices.Contains(texts, due) {
				t.Errorf("%s: no caption %q under its code in %q", lang, due, texts)
			}
		}
	}
}

// TestReceiptQRScreenReturnAndFallback: a return's summary and the core's
// plain text (no printer to lay out codes) are one code under the heading
// for keeping the receipt, and decode to their text.
func TestReceiptQRScreenReturnAndFallback(t *testing.T) {
	for _, v := range []kiosk.View{
		{Lang: "en", Screen: kiosk.ScreenReceipt, ReceiptQR: "loan 3800000951", ReceiptCodes: []kiosk.ReceiptCode{{Text: "Returned at Demobiblioteket 24 Nov 2026: 1 item\n- Festen"}}},
		{Lang: "en", Screen: kiosk.ScreenReceipt, ReceiptQR: "return 3800000951 Festen\n"},
	} {
		r, w, _ := setup(t)
		r.Render(v)
		want := v.ReceiptQR
		if len(v.ReceiptCodes) > 0 {
			want = v.ReceiptCodes[0].Text
		}
		if got := decodeQRs(t, w.Canvas().Capture()); len(got) != 1 || got[0] != want {
			t.Errorf("decoded %q, want %q", got, want)
		}
		if texts := r.Snapshot().Texts; !slices.Contains(texts, "Scan to keep the receipt on your phone") {
			t.Errorf("heading missing in %q", texts)
		}
	}
}

// TestReceiptQRScreenManyDates: more due dates than fit side by side show
// the first codes and say how many more there are.
func TestReceiptQRScreenManyDates(t *testing.T) {
	r, _, _ := setup(t)
	v := sample(t, "en", "receipt-qr")
	c := v.ReceiptCodes[0]
	v.ReceiptCodes = nil
	for i := range maxCodes + 2 {
		c.Due = c.Due.AddDate(0, 0, i)
		v.ReceiptCodes = append(v.ReceiptCodes, c)
	}
	r.Render(v)
	if texts := r.Snapshot().Texts; !slices.Contains(texts, "2 more due dates are under My account.") {
		t.Errorf("no note of the dates left out in %q", texts)
	}
}

// TestReceiptQRFitsTheScreen: with one to five due dates, in normal and
// larger text, the QR screen needs no more room than the screen has. A
// screen that needs more makes the window grow past the display under X
// (the demo's screenshots were 1099 px high after one code of 600 px).
func TestReceiptQRFitsTheScreen(t *testing.T) {
	base := sample(t, "en", "receipt-qr")
	for n := 1; n <= 5; n++ {
		for _, large := range []bool{false, true} {
			r, w, _ := setup(t)
			v := base
			v.LargeText = large
			v.ReceiptCodes = nil
			for i := range n {
				c := base.ReceiptCodes[i%len(base.ReceiptCodes)]
				v.ReceiptCodes = append(v.ReceiptCodes, c)
			}
			r.Render(v)
			// The margin: the demo's window under Xvfb measured the same
			// screen about 30 px taller than the test window does.
			const margin = 48
			if got := w.Content().MinSize(); got.Height > screenSize.Height-margin || got.Width > screenSize.Width {
				t.Errorf("%d codes, large text %v: the screen needs %v, the display is %v", n, large, got, screenSize)
			}
		}
	}
}
