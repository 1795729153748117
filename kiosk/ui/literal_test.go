package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/danbib/kiosk/i18n"
)

// textFuncs take a text that is shown as it is: a string literal with
// letters in their arguments is an untranslated user-facing string.
var textFuncs = map[string]bool{
	"NewLabel": true, "NewLabelWithStyle": true, "NewButton": true, "NewButtonWithIcon": true,
	"NewText": true, "SetText": true, "NewCheck": true, "NewRichTextWithText": true,
	"NewRichTextFromMarkdown": true, "NewHyperlink": true, "NewCard": true, "SetTitle": true,
	"NewWindow": true, "ShowInformation": true, "ShowError": true, "NewEntry": true,
	"SetPlaceHolder": true, "NewSelect": true, "NewRadioGroup": true,
	// The package's own helpers that take shown text.
	"para": true, "line": true, "headingText": true, "banner": true,
}

// keyFuncs take a catalog key: a literal there must be a key that every
// offered language defines.
var keyFuncs = map[string]bool{
	"t": true, "T": true, "N": true, "button": true, "iconButton": true, "heading": true,
	"subheading": true, "hint": true, "tile": true, "itemScreen": true,
}

// TestNoLiteralUserStrings scans the package's source for string literals
// that would reach the screen without the catalogs.
func TestNoLiteralUserStrings(t *testing.T) {
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	keys := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "samples.go" {
			continue // samples.go holds library-system data, not UI strings
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				fn := funcName(x.Fun)
				for _, a := range x.Args {
					lit, ok := a.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, _ := strconv.Unquote(lit.Value)
					switch {
					case textFuncs[fn] && hasLetter(s):
						t.Errorf("%s: literal %q passed to %s: put it in the catalogs", fset.Position(lit.Pos()), s, fn)
					case keyFuncs[fn] && (strings.HasPrefix(s, "ui.") || strings.HasPrefix(s, "maint.")):
						keys++
						for _, l := range i18n.Languages {
							if !b.Localizer(l.Code).Has(s) {
								t.Errorf("%s: key %q is missing in %s", fset.Position(lit.Pos()), s, l.Code)
							}
						}
					}
				}
			case *ast.AssignStmt:
				for i, lhs := range x.Lhs {
					sel, ok := lhs.(*ast.SelectorExpr)
					if !ok || (sel.Sel.Name != "Text" && sel.Sel.Name != "Title") || i >= len(x.Rhs) {
						continue
					}
					if lit, ok := x.Rhs[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						if hasLetter(s) {
							t.Errorf("%s: literal %q assigned to .%s", fset.Position(lit.Pos()), s, sel.Sel.Name)
						}
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok && (k.Name == "Text" || k.Name == "Title") {
					if lit, ok := x.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						if hasLetter(s) {
							t.Errorf("%s: literal %q in field %s", fset.Position(lit.Pos()), s, k.Name)
						}
					}
				}
			}
			return true
		})
	}
	if keys < 30 {
		t.Errorf("found only %d catalog keys in the source: is the scanner still looking at the right calls?", keys)
	}
}

func funcName(e ast.Expr) string {
	switch f := e.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// TestLiteralScannerCatches makes sure the scanner above can fail.
func TestLiteralScannerCatches(t *testing.T) {
	src := `package x
func f() { widget.NewLabel("Velkommen"); b.SetText("OK"); l.Text = "Hej"; widget.NewButton("1", nil) }`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && textFuncs[funcName(c.Fun)] {
			for _, a := range c.Args {
				if lit, ok := a.(*ast.BasicLit); ok {
					s, _ := strconv.Unquote(lit.Value)
					if hasLetter(s) {
						found++
					}
				}
			}
		}
		return true
	})
	if found != 2 {
		t.Errorf("scanner found %d literal texts in calls, want 2 (Velkommen, OK; the digit is allowed)", found)
	}
}
