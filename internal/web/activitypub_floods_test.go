package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// mentionOf is r's direct Note n that mentions the group slug.
func mentionOf(r *remote, n int, slug, text string) *activitypub.Post {
	actor := "http://grouprise.test/" + slug + "/"
	p := r.note(n, "", `<p><span class="h-card"><a href="`+actor+`" class="u-url mention">@<span>`+slug+`</span></a></span> `+text+`</p>`, actor)
	p.Tag = activitypub.Tags{{Type: activitypub.TypeMention, Href: actor, Name: "@" + slug + "@grouprise.test"}}
	return p
}

// TestFediverseConversationFloods: the actors of one domain start at most 30 conversations
// an hour (and write at most 90 messages), and a group takes at most 60 new ones an hour
// from everywhere, each refused with 429; a refused post leaves nothing behind: no stand-in
// account of its author, no avatar job.
func TestFediverseConversationFloods(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, garten := fediSite(t, db, "")
		werkstatt := s.group("Werkstatt", s.person("bob", "bob-password"))
		for _, g := range []*store.Group{garten, werkstatt} {
			if err := s.srv.federation.SetConversations(ctx, g, true); err != nil {
				t.Fatal(err)
			}
		}
		b := s.browser()
		post := func(r *remote, n int, slug string, status int) {
			t.Helper()
			b.postActivity("/stadt/activitypub/inbox", r.activity(t, activitypub.TypeCreate, n,
				activitypub.Embed(mentionOf(r, n, slug, fmt.Sprintf("Frage %d", n)))), r.keyID, r.key).expect(t, status)
		}
		count := func(query string) int {
			t.Helper()
			var n int
			fmt.Sscan(storetest.Strings(t, db, query)[0], &n)
			return n
		}
		conversationsOf := func(g *store.Group) int {
			return count(`SELECT COUNT(*) FROM associations WHERE conversation_id IS NOT NULL AND group_id = ` + itoa(g.ID))
		}
		leftBehind := func(r *remote) int {
			return count(`SELECT COUNT(*) FROM activitypub_remote_authors WHERE actor_id = '`+r.id+`'`) +
				count(`SELECT COUNT(*) FROM jobs WHERE kind = '`+federation.JobAvatar+`' AND payload LIKE '%`+strings.TrimPrefix(r.id, "http://")+`.png%'`)
		}

		// one domain: three actors start ten each, the fourth none
		one := newCrowd(t, "127.0.0.1")
		for a := 0; a < 3; a++ {
			for i := 0; i < 10; i++ {
				post(one.actor(fmt.Sprintf("a%d", a)), i, "garten", http.StatusAccepted)
			}
		}
		fourth := one.actor("a3")
		post(fourth, 0, "garten", http.StatusTooManyRequests)
		post(fourth, 1, "werkstatt", http.StatusTooManyRequests)
		if n := conversationsOf(garten); n != 30 {
			t.Fatalf("%d conversations from one domain, want 30", n)
		}
		if n := leftBehind(fourth); n != 0 {
			t.Errorf("the refused posts left %d stand-in rows and avatar jobs", n)
		}
		if n := leftBehind(one.actor("a0")); n != 2 {
			t.Errorf("a taken post's author: %d stand-in rows and avatar jobs, want 2", n)
		}

		// its actors' answers in their conversations: 90 messages of the domain in all, each
		// actor within its own 30
		answer := func(r *remote, n int, status int) {
			t.Helper()
			reply := r.note(n, fmt.Sprintf("%s/statuses/%d", r.id, 0), "<p>Noch etwas</p>", "http://grouprise.test/garten/")
			b.postActivity("/stadt/activitypub/inbox", r.activity(t, activitypub.TypeCreate, n, activitypub.Embed(reply)),
				r.keyID, r.key).expect(t, status)
		}
		for a := 0; a < 3; a++ {
			for i := 0; i < 20; i++ {
				answer(one.actor(fmt.Sprintf("a%d", a)), 100+i, http.StatusAccepted)
			}
		}
		// an hour later for the actors, not for their domain
		storetest.Exec(t, db, `DELETE FROM rate_limits WHERE key LIKE 'activitypub.messages:%'`)
		answer(one.actor("a0"), 200, http.StatusTooManyRequests)

		// a group's hour: 60 new conversations from everywhere, then none; another group
		// still takes them
		two := newCrowd(t, "127.0.0.2")
		for a := 0; a < 3; a++ {
			for i := 0; i < 10; i++ {
				post(two.actor(fmt.Sprintf("b%d", a)), i, "garten", http.StatusAccepted)
			}
		}
		three := newCrowd(t, "127.0.0.3")
		late := three.actor("c0")
		post(late, 0, "garten", http.StatusTooManyRequests)
		if n := conversationsOf(garten); n != 60 {
			t.Errorf("%d conversations in garten, want 60", n)
		}
		if n := leftBehind(late); n != 0 {
			t.Errorf("the post refused by the group's budget left %d stand-in rows and avatar jobs", n)
		}
		post(late, 1, "werkstatt", http.StatusAccepted)
		if n := conversationsOf(werkstatt); n != 1 {
			t.Errorf("%d conversations in werkstatt, want 1", n)
		}
	})
}
