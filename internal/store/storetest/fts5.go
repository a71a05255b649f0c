package storetest

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
)

// requireFTS5 stops the test binary with one line when its SQLite lacks FTS5, which the
// schema's search index needs. The driver compiles FTS5 in only with the build tag that the
// Makefile passes, so a plain `go test` would otherwise fail in every store-backed test with
// the same "no such module: fts5". It asks SQLite itself rather than checking the tag, so that
// another way to have FTS5 (a system libsqlite3 with it) passes as well.
func requireFTS5() {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest: sqlite: %v\n", err)
		os.Exit(2)
	}
	defer db.Close()
	_, err = db.Exec("CREATE VIRTUAL TABLE probe USING fts5(body)")
	if err != nil && strings.Contains(err.Error(), "no such module: fts5") {
		fmt.Fprintln(os.Stderr, "storetest: this SQLite has no FTS5; run the tests with `make test`, or pass `-tags sqlite_fts5` to go test")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest: sqlite: %v\n", err)
		os.Exit(2)
	}
}
