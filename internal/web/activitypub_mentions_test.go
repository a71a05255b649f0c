package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/incoming"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// correspondent is a remote actor whose inbox keeps what it receives.
type correspondent struct {
	*remote
	mu  sync.Mutex
	got []*activitypub.Activity
}

func newCorrespondent(t *testing.T, username, name string) *correspondent {
	key, err := activitypub.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	c := &correspondent{remote: &remote{key: key}}
	r := c.remote
	pub, _ := activitypub.EncodePublicKey(&key.PublicKey)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch {
		case req.Method == http.MethodPost && req.URL.Path == "/users/"+username+"/inbox":
			b, _ := io.ReadAll(req.Body)
			a, err := activitypub.ParseActivity(b)
			if err != nil || req.Header.Get("Signature") == "" {
				http.Error(w, "bad", http.StatusBadRequest)
				return
			}
			c.mu.Lock()
			c.got = append(c.got, a)
			c.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		case req.URL.Path == "/users/"+username:
			r.fetches.Add(1)
			w.Header().Set("Content-Type", activitypub.MediaType)
			b, _ := activitypub.Encode(&activitypub.Actor{ID: r.id, Type: activitypub.TypePerson, PreferredUsername: username,
				Name: name, URL: activitypub.Href(r.srv.URL + "/@" + username), Inbox: r.id + "/inbox",
				PublicKey: activitypub.PublicKey{ID: r.keyID, Owner: r.id, PublicKeyPEM: pub}})
			w.Write(b)
		default:
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(r.srv.Close)
	r.id = r.srv.URL + "/users/" + username
	r.keyID = r.id + "#main-key"
	return c
}

func (c *correspondent) received() []*activitypub.Activity {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*activitypub.Activity(nil), c.got...)
}

// mention is the correspondent's direct Note n that mentions the group (by a Mention tag;
// none when tag is false) and is addressed to to.
func (c *correspondent) mention(n int, slug, text string, tag bool, to ...string) *activitypub.Post {
	actor := "http://grouprise.test/" + slug + "/"
	p := c.note(n, "", `<p><span class="h-card"><a href="`+actor+`" class="u-url mention">@<span>`+slug+`</span></a></span> `+text+`</p>`, to...)
	if tag {
		p.Tag = activitypub.Tags{{Type: activitypub.TypeMention, Href: actor, Name: "@" + slug + "@grouprise.test"}}
	}
	return p
}

// textsTo are the texts of the mails to address.
func textsTo(mails []mail.Job, address string) []string {
	var out []string
	for _, m := range mails {
		for _, to := range m.Envelope.To {
			if to == address {
				out = append(out, m.Message.Text)
			}
		}
	}
	return out
}

// signedGet GETs path signed as the remote.
func (b *browser) signedGet(path string, r *remote) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://grouprise.test"+path, nil)
	req.Header.Set("Accept", activitypub.MediaType)
	if r != nil {
		if err := (activitypub.Signer{KeyID: r.keyID, Key: r.key}).Sign(req, nil); err != nil {
			b.s.t.Fatal(err)
		}
	}
	return b.do(req)
}

// TestFediverseConversations: a post that mentions a group becomes a conversation with its
// members only when the group chose so (and is visible); once per Note; its members hear of
// it by mail and see it, nobody else does; a member's answer goes to the author alone as a
// Note of the group (readable by the author only), the author's reply to it joins the
// conversation and its Delete removes it; a forged author is refused (401), and an author's
// new conversations are bounded an hour (429).
func TestFediverseConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, garten := fediSite(t, db, "")
		bob := s.person("bob", "bob-password")
		s.person("carol", "carol-password")
		if err := groups.New(db, s.cfg.SlugReserved, nil).AddMember(ctx, garten.ID, bob.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		s.runJobs()
		m := newCorrespondent(t, "mallory", "Mallory Remote")
		eve := newCorrespondent(t, "eve", "Eve")
		b := s.browser()
		send := func(r *remote, typ activitypub.Type, n int, object activitypub.ObjectRef, status int) {
			t.Helper()
			b.postActivity("/stadt/activitypub/inbox", r.activity(t, typ, n, object), r.keyID, r.key).expect(t, status)
		}
		conversationsOf := func() []string {
			return storetest.Strings(t, db, `SELECT c.subject FROM conversations c JOIN associations a ON a.conversation_id = c.id
				WHERE a.group_id = `+itoa(garten.ID)+` ORDER BY c.id`)
		}
		messages := func() []string {
			return storetest.Strings(t, db, `SELECT text FROM contributions WHERE conversation_id IS NOT NULL AND deleted IS NULL ORDER BY id`)
		}
		direct := m.mention(1, "garten", "Habt ihr noch <strong>Saatgut</strong> für Tomaten übrig? Wir tauschen gern.", true, "http://grouprise.test/garten/")

		// off (the default): dropped, nothing written
		send(m.remote, activitypub.TypeCreate, 1, activitypub.Embed(direct), http.StatusAccepted)
		if c := conversationsOf(); len(c) != 0 {
			t.Fatalf("the setting is off, yet: %q", c)
		}

		// only who may change the group switches it on
		on := url.Values{"name": {"Garten"}, "slug": {"garten"}, "fediverse": {"on"}, "fediverse_conversations": {"on"}}
		for _, c := range []struct {
			name string
			b    *browser
			want int
		}{{"anonymous", s.browser(), http.StatusFound}, {"outsider", s.loggedIn("carol", "carol-password"), http.StatusForbidden}} {
			if r := c.b.post("/stadt/settings/group/?group=garten", on); r.StatusCode != c.want {
				t.Errorf("%s: %d, want %d", c.name, r.StatusCode, c.want)
			}
		}
		send(m.remote, activitypub.TypeCreate, 1, activitypub.Embed(direct), http.StatusAccepted)
		if c := conversationsOf(); len(c) != 0 {
			t.Fatalf("after the refused changes: %q", c)
		}
		member := s.loggedIn("bob", "bob-password")
		form := member.get("/stadt/settings/group/?group=garten")
		form.expect(t, http.StatusOK, "Gespräche aus dem Fediverse")
		if form.doc.Find(`input[name=fediverse_conversations]`).Is("[checked]") {
			t.Error("the setting is ticked by default")
		}
		member.post("/stadt/settings/group/?group=garten", on).expect(t, http.StatusSeeOther)
		if !member.get("/stadt/settings/group/?group=garten").doc.Find(`input[name=fediverse_conversations]`).Is("[checked]") {
			t.Fatal("the member's choice is not kept")
		}

		// a forged author is refused
		forged := m.mention(2, "garten", "im Namen von Eve", true)
		forged.AttributedTo = activitypub.IRI(eve.id)
		send(m.remote, activitypub.TypeCreate, 2, activitypub.Embed(forged), http.StatusUnauthorized)
		// groups not visible in the Fediverse (closed, or chose so) take none though they chose
		// conversations, nor does an unknown one
		for _, slug := range []string{"kreis", "versteckt"} {
			g, err := db.GroupBySlug(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.srv.federation.SetConversations(ctx, g, true); err != nil {
				t.Fatal(err)
			}
		}
		send(m.remote, activitypub.TypeCreate, 3, activitypub.Embed(m.mention(3, "kreis", "Hallo Kreis", true)), http.StatusAccepted)
		send(m.remote, activitypub.TypeCreate, 50, activitypub.Embed(m.mention(50, "versteckt", "Hallo Versteckte", true)), http.StatusAccepted)
		send(m.remote, activitypub.TypeCreate, 4, activitypub.Embed(m.mention(4, "niemand", "Hallo?", true)), http.StatusAccepted)
		if c := conversationsOf(); len(c) != 0 {
			t.Fatalf("forged or to other groups: %q", c)
		}

		// on: one conversation, once
		send(m.remote, activitypub.TypeCreate, 1, activitypub.Embed(direct), http.StatusAccepted)
		send(m.remote, activitypub.TypeCreate, 1, activitypub.Embed(direct), http.StatusAccepted) // redelivered
		if c := conversationsOf(); len(c) != 1 || c[0] != "Habt ihr noch Saatgut für Tomaten übrig? Wir tauschen gern." {
			t.Fatalf("conversations %q, want one with the post's first words", c)
		}
		if got := messages(); len(got) != 1 || got[0] != "Habt ihr noch **Saatgut** für Tomaten übrig? Wir tauschen gern." {
			t.Fatalf("messages %q", got)
		}
		mails := s.runJobs()
		for _, who := range []string{"alice@example.org", "bob@example.org"} {
			if got := textsTo(mails, who); len(got) != 1 || !strings.Contains(got[0], "Saatgut") {
				t.Errorf("mails to %s: %q", who, got)
			}
		}
		if got := textsTo(mails, "carol@example.org"); len(got) != 0 {
			t.Errorf("carol, no member, got %q", got)
		}
		assoc := storetest.Strings(t, db, `SELECT a.id FROM associations a JOIN conversations c ON c.id = a.conversation_id
			WHERE a.group_id = `+itoa(garten.ID))[0]
		page := "/stadt/conversations/" + assoc + "/"
		host := strings.TrimPrefix(m.srv.URL, "http://")
		member.get(page).expect(t, http.StatusOK, "Mallory Remote", "Saatgut", `href="`+m.srv.URL+`/@mallory"`,
			"Deine Antwort geht auch an @mallory@"+host+" im Fediverse, nur an diese Person – mit deinem Namen")
		for _, who := range []string{"alice@example.org", "bob@example.org"} {
			if got := textsTo(mails, who); len(got) != 1 || !strings.Contains(got[0], "Eine Antwort auf diese E-Mail geht mit deinem Namen auch an @mallory@"+host+" im Fediverse.") {
				t.Errorf("the mail to %s does not say where a reply goes: %q", who, got)
			}
		}
		if r := s.loggedIn("carol", "carol-password").get(page); r.StatusCode == http.StatusOK || strings.Contains(r.body, "Saatgut") {
			t.Errorf("an outsider sees the conversation: %d", r.StatusCode)
		}
		if r := s.browser().get(page); strings.Contains(r.body, "Saatgut") {
			t.Errorf("anonymous sees the conversation: %d", r.StatusCode)
		}

		// the member answers: the group's Note to mallory alone, in reply to the post
		member.post(page, url.Values{"text": {"Ja, **gern**! Kommt vorbei."}}).expect(t, http.StatusSeeOther)
		s.runJobs()
		got := m.received()
		if len(got) != 1 || got[0].Type != activitypub.TypeCreate {
			t.Fatalf("mallory received %d activities, want one Create", len(got))
		}
		note, err := got[0].Object.Post()
		if err != nil {
			t.Fatal(err)
		}
		if note.InReplyTo != activitypub.IRI(direct.ID) || string(note.AttributedTo) != "http://grouprise.test/garten/" ||
			len(note.To) != 1 || note.To[0] != m.id || len(note.Cc) != 0 || !got[0].To.Contains(m.id) || got[0].To.Contains(activitypub.Public) {
			t.Errorf("the answer: inReplyTo %s, by %s, to %v cc %v (activity to %v)", note.InReplyTo, note.AttributedTo, note.To, note.Cc, got[0].To)
		}
		if !strings.Contains(note.Content, "@mallory@"+host) || !strings.Contains(note.Content, "<strong>Bob</strong> (Garten):") ||
			!strings.Contains(note.Content, "<strong>gern</strong>") || len(note.Tag) != 1 || note.Tag[0].Href != m.id {
			t.Errorf("the answer's content %q, tags %v", note.Content, note.Tag)
		}
		if len(eve.received()) != 0 {
			t.Error("eve received the answer")
		}
		// its id answers the author alone
		path := strings.TrimPrefix(note.ID, "http://grouprise.test")
		if r := b.signedGet(path, m.remote); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "gern") {
			t.Errorf("the author GETs the note: %d", r.StatusCode)
		}
		for name, r := range map[string]*remote{"unsigned": nil, "eve": eve.remote} {
			if r := b.signedGet(path, r); r.StatusCode != http.StatusNotFound || strings.Contains(r.body, "gern") {
				t.Errorf("%s GETs the note: %d", name, r.StatusCode)
			}
		}

		// mallory's reply joins the conversation; eve's reply to the same note does not
		reply := m.note(5, note.ID, "<p>Super, wir kommen am Samstag.</p>", m.id)
		send(m.remote, activitypub.TypeCreate, 5, activitypub.Embed(reply), http.StatusAccepted)
		send(m.remote, activitypub.TypeCreate, 5, activitypub.Embed(reply), http.StatusAccepted) // redelivered
		send(eve.remote, activitypub.TypeCreate, 6, activitypub.Embed(eve.note(6, note.ID, "<p>Ich auch!</p>", m.id)), http.StatusAccepted)
		if got := messages(); len(got) != 3 || got[2] != "Super, wir kommen am Samstag." {
			t.Fatalf("messages after the replies: %q", got)
		}
		mails = s.runJobs()
		if got := textsTo(mails, "bob@example.org"); len(got) != 1 || !strings.Contains(got[0], "Samstag") {
			t.Errorf("bob's mails of the reply: %q", got)
		}
		if len(m.received()) != 1 {
			t.Error("mallory's own reply went back to mallory")
		}
		// the next answer is in reply to mallory's latest note
		member.post(page, url.Values{"text": {"Bis dann!"}}).expect(t, http.StatusSeeOther)
		s.runJobs()
		if got := m.received(); len(got) != 2 {
			t.Fatalf("mallory received %d activities, want 2", len(got))
		} else if n, _ := got[1].Object.Post(); n == nil || n.InReplyTo != activitypub.IRI(reply.ID) {
			t.Errorf("the second answer is not in reply to %s", reply.ID)
		}

		// bob answers mallory's reply by mail: that goes to mallory too
		var replyTo string
		for _, ml := range mails {
			if len(ml.Envelope.To) == 1 && ml.Envelope.To[0] == "bob@example.org" && len(ml.Message.ReplyTo) == 1 {
				replyTo = ml.Message.ReplyTo[0].Address
			}
		}
		token := strings.TrimSuffix(strings.TrimPrefix(replyTo, "reply+"), "@grouprise.test")
		if token == replyTo || token == "" {
			t.Fatalf("bob's mail has no reply address: %q", replyTo)
		}
		in := incoming.New(s.cfg, db, s.srv.catalog, slog.New(slog.DiscardHandler), s.srv.contents, s.srv.conversations)
		if out, err := in.Deliver(ctx, &incoming.Mail{Sender: "bob@example.org", Recipient: replyTo, Token: token,
			MessageID: "antwort@example.org", Subject: "Re: Saatgut", Text: "Per Mail: Samstag passt.",
			Received: time.Now()}); err != nil || out != incoming.Delivered {
			t.Fatalf("bob's mail: %v, %v", out, err)
		}
		s.runJobs()
		if got := m.received(); len(got) != 3 {
			t.Fatalf("mallory received %d activities, want 3", len(got))
		} else if n, _ := got[2].Object.Post(); n == nil || !strings.Contains(n.Content, "Per Mail: Samstag passt.") {
			t.Errorf("the mail's answer did not reach mallory: %+v", n)
		}

		// Delete: eve's refused, mallory's removes the message
		send(eve.remote, activitypub.TypeDelete, 7, activitypub.Ref(reply.ID), http.StatusUnauthorized)
		send(eve.remote, activitypub.TypeDelete, 8, activitypub.Ref(note.ID), http.StatusUnauthorized)
		send(m.remote, activitypub.TypeDelete, 9, activitypub.Embed(&activitypub.Tombstone{ID: reply.ID, Type: activitypub.TypeTombstone}), http.StatusAccepted)
		if got := messages(); len(got) != 4 || strings.Contains(strings.Join(got, "|"), "am Samstag") {
			t.Fatalf("messages after the Delete: %q", got)
		}

		// the budget: an author starts at most ten conversations an hour
		for i := 0; i < 9; i++ {
			send(m.remote, activitypub.TypeCreate, 100+i, activitypub.Embed(m.mention(100+i, "garten", fmt.Sprintf("Frage %d", i), true)), http.StatusAccepted)
		}
		send(m.remote, activitypub.TypeCreate, 200, activitypub.Embed(m.mention(200, "garten", "Noch eine Frage", true)), http.StatusTooManyRequests)
		if c := conversationsOf(); len(c) != 10 {
			t.Errorf("%d conversations, want 10", len(c))
		}
		// eve's budget is her own; a mention by audience alone counts too
		send(eve.remote, activitypub.TypeCreate, 10, activitypub.Embed(eve.mention(10, "garten", "Eve fragt", false, "http://grouprise.test/garten/")), http.StatusAccepted)
		if c := conversationsOf(); len(c) != 11 || c[10] != "Eve fragt" {
			t.Errorf("eve's conversation: %q", c)
		}
		// a post that names many of our addresses has only its first few looked up
		crowded := eve.mention(12, "garten", "Viele Namen", false, "http://grouprise.test/garten/")
		for i := 0; i < 5; i++ {
			crowded.Tag = append(crowded.Tag, activitypub.Tag{Type: activitypub.TypeMention, Href: fmt.Sprintf("http://grouprise.test/n%d/", i)})
		}
		send(eve.remote, activitypub.TypeCreate, 12, activitypub.Embed(crowded), http.StatusAccepted)
		if c := conversationsOf(); len(c) != 11 {
			t.Errorf("after a post naming six of our addresses: %d conversations", len(c))
		}
		s.runJobs()

		// off again: dropped
		member.post("/stadt/settings/group/?group=garten", url.Values{"name": {"Garten"}, "slug": {"garten"}, "fediverse": {"on"}}).
			expect(t, http.StatusSeeOther)
		send(eve.remote, activitypub.TypeCreate, 11, activitypub.Embed(eve.mention(11, "garten", "Eve fragt nochmal", true)), http.StatusAccepted)
		if c := conversationsOf(); len(c) != 11 {
			t.Errorf("after switching off: %d conversations", len(c))
		}

		// eve's account deleted: her messages go with it, mallory's stay
		left := func(actor string) string {
			return storetest.Strings(t, db, `SELECT COUNT(*) FROM contributions c JOIN activitypub_conversation_notes n
				ON n.contribution_id = c.id WHERE n.actor_id = '`+actor+`' AND c.deleted IS NULL`)[0]
		}
		if left(eve.id) == "0" || left(m.id) == "0" {
			t.Fatalf("before eve's Delete: %s message(s) of eve, %s of mallory", left(eve.id), left(m.id))
		}
		send(eve.remote, activitypub.TypeDelete, 13, activitypub.Ref(eve.id), http.StatusAccepted)
		if left(eve.id) != "0" || left(m.id) == "0" {
			t.Errorf("after eve's Delete of her account: %s message(s) of eve, %s of mallory", left(eve.id), left(m.id))
		}

		// a former member reads the conversation no more and changes no setting
		alice := s.loggedIn("alice", "alice-password")
		alice.get(page).expect(t, http.StatusOK, "Saatgut")
		aliceID, err := strconv.ParseInt(storetest.Strings(t, db, `SELECT id FROM gestalten WHERE username = 'alice'`)[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.srv.groups.RemoveMember(ctx, garten.ID, aliceID); err != nil {
			t.Fatal(err)
		}
		if r := alice.get(page); r.StatusCode == http.StatusOK || strings.Contains(r.body, "Saatgut") {
			t.Errorf("a former member sees the conversation: %d", r.StatusCode)
		}
		alice.post("/stadt/settings/group/?group=garten", on).expect(t, http.StatusForbidden)
		if g, err := db.GroupBySlug(ctx, "garten"); err != nil {
			t.Fatal(err)
		} else if ok, err := s.srv.federation.ConversationsOn(ctx, g); err != nil || ok {
			t.Errorf("after a former member's change: conversations on %v (%v)", ok, err)
		}
	})
}

// TestFediverseConversationsOff: without federation the setting is not shown, and a member
// cannot switch it on.
func TestFediverseConversationsOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.group("Garten", s.person("carol", "carol-password"))
		carol := s.loggedIn("carol", "carol-password")
		if n := carol.get("/stadt/settings/group/?group=garten").doc.Find(`input[name=fediverse_conversations]`).Length(); n != 0 {
			t.Error("the setting shows without federation")
		}
		carol.post("/stadt/settings/group/?group=garten", url.Values{"name": {"Garten"}, "slug": {"garten"},
			"fediverse_conversations": {"on"}}).expect(t, http.StatusSeeOther)
		if n := storetest.Strings(t, db, `SELECT group_id FROM activitypub_group_settings`); len(n) != 0 {
			t.Errorf("settings written without federation: %q", n)
		}
	})
}
