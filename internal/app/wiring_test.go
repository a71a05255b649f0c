package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// wiredHere are the constructors that only this package calls for the commands and daemons:
// import path → function. A command that calls one again wires a service by hand, and may
// wire it differently from everywhere else (a group without its hooks or Matrix rooms).
var wiredHere = map[string][]string{
	"grouprise.org/grouprise/internal/accounts":      {"New"},
	"grouprise.org/grouprise/internal/groups":        {"New"},
	"grouprise.org/grouprise/internal/conversations": {"New"},
	"grouprise.org/grouprise/internal/contents":      {"New"},
	"grouprise.org/grouprise/internal/polls":         {"New"},
	"grouprise.org/grouprise/internal/notify":        {"New"},
	"grouprise.org/grouprise/internal/i18n":          {"Load"},
}

// wiringExceptions are calls that may stay, file → package.function, each with its reason.
var wiringExceptions = map[string]string{
	// migrate and import-django repair tags on a store whose schema is not yet current, so
	// they build no App.
	"cmd/grouprise/django.go": "contents.New",
}

// TestCommandsTakeServicesFromApp: the commands (cmd/) and the web front end get their
// domain services, catalog and letters from this package, never by calling the constructors
// themselves.
func TestCommandsTakeServicesFromApp(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, dir := range []string{"cmd", "internal/web"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			for _, call := range handWiring(t, path) {
				if wiringExceptions[filepath.ToSlash(rel)] == call.name {
					continue
				}
				t.Errorf("%s:%d calls %s; take it from internal/app (app.New, app.NewServices)", rel, call.line, call.name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

type wiringCall struct {
	name string // package.function, by the package's own name
	line int
}

// handWiring lists the calls of wiredHere's constructors in a Go file, whatever name the
// file imports their packages under.
func handWiring(t *testing.T, path string) []wiringCall {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	imported := map[string]string{} // name in the file → import path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imported[name] = p
	}
	var calls []wiringCall
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		p := imported[pkg.Name]
		for _, fn := range wiredHere[p] {
			if sel.Sel.Name == fn {
				calls = append(calls, wiringCall{p[strings.LastIndex(p, "/")+1:] + "." + fn, fset.Position(call.Pos()).Line})
			}
		}
		return true
	})
	return calls
}
