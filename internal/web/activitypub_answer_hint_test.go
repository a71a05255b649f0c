package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestFediverseAnswerHint: while the members' answers in a conversation go to somebody in the
// Fediverse, the page and the notification mails say so, that the member's name goes with
// them, and whom to (the handle, else the name: an author without a handle is told of too);
// once the group takes no more conversations from there, neither says it.
func TestFediverseAnswerHint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, garten := fediSite(t, db, "")
		if err := s.srv.federation.SetConversations(ctx, garten, true); err != nil {
			t.Fatal(err)
		}
		s.runJobs()
		// "x!y" is no username that a handle shows
		r := newCrowd(t, "127.0.0.1").actor("x!y")
		b := s.browser()
		b.postActivity("/stadt/activitypub/inbox", r.activity(t, activitypub.TypeCreate, 1,
			activitypub.Embed(mentionOf(r, 1, "garten", "Wer hat eine Leiter?"))), r.keyID, r.key).expect(t, http.StatusAccepted)
		const (
			pageHint = "Deine Antwort geht auch an Crowd x!y im Fediverse, nur an diese Person – mit deinem Namen"
			mailLine = "Eine Antwort auf diese E-Mail geht mit deinem Namen auch an Crowd x!y im Fediverse."
		)
		if got := textsTo(s.runJobs(), "alice@example.org"); len(got) != 1 || !strings.Contains(got[0], mailLine) {
			t.Errorf("alice's mail: %q", got)
		}
		page := "/stadt/conversations/" + storetest.Strings(t, db, `SELECT id FROM associations WHERE conversation_id IS NOT NULL AND group_id = `+itoa(garten.ID))[0] + "/"
		alice := s.loggedIn("alice", "alice-password")
		alice.get(page).expect(t, http.StatusOK, pageHint)

		// the group takes no more conversations: the answers stay here, and nothing says otherwise
		if err := s.srv.federation.SetConversations(ctx, garten, false); err != nil {
			t.Fatal(err)
		}
		if r := alice.get(page); r.StatusCode != http.StatusOK || strings.Contains(r.body, "im Fediverse, nur an diese Person") {
			t.Errorf("the page after the group's change: %d, hint %v", r.StatusCode, strings.Contains(r.body, "nur an diese Person"))
		}
		bob := s.person("bob", "bob-password")
		if err := s.srv.groups.AddMember(ctx, garten.ID, bob.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		s.runJobs()
		alice.post(page, url.Values{"text": {"Ich habe eine."}}).expect(t, http.StatusSeeOther)
		if got := textsTo(s.runJobs(), "bob@example.org"); len(got) != 1 || strings.Contains(got[0], "im Fediverse") {
			t.Errorf("bob's mail after the group's change: %q", got)
		}
	})
}
