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

// BenchmarkMemberPages renders a group page with 20 contents, the start page, an article with
// comments and a profile for a logged-in member, in
// the process, for profiles (issue 20):
//
//	go test -tags sqlite_fts5 -run '^$' -bench MemberPages -benchtime 2000x -cpuprofile /tmp/member.prof ./internal/web/
//	go tool pprof -top -cum internal/web.test /tmp/member.prof
//
// The real daemon's figures come from internal/e2e's benchmarks.
func BenchmarkMemberPages(b *testing.B) {
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
	a, err := svc.Create(context.Background(), alice, g.ID, contents.Article, contents.Draft{Title: "Mit Kommentaren",
		Text: strings.Repeat("Ein *Absatz* mit [Link](https://example.org/) und @garten.\n\n", 10), Public: true})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 5 {
		if _, err := svc.Comment(context.Background(), a, alice, fmt.Sprintf("Kommentar %d mit **Markdown**", i), 0, false); err != nil {
			b.Fatal(err)
		}
	}
	br := s.loggedIn("alice", "alice-password")
	for _, page := range []struct{ name, path string }{{"group", "/garten/"}, {"start", "/"}, {"content", "/garten/" + a.Slug + "/"},
		{"profile", "/alice/"}} {
		b.Run(page.name, func(b *testing.B) {
			if r := br.get(page.path); r.StatusCode != http.StatusOK {
				b.Fatal(r.StatusCode)
			}
			b.ResetTimer()
			for range b.N {
				br.get(page.path)
			}
		})
	}
}
