package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/store/storetest"
)

// gtsAPI calls GoToSocial's client API as u: a form, or a multipart form with one file
// (field file, when data is not nil); it decodes the answer into out.
func gtsAPI(t *testing.T, p *fediPeers, u *gtstest.User, method, path string, form url.Values, field string, data []byte, out any) {
	t.Helper()
	var body bytes.Buffer
	contentType := "application/x-www-form-urlencoded"
	if data != nil {
		mw := multipart.NewWriter(&body)
		for k, vs := range form {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		fw, _ := mw.CreateFormFile(field, "bild.png")
		fw.Write(data)
		mw.Close()
		contentType = mw.FormDataContentType()
	} else {
		body.WriteString(form.Encode())
	}
	req, _ := http.NewRequest(method, p.gts.URL()+path, &body)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%s %s: %s %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// TestPicturesFromGoToSocial: alice on GoToSocial (v0.18.3) has an avatar and replies to the
// group's article with a picture; her comment on our page shows her avatar and the picture
// with its description, both from our own media, and names nothing of her server's media.
func TestPicturesFromGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	p := startFediPeers(t)
	srv, ctx, host, runner := p.srv, p.ctx, p.host, p.runner
	anna, garten := p.garden()
	alice := p.gts.NewUser("alice")
	var me gtstest.Account
	gtsAPI(t, p, alice, http.MethodPatch, "/api/v1/accounts/update_credentials", url.Values{"display_name": {"Alice"}},
		"avatar", imagestest.PNG(400, 400, 30, 140, 60, 255), &me)
	if me.Avatar == "" {
		t.Fatal("GoToSocial took no avatar")
	}
	p.follow(alice, "garten")

	if _, err := srv.contents.Create(ctx, anna, garten.ID, contents.Article,
		contents.Draft{Title: "Beete", Text: "Was jetzt zu tun ist.", Public: true}); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	uri := "https://" + host + "/garten/beete/"
	article := p.inHome(alice, uri)

	var media struct {
		ID string `json:"id"`
	}
	gtsAPI(t, p, alice, http.MethodPost, "/api/v2/media", url.Values{"description": {"Unsere Tomaten im Juli"}},
		"file", imagestest.PNG(1200, 800, 200, 40, 30, 255), &media)
	var reply gtstest.Status
	gtsAPI(t, p, alice, http.MethodPost, "/api/v1/statuses", url.Values{"status": {"@garten@" + host + " Seht mal, unsere Tomaten!"},
		"visibility": {"public"}, "in_reply_to_id": {article.ID}, "media_ids[]": {media.ID}}, "", nil, &reply)
	if len(reply.Media) != 1 {
		t.Fatalf("the reply has %d attachments", len(reply.Media))
	}

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: p.cert.ClientTLS()}}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get("https://" + host + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	var avatar, picture string
	gtstest.Await(t, 90*time.Second, func() error {
		runner.Wake()
		_, body := get("/garten/beete/")
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			return err
		}
		comment := doc.Find("#comments li.item").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.Contains(s.Text(), "unsere Tomaten")
		})
		avatar = comment.Find("a.avatar img").AttrOr("src", "")
		picture = comment.Find("ul.attachments img").AttrOr("src", "")
		if !strings.HasPrefix(avatar, "/-/avatars/") || !strings.HasPrefix(picture, "/-/files/") {
			return fmt.Errorf("the comment shows the avatar %q and the picture %q", avatar, picture)
		}
		if alt := comment.Find("ul.attachments img").AttrOr("alt", ""); alt != "Unsere Tomaten im Juli" {
			return fmt.Errorf("the picture's description is %q", alt)
		}
		return nil
	})
	_, body := get("/garten/beete/")
	if strings.Contains(body, me.Avatar) || strings.Contains(body, reply.Media[0].URL) || strings.Contains(body, "/fileserver/") {
		t.Errorf("the page names GoToSocial's media (%s, %s)", me.Avatar, reply.Media[0].URL)
	}
	for _, src := range []string{avatar, picture} {
		if resp, _ := get(src); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("GET %s: %d %s", src, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	stored := storetest.Strings(t, p.db, `SELECT avatar FROM gestalten WHERE username LIKE 'fediverse-%'`)
	t.Logf("alice's avatar %s became %q, her picture %s became %s", me.Avatar, stored, reply.Media[0].URL, picture)
}
