package web

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestFollowRequestMail: a follow request to a closed group reaches its members (and nobody
// else) by mail, with a link to the page where they decide, once per request: a repeated
// Follow, a follow of an open group and a request decided before the mail went out send none.
func TestFollowRequestMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, m, g := followersSite(t, db) // mallory asked to follow kreis; alice is its member
		// the mails; the deliveries (Accepts) are not this test's
		mails := func() []mail.Job {
			storetest.Exec(t, db, `DELETE FROM jobs WHERE kind = '`+federation.JobDeliver+`'`)
			return s.mails()
		}
		kreis := g["kreis"]
		anna := s.person("anna", "anna-password")
		if err := s.srv.groups.AddMember(ctx, kreis.ID, anna.ID, anna.ID); err != nil {
			t.Fatal(err)
		}
		// anna reads English and wants no notifications by mail: the members decide, so
		// they all hear of it (she joined after the request: it is still pending)
		if err := db.SetPreferences(ctx, anna.ID, store.Preferences{Language: "en", ByInbox: true}); err != nil {
			t.Fatal(err)
		}
		sent := mails()
		var to []string
		for _, ml := range sent {
			to = append(to, ml.Envelope.To...)
		}
		sort.Strings(to)
		if strings.Join(to, " ") != "alice@example.org anna@example.org" {
			t.Fatalf("mails to %q, want the members of kreis", to)
		}
		page := "http://grouprise.test/stadt/groups/" + itoa(kreis.ID) + "/followers/"
		handle := "@mallory@" + strings.TrimPrefix(m.srv.URL, "http://")
		for _, ml := range sent {
			txt, want := ml.Message.Text, "möchte der Gruppe „Kreis“ aus dem Fediverse folgen"
			if ml.Envelope.To[0] == "anna@example.org" {
				want = "wants to follow the group “Kreis” from the Fediverse"
			}
			if !strings.HasPrefix(txt, handle+" "+want) || !strings.Contains(txt, "\n"+page+"\n") {
				t.Errorf("mail to %v: %q", ml.Envelope.To, txt)
			}
		}
		if n := link(t, sent[0], "http://grouprise.test/stadt/groups/"); n != "/stadt/groups/"+itoa(kreis.ID)+"/followers/" {
			t.Errorf("link %s", n)
		}

		b := s.browser()
		follow := func(n int, slug string) {
			t.Helper()
			b.postActivity("/"+slug+"/-/inbox", m.activity(t, activitypub.TypeFollow, n, activitypub.Ref("http://grouprise.test/"+slug+"/")),
				m.keyID, m.key).expect(t, http.StatusAccepted)
		}
		follow(7, "kreis") // repeated, with a new id
		follow(8, "garten")
		if got := mails(); len(got) != 0 {
			t.Errorf("repeated Follow and open group: %d mails", len(got))
		}

		// decided before the news went out
		if err := s.srv.federation.RemoveFollower(ctx, kreis, m.id); err != nil {
			t.Fatal(err)
		}
		mails()
		follow(9, "kreis")
		if err := s.srv.federation.AcceptFollower(ctx, kreis, m.id); err != nil {
			t.Fatal(err)
		}
		if got := mails(); len(got) != 0 {
			t.Errorf("a request accepted before the mail: %d mails", len(got))
		}
	})
}
