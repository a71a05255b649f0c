package web

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestConversationsWithGoToSocial: alice on a GoToSocial (v0.18.3) sends a direct post that
// mentions @garten@<our host>, whose members take conversations from the Fediverse; anna, the
// member, gets the mail and sees the conversation, answers on the web; alice's GoToSocial
// gets the answer as a direct reply to her post by the group, mentioning her; her reply to
// it joins the conversation.
func TestConversationsWithGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	p := startFediPeers(t)
	db, ctx, host := p.db, p.ctx, p.host
	_, garten := p.garden()
	if err := p.srv.federation.SetConversations(ctx, garten, true); err != nil {
		t.Fatal(err)
	}
	alice := p.gts.NewUser("alice")

	// alice's GoToSocial client API
	gts := func(method, path string, form url.Values, out any) {
		t.Helper()
		req, _ := http.NewRequest(method, p.gts.URL()+path, strings.NewReader(form.Encode()))
		req.Header.Set("Authorization", "Bearer "+alice.Token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %s %s", method, path, resp.Status, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var post gtstest.Status
	gts(http.MethodPost, "/api/v1/statuses", url.Values{"status": {"@garten@" + host + " Habt ihr noch Saatgut für Tomaten übrig?"},
		"visibility": {"direct"}}, &post)

	// anna hears of it by mail
	gtstest.Await(t, 60*time.Second, func() error {
		for _, m := range p.mails.Messages() {
			if strings.Contains(string(m.Data), "Saatgut") && len(m.To) == 1 && m.To[0] == "anna@example.org" {
				return nil
			}
		}
		return fmt.Errorf("no mail to anna among %d", len(p.mails.Messages()))
	})
	texts := storetest.Strings(t, db, `SELECT text FROM contributions WHERE conversation_id IS NOT NULL ORDER BY id`)
	t.Logf("alice's post %q became the message %q", post.Content, texts)
	if len(texts) != 1 || texts[0] != "Habt ihr noch Saatgut für Tomaten übrig?" {
		t.Fatalf("messages %q, want alice's text without the group's mention", texts)
	}
	assoc := storetest.Strings(t, db, `SELECT id FROM associations WHERE conversation_id IS NOT NULL AND group_id = `+itoa(garten.ID))
	if len(assoc) != 1 {
		t.Fatalf("associations %q", assoc)
	}

	// anna on our site, over https: she sees the conversation and answers
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.cert.Pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + host
	do := func(method, path string, v url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(v.Encode()))
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := do(http.MethodPost, "/stadt/login/", url.Values{"login": {"anna"}, "password": {"anna-password"}}); code != http.StatusSeeOther {
		t.Fatalf("login: %d", code)
	}
	page := "/stadt/conversations/" + assoc[0] + "/"
	if code, body := do(http.MethodGet, page, nil); code != http.StatusOK || !strings.Contains(body, "Saatgut") || !strings.Contains(body, "alice") {
		t.Fatalf("anna's view of the conversation: %d", code)
	}
	if code, _ := do(http.MethodPost, page, url.Values{"text": {"Ja, **reichlich**! Kommt am Samstag vorbei."}}); code != http.StatusSeeOther {
		t.Fatalf("anna's answer: %d", code)
	}

	// alice's GoToSocial has it: a direct reply to her post, by the group, mentioning her
	var answer gtstest.Status
	gtstest.Await(t, 60*time.Second, func() error {
		var c struct {
			Descendants []gtstest.Status `json:"descendants"`
		}
		gts(http.MethodGet, "/api/v1/statuses/"+post.ID+"/context", nil, &c)
		for _, st := range c.Descendants {
			if strings.Contains(st.Content, "reichlich") {
				answer = st
				return nil
			}
		}
		return fmt.Errorf("no answer among %d replies to alice's post", len(c.Descendants))
	})
	t.Logf("GoToSocial shows the answer as %q (%s, by %s)", answer.Content, answer.Visibility, answer.Account.Acct)
	if answer.Visibility != "direct" || answer.InReplyToID != post.ID || answer.Account.Acct != "garten@"+host ||
		!strings.Contains(answer.Content, "Anna") || !strings.Contains(answer.Content, "<strong>reichlich</strong>") {
		t.Errorf("the answer: visibility %s, in reply to %s, by %s, content %q", answer.Visibility, answer.InReplyToID,
			answer.Account.Acct, answer.Content)
	}
	var notes []struct {
		Type   string          `json:"type"`
		Status *gtstest.Status `json:"status"`
	}
	gts(http.MethodGet, "/api/v1/notifications", nil, &notes)
	var mentioned bool
	for _, n := range notes {
		mentioned = mentioned || (n.Type == "mention" && n.Status != nil && n.Status.ID == answer.ID)
	}
	if !mentioned {
		t.Errorf("alice has no mention notification of the answer among %d", len(notes))
	}

	// alice replies to the answer: it joins the conversation
	var reply gtstest.Status
	gts(http.MethodPost, "/api/v1/statuses", url.Values{"status": {"@garten@" + host + " Danke, bis Samstag!"},
		"visibility": {"direct"}, "in_reply_to_id": {answer.ID}}, &reply)
	gtstest.Await(t, 60*time.Second, func() error {
		if _, body := do(http.MethodGet, page, nil); !strings.Contains(body, "Danke, bis Samstag!") {
			return fmt.Errorf("alice's reply is not in the conversation")
		}
		return nil
	})
	if texts := storetest.Strings(t, db, `SELECT text FROM contributions WHERE conversation_id IS NOT NULL ORDER BY id`); len(texts) != 3 {
		t.Errorf("messages %q, want alice's post, anna's answer, alice's reply", texts)
	}
}
