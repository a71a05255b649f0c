package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// postJSON sends a JSON body as the pages' scripts do.
func (b *browser) postJSON(path, body string) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://grouprise.test")
	return b.do(req)
}

func decode(t *testing.T, r *response, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: content type %q: %s", r.Request.URL.Path, ct, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("%s: %v: %s", r.Request.URL.Path, err, r.body)
	}
}

func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		gr := groups.New(db, s.cfg.SlugReserved, nil)
		garden := s.group("Stadtgarten", anna)
		gr.Create(ctx, groups.NewGroup{Name: "Werkstatt"})
		anon := s.browser()
		a := s.loggedIn("anna", "anna-password")

		var errOut map[string]string
		r := anon.postJSON("/stadt/api/content/markdown/", `{"content": "*x*"}`)
		decode(t, r, &errOut)
		if r.StatusCode != http.StatusUnauthorized || errOut["code"] != "NOT_AUTHENTICATED" {
			t.Errorf("anonymous preview: %d %v", r.StatusCode, errOut)
		}
		var md map[string]string
		r = a.postJSON("/stadt/api/content/markdown/", `{"content": "# Titel\n\n*x* <script>y</script> @stadtgarten"}`)
		decode(t, r, &md)
		if r.StatusCode != http.StatusOK || !strings.Contains(md["content"], "<h2") || !strings.Contains(md["content"], "<em>x</em>") ||
			strings.Contains(md["content"], "<script") || !strings.Contains(md["content"], "grouplink") {
			t.Errorf("preview: %d %q", r.StatusCode, md["content"])
		}
		r = a.postJSON("/stadt/api/content/markdown/", `{"content": 1}`)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad JSON: %d", r.StatusCode)
		}

		var gs []apiGroup
		decode(t, anon.get("/stadt/api/groups/?name=garten"), &gs)
		if len(gs) != 1 || gs[0].Slug != "stadtgarten" || gs[0].URL != "http://grouprise.test/stadtgarten/" || gs[0].Initials != "S" {
			t.Errorf("groups by name: %+v", gs)
		}
		gs = nil
		decode(t, anon.get("/stadt/api/groups/?id="+itoa(garden.ID)+",9999"), &gs)
		if len(gs) != 1 {
			t.Errorf("groups by id: %+v", gs)
		}
		if r := anon.get("/stadt/api/groups/?id=x"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad id: %d", r.StatusCode)
		}

		// pictures: upload, list
		if r := anon.get("/stadt/api/images/"); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous image list: %d", r.StatusCode)
		}
		var img apiImage
		r = a.upload("/stadt/api/images/", "file", "bild.png", testPNG(40, 30))
		decode(t, r, &img)
		if r.StatusCode != http.StatusCreated || img.ID == 0 || !strings.HasPrefix(img.Preview, "/-/images/preview/") {
			t.Errorf("upload: %d %+v", r.StatusCode, img)
		}
		if r := a.upload("/stadt/api/images/", "file", "bild.png", []byte("kein Bild")); r.StatusCode != http.StatusBadRequest {
			t.Errorf("not a picture: %d", r.StatusCode)
		}
		var imgs []apiImage
		decode(t, a.get("/stadt/api/images/"), &imgs)
		if len(imgs) != 1 || imgs[0].ID != img.ID {
			t.Errorf("list: %+v", imgs)
		}
		anon.get(img.Preview).expect(t, http.StatusOK)

		// the picture as an article's preview; someone else's picture is not taken
		form := a.get("/stadt/articles/add/")
		if form.doc.Find(`input[name="image"][value="`+itoa(img.ID)+`"]`).Length() != 1 {
			t.Error("the form does not offer the picture")
		}
		a.post("/stadt/articles/add/", map[string][]string{"where": {"me"}, "title": {"Mit Bild"}, "image": {itoa(img.ID)}, "public": {"on"}}).
			expect(t, http.StatusSeeOther)
		anon.get("/anna/mit-bild/").expect(t, http.StatusOK, `class="lead" src="`+strings.Replace(img.Preview, "preview", "medium", 1), `property="og:image"`)
		a.get("/anna/").expect(t, http.StatusOK, `class="thumb" src="`+img.Preview)
		s.person("bert", "bert-password")
		s.loggedIn("bert", "bert-password").post("/stadt/articles/add/", map[string][]string{"where": {"me"}, "title": {"Fremd"}, "image": {itoa(img.ID)}}).
			expect(t, http.StatusSeeOther)
		if strings.Contains(anon.get("/bert/fremd/").body, img.File) {
			t.Error("someone else's picture was taken")
		}

		// a poll by JSON
		p, err := contents.New(db).Create(ctx, anna, garden.ID, contents.Poll, contents.Draft{Title: "Farbe", Public: true,
			Options: []contents.Option{{Title: "Rot"}, {Title: "Grün"}}})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := db.ContentByID(ctx, p.ContentID)
		path := "/stadt/api/polls/" + itoa(c.PollID) + "/"
		var poll struct {
			Options []apiOption `json:"options"`
			Winner  int64       `json:"options_winner"`
			Votes   []struct {
				Voter string `json:"voter"`
			} `json:"votes"`
		}
		decode(t, anon.get(path), &poll)
		if len(poll.Options) != 2 || poll.Winner != 0 {
			t.Fatalf("poll: %+v", poll)
		}
		red, green := itoa(poll.Options[0].ID), itoa(poll.Options[1].ID)
		vote := `{"gestalt": {"name": "Gast"}, "endorsements": [{"option": ` + red + `, "endorsement": null}, {"option": ` + green + `, "endorsement": true}]}`
		if r := anon.postJSON(path+"vote/", vote); r.StatusCode != http.StatusOK {
			t.Errorf("anonymous vote: %d %s", r.StatusCode, r.body)
		}
		r = anon.postJSON(path+"vote/", vote)
		decode(t, r, &errOut)
		if r.StatusCode != http.StatusForbidden || errOut["code"] != "VOTE_ERR_ANON_VOTED" {
			t.Errorf("the name again: %d %v", r.StatusCode, errOut)
		}
		member := `{"endorsements": [{"option": ` + red + `, "endorsement": false}, {"option": ` + green + `, "endorsement": true}]}`
		a.postJSON(path+"vote/", member)
		r = a.postJSON(path+"vote/", member)
		decode(t, r, &errOut)
		if r.StatusCode != http.StatusForbidden || errOut["code"] != "VOTE_ERR_GESTALT_VOTED" {
			t.Errorf("second vote: %d %v", r.StatusCode, errOut)
		}
		poll.Votes = nil
		decode(t, anon.get(path), &poll)
		if poll.Winner != poll.Options[1].ID || len(poll.Votes) != 2 {
			t.Errorf("result: %+v", poll)
		}
		if r := anon.get("/stadt/api/polls/9999/"); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown poll: %d", r.StatusCode)
		}
	})
}

// Without JavaScript the form's preview button shows the rendered text and saves nothing.
func TestFormPreview(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	s.person("anna", "anna-password")
	a := s.loggedIn("anna", "anna-password")
	r := a.post("/stadt/articles/add/", map[string][]string{"where": {"me"}, "title": {"T"}, "text": {"**fett**"}, "preview": {"1"}})
	r.expect(t, http.StatusOK, "<strong>fett</strong>", "**fett**")
	if n, _ := s.db.Count(context.Background(), "contents"); n != 0 {
		t.Error("the preview saved the content")
	}
}
