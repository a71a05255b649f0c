package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestRepliesFromGoToSocial: a GoToSocial (v0.18.3) account follows @garten@<our host> and
// replies to the group's new public article; the reply shows on the article's page as a
// comment by @alice@<its host> with a link to her profile, and the group's member gets the
// notification mail; her edit changes the comment, her delete removes it.
func TestRepliesFromGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	p := startFediPeers(t)
	srv, db, ctx, host, runner := p.srv, p.db, p.ctx, p.host, p.runner
	anna, garten := p.garden()
	alice := p.gts.NewUser("alice")
	p.follow(alice, "garten")

	if _, err := srv.contents.Create(ctx, anna, garten.ID, contents.Article,
		contents.Draft{Title: "Beete", Text: "Was jetzt zu tun ist.", Public: true}); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	uri := "https://" + host + "/garten/beete/"
	article := p.inHome(alice, uri)

	reply, err := alice.Reply(article.ID, "Schöne Beete! Wir kommen <b>vorbei</b>.")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: p.cert.ClientTLS()}}
	page := func() string {
		resp, err := client.Get(uri)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	handle := alice.Handle()
	gtstest.Await(t, 60*time.Second, func() error {
		if body := page(); !strings.Contains(body, "Schöne Beete! Wir kommen") || !strings.Contains(body, handle) {
			return fmt.Errorf("the reply is not on the page as %s's comment", handle)
		}
		return nil
	})
	text := storetest.Strings(t, db, `SELECT text FROM contributions WHERE text LIKE '%Wir kommen%'`)
	t.Logf("GoToSocial's reply %q became the comment %q", reply.Content, text)
	if len(text) != 1 || !strings.HasPrefix(text[0], "Schöne Beete!") {
		t.Errorf("the comment %q, want it without the group's mention", text)
	}
	if body := page(); !strings.Contains(body, `href="`+reply.Account.URL+`"`) || strings.Contains(body, "<b>vorbei</b>") {
		t.Errorf("the comment links no profile %s, or keeps the HTML it was sent as text", reply.Account.URL)
	}

	// alice edits her reply, then deletes it (the client API, as her app does)
	api := func(method, path string, form url.Values) {
		t.Helper()
		req, _ := http.NewRequest(method, p.gts.URL()+path, strings.NewReader(form.Encode()))
		req.Header.Set("Authorization", "Bearer "+alice.Token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %s", method, path, resp.Status)
		}
	}
	defer func() {
		api(http.MethodDelete, "/api/v1/statuses/"+reply.ID, nil)
		gtstest.Await(t, 60*time.Second, func() error {
			if strings.Contains(page(), "Wir kommen") {
				return fmt.Errorf("the deleted reply still shows")
			}
			return nil
		})
	}()
	api(http.MethodPut, "/api/v1/statuses/"+reply.ID, url.Values{"status": {"@garten@" + host + " Schöne Beete! Wir kommen am Samstag."}})
	gtstest.Await(t, 60*time.Second, func() error {
		if !strings.Contains(page(), "Wir kommen am Samstag.") {
			return fmt.Errorf("the edit does not show")
		}
		return nil
	})

	// anna, the group's member, hears of it by mail
	runner.Wake()
	gtstest.Await(t, 60*time.Second, func() error {
		for _, m := range p.mails.Messages() {
			if strings.Contains(string(m.Data), "Wir kommen") && len(m.To) == 1 && m.To[0] == "anna@example.org" {
				return nil
			}
		}
		return fmt.Errorf("no notification to anna among %d mails", len(p.mails.Messages()))
	})

}
