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
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// noticeMails runs the notifications that are queued and returns the mails they queued;
// other jobs are completed unrun.
func (s *site) noticeMails() []mail.Job {
	s.t.Helper()
	ctx := context.Background()
	var out []mail.Job
	for {
		jobs, err := s.db.ClaimJobs(ctx, "test", 1000, time.Now().Add(time.Second), time.Now().Add(time.Hour))
		if err != nil {
			s.t.Fatal(err)
		}
		if len(jobs) == 0 {
			return out
		}
		for _, j := range jobs {
			err := s.db.Tx(ctx, func(q *store.Queries) error {
				switch j.Kind {
				case mail.JobKind:
					var m mail.Job
					if err := json.Unmarshal(j.Payload, &m); err != nil {
						return err
					}
					out = append(out, m)
				case notify.JobKind:
					if err := s.srv.notifier.Fanout(ctx, q, j); err != nil {
						return err
					}
				}
				return q.CompleteJob(ctx, j)
			})
			if err != nil {
				s.t.Fatal(err)
			}
		}
	}
}

// TestFollowRequestMail: a follow request to a closed group reaches its members (and nobody
// else) by mail, with a link to the page where they decide, once per request: a repeated
// Follow, a follow of an open group and a request decided before the mail went out send none.
func TestFollowRequestMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, m, g := followersSite(t, db) // mallory asked to follow kreis; alice is its member
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
		mails := s.noticeMails()
		var to []string
		for _, ml := range mails {
			to = append(to, ml.Envelope.To...)
		}
		sort.Strings(to)
		if strings.Join(to, " ") != "alice@example.org anna@example.org" {
			t.Fatalf("mails to %q, want the members of kreis", to)
		}
		page := "http://grouprise.test/stadt/groups/" + itoa(kreis.ID) + "/followers/"
		handle := "@mallory@" + strings.TrimPrefix(m.srv.URL, "http://")
		for _, ml := range mails {
			txt, want := ml.Message.Text, "möchte der Gruppe „Kreis“ aus dem Fediverse folgen"
			if ml.Envelope.To[0] == "anna@example.org" {
				want = "wants to follow the group “Kreis” from the Fediverse"
			}
			if !strings.HasPrefix(txt, handle+" "+want) || !strings.Contains(txt, "\n"+page+"\n") {
				t.Errorf("mail to %v: %q", ml.Envelope.To, txt)
			}
		}
		if n := link(t, mails[0], "http://grouprise.test/stadt/groups/"); n != "/stadt/groups/"+itoa(kreis.ID)+"/followers/" {
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
		if mails := s.noticeMails(); len(mails) != 0 {
			t.Errorf("repeated Follow and open group: %d mails", len(mails))
		}

		// decided before the news went out
		if err := s.srv.federation.RemoveFollower(ctx, kreis, m.id); err != nil {
			t.Fatal(err)
		}
		s.noticeMails()
		follow(9, "kreis")
		if err := s.srv.federation.AcceptFollower(ctx, kreis, m.id); err != nil {
			t.Fatal(err)
		}
		if mails := s.noticeMails(); len(mails) != 0 {
			t.Errorf("a request accepted before the mail: %d mails", len(mails))
		}
	})
}
