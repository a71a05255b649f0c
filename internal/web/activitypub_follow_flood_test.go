package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestFollowRequestMailFlood: the follow request of a closed group is mailed to its members
// once a day per actor, however often the actor undoes and repeats its Follow or is declined
// and asks again; and at most 20 requests a day per group from all actors together: the
// requests beyond wait on the followers page, without mail.
func TestFollowRequestMailFlood(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, m, g := followersSite(t, db) // mallory asked to follow kreis; alice is its member
		kreis := g["kreis"]
		mails := func() []mail.Job {
			t.Helper()
			storetest.Exec(t, db, `DELETE FROM jobs WHERE kind = '`+federation.JobDeliver+`'`)
			return s.mails()
		}
		if got := mails(); len(got) != 1 || got[0].Envelope.To[0] != "alice@example.org" {
			t.Fatalf("the first request: %d mails", len(got))
		}
		b := s.browser()
		send := func(r *remote, typ activitypub.Type, n int, object activitypub.ObjectRef) {
			t.Helper()
			b.postActivity("/kreis/-/inbox", r.activity(t, typ, n, object), r.keyID, r.key).expect(t, http.StatusAccepted)
		}
		kreisActor := activitypub.Ref("http://grouprise.test/kreis/")
		pending := func(actor string) bool {
			return storetest.Strings(t, db, `SELECT COUNT(*) FROM activitypub_followers WHERE group_id = `+itoa(kreis.ID)+
				` AND actor_id = '`+actor+`' AND NOT accepted`)[0] == "1"
		}

		// ten rounds of Undo and Follow: the request stands, the members heard of it once
		last := 2 // followersSite's Follow of kreis
		for i := 0; i < 10; i++ {
			send(m, activitypub.TypeUndo, 100+i, activitypub.Ref(fmt.Sprintf("%s/activities/%d", m.id, last)))
			if pending(m.id) {
				t.Fatalf("round %d: the Undo left the request", i)
			}
			last = 200 + i
			send(m, activitypub.TypeFollow, last, kreisActor)
		}
		if !pending(m.id) {
			t.Fatal("the last Follow is not pending")
		}
		if got := mails(); len(got) != 0 {
			t.Errorf("ten rounds of Undo and Follow: %d mails", len(got))
		}
		// declined, and asked again
		if err := s.srv.federation.RemoveFollower(ctx, kreis, m.id); err != nil {
			t.Fatal(err)
		}
		send(m, activitypub.TypeFollow, 300, kreisActor)
		if got := mails(); len(got) != 0 || !pending(m.id) {
			t.Errorf("declined and asked again: %d mails, pending %v", len(got), pending(m.id))
		}
		// a day later, the next request is news again
		storetest.Exec(t, db, `DELETE FROM rate_limits WHERE key LIKE 'activitypub.follow-mail%'`)
		send(m, activitypub.TypeUndo, 301, activitypub.Ref(m.id+"/activities/300"))
		send(m, activitypub.TypeFollow, 302, kreisActor)
		if got := mails(); len(got) != 1 {
			t.Errorf("a day later: %d mails, want 1", len(got))
		}

		// the group's day: mallory's and 19 more are mailed, the 20th of the crowd is not
		c := newCrowd(t, "127.0.0.1")
		for i := 0; i < 20; i++ {
			send(c.actor(fmt.Sprintf("u%d", i)), activitypub.TypeFollow, 1, kreisActor)
		}
		if got := mails(); len(got) != 19 {
			t.Errorf("20 new requests on a day with one before: %d mails, want 19", len(got))
		}
		beyond := c.actor("u19")
		if !pending(beyond.id) {
			t.Error("the request beyond the mails is not pending")
		}
		page := s.loggedIn("alice", "alice-password").get("/stadt/groups/" + itoa(kreis.ID) + "/followers/")
		page.expect(t, http.StatusOK, "@u19@"+strings.TrimPrefix(c.srv.URL, "http://"))
	})
}
