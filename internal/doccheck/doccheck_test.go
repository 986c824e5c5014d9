package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const root = "../.."

// names are the exported names of the packages of a module, by package
// name: "Journal", "Journal.Begin", "ReleaseOptions.Counted".
type names map[string]map[string]bool

// collect parses every non-test Go file under dir (testdata, hidden and
// main packages excluded) and records its exported names.
func collect(t *testing.T, dir string) names {
	t.Helper()
	ns := names{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != dir && (name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		if ns[f.Name.Name] == nil {
			ns[f.Name.Name] = map[string]bool{}
		}
		addFile(ns[f.Name.Name], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func addFile(set map[string]bool, f *ast.File) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				set[d.Name.Name] = true
			} else if recv := recvName(d.Recv.List[0].Type); recv != "" {
				set[recv+"."+d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						set[n.Name] = true
					}
				case *ast.TypeSpec:
					set[s.Name.Name] = true
					addMembers(set, s.Name.Name, s.Type)
				}
			}
		}
	}
}

// addMembers records a struct's fields and an interface's methods as
// Type.Name.
func addMembers(set map[string]bool, typ string, expr ast.Expr) {
	var list *ast.FieldList
	switch e := expr.(type) {
	case *ast.StructType:
		list = e.Fields
	case *ast.InterfaceType:
		list = e.Methods
	default:
		return
	}
	for _, field := range list.List {
		for _, n := range field.Names {
			set[typ+"."+n.Name] = true
		}
		if len(field.Names) == 0 { // embedded: its type name is the field name
			if n := recvName(field.Type); n != "" {
				set[typ+"."+n] = true
			}
		}
	}
}

// recvName is the type name of a receiver or embedded field: T, *T, T[K],
// pkg.T.
func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.IndexExpr:
		return recvName(x.X)
	case *ast.IndexListExpr:
		return recvName(x.X)
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.Ident:
		return x.Name
	}
	return ""
}

var (
	codeSpan = regexp.MustCompile("`([^`\n]+)`")
	qualName = regexp.MustCompile(`\b([a-z][a-z0-9]*)\.([A-Z]\w*(?:\.[A-Z]\w*)?)`)
)

// missing returns every pkg.Name in a code span of text whose package is
// one of ours and that names nothing in it.
func missing(ns names, text string) []string {
	var bad []string
	for _, span := range codeSpan.FindAllStringSubmatch(text, -1) {
		for _, m := range qualName.FindAllStringSubmatch(span[1], -1) {
			set, ours := ns[m[1]]
			if ours && !set[m[2]] {
				bad = append(bad, m[1]+"."+m[2])
			}
		}
	}
	return bad
}

func TestDocNamesExist(t *testing.T) {
	ns := collect(t, root)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs/*.md found from %s: %v", root, err)
	}
	checked := 0
	for _, path := range append(docs, filepath.Join(root, "README.md")) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range missing(ns, string(b)) {
			t.Errorf("%s names `%s`, which the package does not declare", filepath.Base(path), name)
		}
		checked += len(qualName.FindAllString(strings.Join(codeSpans(string(b)), "\n"), -1))
	}
	if checked < 50 {
		t.Errorf("only %d qualified names found in the docs: is the pattern still right?", checked)
	}
}

func codeSpans(text string) []string {
	var out []string
	for _, m := range codeSpan.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestDocNamesCatchesDrift checks the checker on names that drifted once:
// a renamed method, a field that never existed, a removed function.
func TestDocNamesCatchesDrift(t *testing.T) {
	ns := collect(t, root)
	text := "`journal.Journal.UnsealedSeqs` `journal.Verification.Kind` " +
		"`journal.Journal.UnsealedSequences` `smtpd.Config.MaxSizeBytes` `format.BuildMetaJSONL` " +
		"`strings.NotOurs` plain journal.Nope outside code"
	got := strings.Join(missing(ns, text), " ")
	want := "journal.Journal.UnsealedSequences smtpd.Config.MaxSizeBytes format.BuildMetaJSONL"
	if got != want {
		t.Errorf("missing = %q, want %q", got, want)
	}
}
