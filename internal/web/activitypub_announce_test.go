package web

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// queuedTo are the queued deliveries of activities of type typ: inbox → the activity.
func queuedTo(t *testing.T, db *store.DB, typ activitypub.Type) map[string][]*activitypub.Activity {
	t.Helper()
	out := map[string][]*activitypub.Activity{}
	for _, p := range storetest.Strings(t, db, `SELECT payload FROM jobs WHERE kind = '`+federation.JobDeliver+`' ORDER BY id`) {
		var d federation.Delivery
		if err := json.Unmarshal([]byte(p), &d); err != nil {
			t.Fatal(err)
		}
		a, err := activitypub.ParseActivity(d.Activity)
		if err != nil {
			t.Fatal(err)
		}
		if a.Type == typ {
			out[d.Inbox] = append(out[d.Inbox], a)
		}
	}
	return out
}

// TestFediverseReplyAnnounce: a reply that becomes a comment is Announced by the group to its
// followers (FEP-1b12), once per inbox (a shared inbox once), its author's server included;
// a redelivered reply and dropped replies are announced to nobody; the author's Delete
// queues the Undo of the Announce, once per inbox, and so does a member's delete of the comment.
func TestFediverseReplyAnnounce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, garten := fediSite(t, db, "")
		alice, err := db.GestaltByUsername(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			title  string
			public bool
		}{{"Beete", true}, {"Kasse", false}} {
			if _, err := s.srv.contents.Create(ctx, alice, garten.ID, contents.Article,
				contents.Draft{Title: c.title, Text: "Text", Public: c.public}); err != nil {
				t.Fatal(err)
			}
		}
		s.publishJobs()
		m := newAuthor(t, "mallory", "Mallory Remote")
		// followers: two on one server with a shared inbox, one with its own inbox, and one on
		// the author's server (who sees the reply only through the group)
		now := time.Now()
		err = db.Tx(ctx, func(q *store.Queries) error {
			for _, f := range []store.Follower{
				{ActorID: "https://a.example/users/1", Inbox: "https://a.example/users/1/inbox", SharedInbox: "https://a.example/inbox"},
				{ActorID: "https://a.example/users/2", Inbox: "https://a.example/users/2/inbox", SharedInbox: "https://a.example/inbox"},
				{ActorID: "https://b.example/users/3", Inbox: "https://b.example/users/3/inbox"},
				{ActorID: m.srv.URL + "/users/friend", Inbox: m.srv.URL + "/users/friend/inbox", SharedInbox: m.srv.URL + "/inbox"},
			} {
				f.GroupID, f.FollowID, f.Accepted, f.CreatedAt = garten.ID, f.ActorID+"#follow", true, now
				if err := q.AddFollower(ctx, f); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		b := s.browser()
		send := func(typ activitypub.Type, n int, object activitypub.ObjectRef) {
			t.Helper()
			b.postActivity("/garten/-/inbox", m.activity(t, typ, n, object), m.keyID, m.key).expect(t, http.StatusAccepted)
		}
		beete := "http://grouprise.test/garten/beete/"
		wantInboxes := []string{m.srv.URL + "/inbox", "https://a.example/inbox", "https://b.example/users/3/inbox"}
		inboxesOf := func(got map[string][]*activitypub.Activity) []string {
			var in []string
			for k := range got {
				in = append(in, k)
			}
			sort.Strings(in)
			return in
		}

		// dropped replies: to an internal content, not public, only a mention
		send(activitypub.TypeCreate, 1, activitypub.Embed(m.note(1, "http://grouprise.test/garten/kasse/", "<p>intern?</p>")))
		send(activitypub.TypeCreate, 2, activitypub.Embed(m.note(2, beete, "<p>nur für dich</p>", "http://grouprise.test/garten/")))
		send(activitypub.TypeCreate, 3, activitypub.Embed(m.note(3, beete, `<p><a href="http://grouprise.test/garten/">@garten</a></p>`)))
		if got := queuedTo(t, db, activitypub.TypeAnnounce); len(got) != 0 {
			t.Fatalf("dropped replies announced to %q", inboxesOf(got))
		}

		reply := m.note(10, beete, "<p>Schöne Beete!</p>")
		send(activitypub.TypeCreate, 10, activitypub.Embed(reply))
		send(activitypub.TypeCreate, 10, activitypub.Embed(reply)) // redelivered
		got := queuedTo(t, db, activitypub.TypeAnnounce)
		if in := inboxesOf(got); strings.Join(in, " ") != strings.Join(wantInboxes, " ") {
			t.Fatalf("Announce queued to %q, want %q", in, wantInboxes)
		}
		var announceID string
		for inbox, acts := range got {
			if len(acts) != 1 {
				t.Fatalf("%d Announces to %s, want 1", len(acts), inbox)
			}
			a := acts[0]
			if a.Object.ID() != reply.ID || a.Object.Embedded() || string(a.Actor) != "http://grouprise.test/garten/" ||
				!a.To.Contains(activitypub.Public) || !a.Cc.Contains("http://grouprise.test/garten/-/followers") {
				t.Errorf("Announce to %s: actor %s, object %s, to %v, cc %v", inbox, a.Actor, a.Object.ID(), a.To, a.Cc)
			}
			announceID = a.ID
		}
		if n := storetest.Strings(t, db, `SELECT inbox FROM activitypub_deliveries WHERE activity_id = '`+announceID+`'`); len(n) != 3 {
			t.Errorf("Announce recorded for %q, want once per inbox", n)
		}

		// the author deletes its reply: the group Undoes its Announce
		send(activitypub.TypeDelete, 11, activitypub.Ref(reply.ID))
		send(activitypub.TypeDelete, 11, activitypub.Ref(reply.ID)) // redelivered
		undos := queuedTo(t, db, activitypub.TypeUndo)
		if in := inboxesOf(undos); strings.Join(in, " ") != strings.Join(wantInboxes, " ") {
			t.Fatalf("Undo queued to %q, want %q", in, wantInboxes)
		}
		for inbox, acts := range undos {
			if len(acts) != 1 {
				t.Fatalf("%d Undos to %s, want 1", len(acts), inbox)
			}
			ann, err := acts[0].Object.Activity()
			if err != nil || ann.ID != announceID || ann.Type != activitypub.TypeAnnounce || ann.Object.ID() != reply.ID {
				t.Errorf("Undo to %s undoes %+v (%v), want the Announce %s", inbox, ann, err, announceID)
			}
		}

		// a member deletes another reply's comment on our page: that Announce is undone too
		reply2 := m.note(20, beete, "<p>Noch eine Antwort</p>")
		send(activitypub.TypeCreate, 20, activitypub.Embed(reply2))
		r2, err := db.FediverseReplyByNote(ctx, reply2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.srv.contents.DeleteComment(ctx, r2.ContributionID); err != nil {
			t.Fatal(err)
		}
		var undone []string
		for inbox, acts := range queuedTo(t, db, activitypub.TypeUndo) {
			for _, a := range acts {
				if ann, err := a.Object.Activity(); err == nil && ann.Object.ID() == reply2.ID {
					undone = append(undone, inbox)
				}
			}
		}
		sort.Strings(undone)
		if strings.Join(undone, " ") != strings.Join(wantInboxes, " ") {
			t.Fatalf("a member's delete undid the Announce at %q, want %q", undone, wantInboxes)
		}
	})
}
