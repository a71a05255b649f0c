package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// BenchmarkMemberGroupPage renders a group page with 20 contents for a logged-in member, in
// the process, for profiles (issue 20):
//
//	go test -tags sqlite_fts5 -run '^$' -bench MemberGroupPage -benchtime 2000x -cpuprofile /tmp/member.prof ./internal/web/
//	go tool pprof -top -cum internal/web.test /tmp/member.prof
//
// The real daemon's figures come from internal/e2e's benchmarks.
func BenchmarkMemberGroupPage(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	s := newSite(b, db, "")
	alice := s.person("alice", "alice-password")
	g := s.group("Garten", alice)
	svc := contents.New(db)
	for i := range 20 {
		if _, err := svc.Create(context.Background(), alice, g.ID, contents.Article, contents.Draft{Title: fmt.Sprintf("Beitrag %d", i),
			Text: strings.Repeat("Text des *Beitrags* mit @garten und #Tag. ", 15), Public: i%2 == 0}); err != nil {
			b.Fatal(err)
		}
	}
	br := s.loggedIn("alice", "alice-password")
	if r := br.get("/garten/"); r.StatusCode != http.StatusOK {
		b.Fatal(r.StatusCode)
	}
	b.ResetTimer()
	for range b.N {
		br.get("/garten/")
	}
}
