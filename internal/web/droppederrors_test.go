package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// droppedErrorsAllowed are calls whose error a handler may drop, "file: call" → why.
var droppedErrorsAllowed = map[string]string{}

// TestNoDroppedErrors: a handler never calls a method that can fail (of the Server, its store
// or its domain services) and goes on as if it had not: the error is returned, handled or
// logged. Found syntactically: a call used as a statement, or assigned only to _.
func TestNoDroppedErrors(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var parsed []*ast.File
	var names []string
	failing := map[string]map[string]bool{"": {}} // field of Server ("" for the Server itself) → methods returning an error
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed, names = append(parsed, f), append(names, name)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Type.Results == nil {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if !ok || star.X.(*ast.Ident).Name != "Server" {
				continue
			}
			results := fn.Type.Results.List
			if id, ok := results[len(results)-1].Type.(*ast.Ident); ok && id.Name == "error" {
				failing[""][fn.Name.Name] = true
			}
		}
	}
	errType := reflect.TypeOf((*error)(nil)).Elem()
	server := reflect.TypeOf(Server{})
	for i := range server.NumField() {
		field := server.Field(i)
		methods := map[string]bool{}
		for j := range field.Type.NumMethod() {
			m := field.Type.Method(j)
			if n := m.Type.NumOut(); n > 0 && m.Type.Out(n-1) == errType {
				methods[m.Name] = true
			}
		}
		failing[field.Name] = methods
	}
	if !failing[""]["groupOfSlug"] || !failing["db"]["GroupBySlug"] || !failing["groups"]["Create"] {
		t.Fatalf("the methods that can fail were not found: %d of the Server", len(failing[""]))
	}
	// callee names a call of s.method or s.field.Method that can fail, "" otherwise.
	callee := func(e ast.Expr) string {
		call, ok := e.(*ast.CallExpr)
		if !ok {
			return ""
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return ""
		}
		switch x := sel.X.(type) {
		case *ast.Ident:
			if x.Name == "s" && failing[""][sel.Sel.Name] {
				return "s." + sel.Sel.Name
			}
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "s" && failing[x.Sel.Name][sel.Sel.Name] {
				return "s." + x.Sel.Name + "." + sel.Sel.Name
			}
		}
		return ""
	}
	var dropped []string
	for i, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			var call string
			switch st := n.(type) {
			case *ast.ExprStmt:
				call = callee(st.X)
			case *ast.AssignStmt:
				blank := true
				for _, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); !ok || id.Name != "_" {
						blank = false
					}
				}
				if blank && len(st.Rhs) == 1 {
					call = callee(st.Rhs[0])
				}
			case *ast.GoStmt:
				call = callee(st.Call)
			case *ast.DeferStmt:
				call = callee(st.Call)
			}
			if call == "" {
				return true
			}
			key := names[i] + ": " + call
			if _, ok := droppedErrorsAllowed[key]; !ok {
				dropped = append(dropped, key+" (line "+itoa(int64(fset.Position(n.Pos()).Line))+")")
			}
			return true
		})
	}
	sort.Strings(dropped)
	if len(dropped) > 0 {
		t.Errorf("errors dropped:\n%s", strings.Join(dropped, "\n"))
	}
}
