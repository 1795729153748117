package printer_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/danbib/kiosk/i18n"
	"github.com/danbib/kiosk/printer"
	"github.com/danbib/kiosk/printer/escpos"
	"github.com/danbib/kiosk/printer/printertest"
)

var update = flag.Bool("update", false, "rewrite golden files and reference PNGs")

var cet = time.FixedZone("CET", 3600)

func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cet) }

func bundle(t testing.TB) *i18n.Bundle {
	t.Helper()
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtures returns one receipt of each kind with Danish data, long titles,
// a refusal, holds and fees.
func fixtures() map[string]printer.Receipt {
	now := time.Date(2026, 12, 3, 14, 5, 0, 0, cet)
	base := printer.Receipt{
		Library:   "Københavns Biblioteker",
		Branch:    "Hovedbiblioteket",
		Time:      now,
		Footer:    "Tak for besøget. Åbent alle dage 8–22 · bibliotek.kk.dk",
		Reference: "KK1-20261203-0042",
	}
	loan := base
	loan.Kind = printer.KindLoan
	loan.Items = []printer.Item{
		{Title: "Ternet Ninja 3: Ninjaernes hævn", ItemID: "5010471234", Due: at(2026, 12, 31)},
		{Title: "Æbler og ørnes åndedræt – en roman om livet på Ærø og Øresunds kyster", ItemID: "5010475678", Due: at(2027, 1, 7)},
		{Title: "Sprog for begyndere", ItemID: "5010479999", Refused: true, Note: "Materialet er reserveret til en anden låner"},
	}
	loan.Holds = []printer.Hold{{Title: "Harry Potter og De Vises Sten", Location: "Hovedbiblioteket, reol 3", LastDay: at(2026, 12, 10)}}
	loan.FeeTotal = 2500

	ret := base
	ret.Kind = printer.KindReturn
	ret.Items = []printer.Item{
		{Title: "Kogebog for studerende", ItemID: "5010471111"},
		{Title: "Min kamp 1", ItemID: "5010472222", Note: "Reserveret – læg på reserveringshylden"},
		{Title: "", ItemID: "9990001234", Refused: true, Note: "Ukendt materiale, kontakt personalet"},
	}

	ren := base
	ren.Kind = printer.KindRenewal
	ren.Items = []printer.Item{
		{Title: "Ternet Ninja 3: Ninjaernes hævn", ItemID: "5010471234", Due: at(2027, 1, 28)},
		{Title: "Sult", ItemID: "5010473333", Refused: true, Note: "Kan ikke fornyes: reserveret af en anden låner"},
	}

	acc := base
	acc.Kind = printer.KindAccount
	acc.Items = []printer.Item{
		{Title: "Ternet Ninja 3: Ninjaernes hævn", ItemID: "5010471234", Due: at(2026, 12, 31)},
		{Title: "Den lille prins", ItemID: "5010474444", Due: at(2026, 11, 20), Overdue: true},
	}
	acc.Holds = []printer.Hold{
		{Title: "Harry Potter og De Vises Sten", Location: "Hovedbiblioteket", LastDay: at(2026, 12, 10)},
		{Title: "Klima for begyndere", Location: "Vesterbro Bibliotek"},
	}
	acc.FeeTotal = 12050
	return map[string]printer.Receipt{"loan": loan, "return": ret, "renewal": ren, "account": acc}
}

func testLogo() image.Image {
	m := image.NewNRGBA(image.Rect(0, 0, 160, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 160; x++ {
			switch {
			case (x-24)*(x-24)+(y-24)*(y-24) < 20*20:
				m.Set(x, y, color.NRGBA{0x10, 0x30, 0x80, 0xff})
			case x > 56 && y > 14 && y < 34 && (x/8)%2 == 0:
				m.Set(x, y, color.Black)
			default:
				m.Set(x, y, color.Transparent)
			}
		}
	}
	return m
}

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func hexLines(p []byte) []byte {
	var sb strings.Builder
	for i := 0; i < len(p); i += 32 {
		sb.WriteString(hex.EncodeToString(p[i:min(i+32, len(p))]))
		sb.WriteByte('\n')
	}
	return []byte(sb.String())
}

// TestGoldenReceipts renders every receipt kind in Danish and English as
// ESC/POS bytes and as text, compares both with testdata/golden, prints
// each on the virtual printer and writes the PNG to a temporary directory.
func TestGoldenReceipts(t *testing.T) {
	b := bundle(t)
	dir := t.TempDir()
	for kind, r := range fixtures() {
		for _, lang := range []string{"da", "en"} {
			t.Run(kind+"."+lang, func(t *testing.T) {
				l := b.Localizer(lang)
				o := printer.DefaultOptions()
				txt, err := printer.RenderText(r, l, o)
				if err != nil {
					t.Fatal(err)
				}
				goldenFile(t, kind+"."+lang+".txt", []byte(txt))
				job, err := printer.Render(r, l, o)
				if err != nil {
					t.Fatal(err)
				}
				goldenFile(t, kind+"."+lang+".hex", hexLines(job))

				// Every text line fits in 48 columns.
				for _, line := range strings.Split(txt, "\n") {
					if n := len([]rune(line)); n > 48 {
						t.Errorf("line of %d columns: %q", n, line)
					}
				}

				vp := printertest.New(o.Dots())
				if err := vp.Print(context.Background(), job); err != nil {
					t.Fatal(err)
				}
				printed, err := vp.Text(-1)
				if err != nil {
					t.Fatal(err)
				}
				wantTitle := l.T("receipt.title." + kind)
				if !strings.Contains(printed, wantTitle) {
					t.Errorf("printed text lacks the title %q:\n%s", wantTitle, printed)
				}
				if !strings.Contains(printed, "[CODE128 KK1-20261203-0042]") || !strings.Contains(printed, "--- cut ---") {
					t.Errorf("printed text lacks the barcode or the cut:\n%s", printed)
				}
				if kind == "loan" && !strings.Contains(printed, l.T("receipt.due", map[string]any{"Date": l.Date(at(2026, 12, 31))})) {
					t.Errorf("loan receipt lacks the due date:\n%s", printed)
				}
				pngBytes, err := vp.PNG(-1)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(pngBytes))
				if err != nil {
					t.Fatal(err)
				}
				if img.Bounds().Dx() != 576 || img.Bounds().Dy() < 600 {
					t.Errorf("receipt image %v is implausible", img.Bounds())
				}
				if err := os.WriteFile(filepath.Join(dir, kind+"."+lang+".png"), pngBytes, 0o644); err != nil {
					t.Fatal(err)
				}
				if *update && lang == "da" {
					if err := os.WriteFile(filepath.Join("testdata", kind+".da.png"), pngBytes, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}

// TestReferencePNGs checks that the committed reference images still match
// what the virtual printer draws, so a layout change is seen in review.
func TestReferencePNGs(t *testing.T) {
	b := bundle(t)
	for kind, r := range fixtures() {
		want, err := os.ReadFile(filepath.Join("testdata", kind+".da.png"))
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		job, err := printer.Render(r, b.Localizer("da"), printer.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		got, err := printertest.RenderPNG(job, 576)
		if err != nil {
			t.Fatal(err)
		}
		wi, _ := png.Decode(bytes.NewReader(want))
		gi, _ := png.Decode(bytes.NewReader(got))
		if wi == nil || gi == nil || wi.Bounds() != gi.Bounds() {
			t.Errorf("%s: reference PNG size differs", kind)
			continue
		}
		diff := 0
		for y := 0; y < wi.Bounds().Dy(); y++ {
			for x := 0; x < wi.Bounds().Dx(); x++ {
				r1, _, _, _ := wi.At(x, y).RGBA()
				r2, _, _, _ := gi.At(x, y).RGBA()
				if r1 != r2 {
					diff++
				}
			}
		}
		if diff > 0 {
			t.Errorf("%s: %d pixels differ from testdata/%s.da.png", kind, diff, kind)
		}
	}
}

func TestColumnsAndLogo(t *testing.T) {
	b := bundle(t)
	r := fixtures()["loan"]
	for _, cols := range []int{32, 42, 48} {
		o := printer.DefaultOptions()
		o.Columns = cols
		o.Logo = testLogo()
		o.Code = printer.CodeQR
		txt, err := printer.RenderText(r, b.Localizer("da"), o)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(txt, "\n") {
			if n := len([]rune(line)); n > cols {
				t.Errorf("%d columns: line of %d: %q", cols, n, line)
			}
		}
		if !strings.Contains(txt, "[LOGO 160x48]") || !strings.Contains(txt, "[QR KK1-20261203-0042]") {
			t.Errorf("%d columns: no logo or QR:\n%s", cols, txt)
		}
		job, err := printer.Render(r, b.Localizer("da"), o)
		if err != nil {
			t.Fatal(err)
		}
		img := printertest.Render(job, o.Dots())
		if img.Bounds().Dx() != o.Dots() {
			t.Errorf("%d columns: paper %d dots", cols, img.Bounds().Dx())
		}
		// The virtual printer must not have wrapped any text line itself:
		// every printed line is one the layout produced.
		printed := printertest.Text(job)
		for _, line := range strings.Split(txt, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "[") {
				continue
			}
			if !strings.Contains(printed, line) {
				t.Errorf("%d columns: %q was wrapped by the printer", cols, line)
			}
		}
	}
	o := printer.DefaultOptions()
	o.Columns = 40
	if _, err := printer.Render(r, b.Localizer("da"), o); err == nil {
		t.Error("40 columns accepted")
	}
}

func TestAllLanguagesRender(t *testing.T) {
	b := bundle(t)
	for _, lang := range i18n.Languages {
		l := b.Localizer(lang.Code)
		for kind, r := range fixtures() {
			txt, err := printer.RenderText(r, l, printer.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(txt, "receipt.") {
				t.Errorf("%s %s: raw message id in receipt:\n%s", lang.Code, kind, txt)
			}
			job, err := printer.Render(r, l, printer.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			printed := printertest.Text(job)
			if strings.Contains(printed, "?") {
				t.Errorf("%s %s: unprintable characters:\n%s", lang.Code, kind, printed)
			}
			if !strings.Contains(printed, l.T("receipt.title."+kind)) {
				t.Errorf("%s %s: title missing from printed text", lang.Code, kind)
			}
		}
	}
}

func TestPatronNameOnlyWhenConfigured(t *testing.T) {
	b := bundle(t)
	r := fixtures()["loan"]
	r.PatronName = "Anna Marie Testesen"
	o := printer.DefaultOptions()
	job, err := printer.Render(r, b.Localizer("da"), o)
	if err != nil {
		t.Fatal(err)
	}
	if txt := escpos.PlainText(job); strings.Contains(txt, "Anna") {
		t.Errorf("patron name printed although PrintPatronName is off")
	}
	o.PrintPatronName = true
	job, err = printer.Render(r, b.Localizer("da"), o)
	if err != nil {
		t.Fatal(err)
	}
	txt := escpos.PlainText(job)
	if !strings.Contains(txt, "Hej Anna") {
		t.Errorf("no greeting with the first name:\n%s", txt)
	}
	if strings.Contains(txt, "Marie") || strings.Contains(txt, "Testesen") {
		t.Errorf("more than the first name printed:\n%s", txt)
	}
}

func TestScreenQR(t *testing.T) {
	b := bundle(t)
	r := fixtures()["loan"]
	l := b.Localizer("da")
	s := printer.ScreenText(r, l, printer.DefaultOptions())
	for _, want := range []string{"Lånekvittering", "Ternet Ninja 3: Ninjaernes hævn", "Afleveres senest 31.12.2026", "IKKE UDLÅNT", "25,00 kr."} {
		if !strings.Contains(s, want) {
			t.Errorf("screen text lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "----") {
		t.Errorf("screen text has rules:\n%s", s)
	}
	img, err := printer.ScreenQR(r, l, printer.DefaultOptions(), 300)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() < 300 {
		t.Errorf("QR is %v", img.Bounds())
	}
	// A huge receipt is cut to fit a scannable code.
	big := r
	for i := 0; i < 100; i++ {
		big.Items = append(big.Items, r.Items[1])
	}
	if _, err := printer.ScreenQR(big, l, printer.DefaultOptions(), 300); err != nil {
		t.Errorf("big receipt: %v", err)
	}
}

func BenchmarkRenderLoanReceipt(b *testing.B) {
	bd := bundle(b)
	r := fixtures()["loan"]
	l := bd.Localizer("da")
	o := printer.DefaultOptions()
	var n int
	for b.Loop() {
		job, err := printer.Render(r, l, o)
		if err != nil {
			b.Fatal(err)
		}
		n = len(job)
	}
	b.ReportMetric(float64(n), "bytes/receipt")
}
