package app

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
)

// The packages that face people and daemons: they change the store only through the domain
// services (internal/groups, accounts, contents, conversations, polls, …), which run each
// change in one transaction with all its consequences (search index, jobs, hooks).
var frontDoors = []string{"cmd", "internal/web", "internal/lmtp", "internal/commander", "internal/feedimport"}

// writeVerb marks the store's methods that change something, and Tx, which opens a
// transaction for changes (Tag only as TagContent and TagGroup: TagBySlug reads).
var writeVerb = regexp.MustCompile(`^(Tx|Create|Add|Set|Delete|Update|Insert|Mark|Claim|Remove|Replace|Release|Retry|Reset|Move|Index|Park|Rotate|Revoke|Confirm|Touch|Record|Save|Store|Bump|Enqueue|Upsert|Put|Clear|Prune|Purge|Subscribe|Unsubscribe|Withdraw|Make|Commit|Attend|Abstain|Ensure|Forget|TagContent|TagGroup|Untag|Grant|Invite|Join|Leave|Accept|Reject|Vote|Publish|Import|Restore|Spend|Take|Apply)([A-Z]|$)`)

// storeReceiver is how the front doors name the store in an expression: db, q or tx, or a
// field db or DB of something (s.db, d.db, c.DB, a.DB).
var storeReceiver = regexp.MustCompile(`^(db|q|tx)$|\.(db|DB)$`)

// oneDoorExceptions are the writes that stay where they are, "file: receiver.Method" → why;
// the test fails when one of them is gone (delete its line) or a new write appears.
var oneDoorExceptions = map[string]string{
	"internal/web/session.go: s.db.CommitSession": "sessions are the web daemon's own infrastructure",
	"internal/web/session.go: s.db.DeleteSession": "sessions are the web daemon's own infrastructure",
}

// TestOneDoor: no store write in the front doors outside the exceptions, and every exception
// still exists (so the list shrinks as the writes move).
func TestOneDoor(t *testing.T) {
	writes := map[string]bool{}
	for _, typ := range []reflect.Type{reflect.TypeOf(&store.Queries{}), reflect.TypeOf(&store.DB{})} {
		for i := range typ.NumMethod() {
			if name := typ.Method(i).Name; writeVerb.MatchString(name) {
				writes[name] = true
			}
		}
	}
	if !writes["Tx"] || !writes["CreateToken"] || !writes["AddContribution"] {
		t.Fatalf("the store's write methods were not found: %v", writes)
	}
	root := filepath.Join("..", "..")
	found := map[string]bool{}
	for _, dir := range frontDoors {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			for _, w := range storeWrites(t, path, writes) {
				key := filepath.ToSlash(rel) + ": " + w
				found[key] = true
				if _, ok := oneDoorExceptions[key]; !ok {
					t.Errorf("%s writes the store; call a domain service that does it in its transaction", key)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var gone []string
	for key := range oneDoorExceptions {
		if !found[key] {
			gone = append(gone, key)
		}
	}
	sort.Strings(gone)
	for _, key := range gone {
		t.Errorf("%q is no longer written there: delete it from oneDoorExceptions", key)
	}
}

// storeWrites lists the calls of the store's write methods in a Go file as "receiver.Method".
func storeWrites(t *testing.T, path string, writes map[string]bool) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !writes[sel.Sel.Name] {
			return true
		}
		var recv strings.Builder
		if err := printer.Fprint(&recv, fset, sel.X); err != nil {
			t.Fatal(err)
		}
		if storeReceiver.MatchString(recv.String()) {
			w := recv.String() + "." + sel.Sel.Name
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
		return true
	})
	return out
}
